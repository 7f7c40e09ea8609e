"""Qt image display for qt_gui flowgraphs: the latest decoded image with its readouts (SNR, PSNR, class)."""

import numpy as np
import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from semjscc.data import load_dataset
from semjscc.gr.pdus import parse_pdu
from semjscc.link.scoring import ImageScorer, psnr


def readout(meta: dict, image_psnr, mean_psnr, scored: int) -> str:
    """The text under the image: the decoder that made it, this image's SNR estimate, PSNR and class; the run's
    mean PSNR so far."""
    parts = [f"image {meta.get('image_id')}", f"SNR est {meta.get('snr_est_db', float('nan')):.1f} dB"]
    if "decoder" in meta:
        parts.insert(1, str(meta["decoder"]))
    if image_psnr is not None:
        parts.append(f"PSNR {image_psnr:.2f} dB")
    if "predicted_class" in meta:
        parts.append(f"class {meta['predicted_class']}")
    if scored:
        parts.append(f"mean PSNR {mean_psnr:.2f} dB over {scored}")
    return " | ".join(parts)


class _ImagePanel(QtWidgets.QWidget):
    """The widget: the image over a line of readouts; images cross from GNU Radio's thread to Qt's through a
    queued signal."""

    show_image = QtCore.pyqtSignal(QtGui.QImage, str)

    def __init__(self, scale: int):
        super().__init__()
        self.scale = scale
        self.picture = QtWidgets.QLabel(alignment=QtCore.Qt.AlignCenter)
        self.picture.setMinimumSize(160, 160)
        self.caption = QtWidgets.QLabel(alignment=QtCore.Qt.AlignCenter)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)
        self.show_image.connect(self._on_image, QtCore.Qt.QueuedConnection)

    def _on_image(self, image: QtGui.QImage, caption: str):
        pixmap = QtGui.QPixmap.fromImage(image)
        if self.scale > 1:
            pixmap = pixmap.scaled(image.width() * self.scale, image.height() * self.scale,
                                   QtCore.Qt.KeepAspectRatio, QtCore.Qt.FastTransformation)
        self.picture.setPixmap(pixmap)
        self.caption.setText(caption)


class image_display(gr.basic_block):
    """Message input ``pdus`` (decoded image PDUs); ``widget`` is the panel to place in the GUI.  ``reference``:
    the images sent (a dataset spec), for the PSNR readouts; empty when unknown (a remote transmitter)."""

    def __init__(self, scale=4, reference="", data_root=""):
        gr.basic_block.__init__(self, name="semjscc_image_display", in_sig=None, out_sig=None)
        self.widget = _ImagePanel(int(scale))
        # the scorer finds each image's reference; PSNR only (no SSIM on the GUI's path)
        self.scorer = ImageScorer(load_dataset(reference, data_root or None) if reference else None,
                                  keep_rows=False)
        self.psnr_sum, self.scored = 0.0, 0
        self.shown = 0
        self.message_port_register_in(pmt.intern("pdus"))
        self.set_msg_handler(pmt.intern("pdus"), self._handle)

    def _handle(self, msg):
        try:
            meta, pixels = parse_pdu(msg)
            height, width = int(meta["height"]), int(meta["width"])
            rgb = np.ascontiguousarray(pixels.astype(np.uint8).reshape(height, width, 3))
            reference, _ = self.scorer.reference(int(meta["image_id"]), rgb.shape)
        except (ValueError, KeyError) as err:
            self.logger.warn(f"dropped a malformed image PDU ({err})")
            return
        image = QtGui.QImage(rgb.data, width, height, 3 * width, QtGui.QImage.Format_RGB888).copy()
        image_psnr = None if reference is None else psnr(reference, rgb)
        if image_psnr is not None:
            self.psnr_sum, self.scored = self.psnr_sum + image_psnr, self.scored + 1
        self.shown += 1
        self.widget.show_image.emit(image, readout(meta, image_psnr, self.psnr_sum / max(self.scored, 1),
                                                   self.scored))
