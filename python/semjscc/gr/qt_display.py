"""Qt image display for qt_gui flowgraphs: shows the latest decoded image with its SNR and PSNR."""

import numpy as np
import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from semjscc.gr.pdus import parse_pdu


class _ImageLabel(QtWidgets.QLabel):
    """The widget; images cross from GNU Radio's thread to Qt's through a queued signal."""

    show_image = QtCore.pyqtSignal(QtGui.QImage, str)

    def __init__(self, scale: int):
        super().__init__()
        self.scale = scale
        self.setAlignment(QtCore.Qt.AlignCenter)
        self.setMinimumSize(160, 160)
        self.show_image.connect(self._on_image, QtCore.Qt.QueuedConnection)

    def _on_image(self, image: QtGui.QImage, caption: str):
        pixmap = QtGui.QPixmap.fromImage(image)
        if self.scale > 1:
            pixmap = pixmap.scaled(image.width() * self.scale, image.height() * self.scale,
                                   QtCore.Qt.KeepAspectRatio, QtCore.Qt.FastTransformation)
        self.setPixmap(pixmap)
        self.setToolTip(caption)


class image_display(gr.basic_block):
    """Message input ``pdus`` (decoded image PDUs); ``widget`` is the QLabel to place in the GUI."""

    def __init__(self, scale=4):
        gr.basic_block.__init__(self, name="semjscc_image_display", in_sig=None, out_sig=None)
        self.widget = _ImageLabel(int(scale))
        self.shown = 0
        self.message_port_register_in(pmt.intern("pdus"))
        self.set_msg_handler(pmt.intern("pdus"), self._handle)

    def _handle(self, msg):
        try:
            meta, pixels = parse_pdu(msg)
            height, width = int(meta["height"]), int(meta["width"])
            rgb = np.ascontiguousarray(pixels.astype(np.uint8).reshape(height, width, 3))
        except (ValueError, KeyError) as err:
            self.logger.warn(f"dropped a malformed image PDU ({err})")
            return
        image = QtGui.QImage(rgb.data, width, height, 3 * width, QtGui.QImage.Format_RGB888).copy()
        caption = f"image {meta.get('image_id')}: SNR estimate {meta.get('snr_est_db', float('nan')):.1f} dB"
        self.shown += 1
        self.widget.show_image.emit(image, caption)
