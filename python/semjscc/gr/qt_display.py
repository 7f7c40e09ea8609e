"""Qt image display for qt_gui flowgraphs: the latest decoded image with its readouts (SNR, PSNR, class), and a
photograph's rows as they are decoded, before its last frame has come."""

import numpy as np
import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from semjscc.data import load_dataset
from semjscc.data.images import MAX_PIXELS
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


def paste_band(canvas, meta: dict, pixels: np.ndarray):
    """(canvas, caption): the picture of the photograph arriving with an early band (``bands`` of the decoder)
    pasted in; ``canvas`` is the previous one (key, HxWx3 uint8) or None, and a new photograph starts grey.
    ValueError for a band that does not fit its announced image."""
    height, width, top = int(meta["height"]), int(meta["width"]), int(meta["band_top"])
    if not 0 < height * width <= MAX_PIXELS or pixels.size % (3 * width) or not 0 <= top < height:
        raise ValueError(f"a band at row {top} of {pixels.size} values does not fit a {width}x{height} image")
    band = pixels.astype(np.uint8).reshape(-1, width, 3)[:height - top]
    key = (meta.get("image_id"), height, width)
    if canvas is None or canvas[0] != key:
        canvas = (key, np.full((height, width, 3), 128, np.uint8))
    canvas[1][top:top + len(band)] = band
    return canvas, f"image {key[0]}: rows {top}-{top + len(band) - 1} of {height} decoded, the rest on the air"


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
    """Message inputs ``pdus`` (decoded image PDUs) and ``bands`` (a photograph's early bands from the decoder,
    shown as they come); ``widget`` is the panel to place in the GUI.  ``reference``: the images sent (a dataset
    spec), for the PSNR readouts; empty when unknown (a remote transmitter)."""

    def __init__(self, scale=4, reference="", data_root=""):
        gr.basic_block.__init__(self, name="semjscc_image_display", in_sig=None, out_sig=None)
        self.widget = _ImagePanel(int(scale))
        # the scorer finds each image's reference; PSNR only (no SSIM on the GUI's path)
        self.scorer = ImageScorer(load_dataset(reference, data_root or None) if reference else None,
                                  keep_rows=False)
        self.psnr_sum, self.scored = 0.0, 0
        self.shown = 0
        self.canvas = None  # (image key, pixels) of the photograph whose bands are arriving
        self.message_port_register_in(pmt.intern("pdus"))
        self.set_msg_handler(pmt.intern("pdus"), self._handle)
        self.message_port_register_in(pmt.intern("bands"))
        self.set_msg_handler(pmt.intern("bands"), self._handle_band)

    def _handle_band(self, msg):
        try:
            self.canvas, caption = paste_band(self.canvas, *parse_pdu(msg))
        except (ValueError, KeyError, TypeError) as err:
            self.logger.warn(f"dropped a malformed band PDU ({err})")
            return
        height, width = self.canvas[1].shape[:2]
        image = QtGui.QImage(self.canvas[1].data, width, height, 3 * width, QtGui.QImage.Format_RGB888).copy()
        self.widget.show_image.emit(image, caption)

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
