"""Neural JSCC encoder block: image PDU -> complex channel symbol PDU (unit average power)."""

import numpy as np
import pmt
import torch
from gnuradio import gr

from semjscc.codec.bandwidth import DOWNSAMPLE
from semjscc.gr.model_loader import load_codec
from semjscc.gr.pdus import make_pdu, parse_pdu


def pad_to_multiple(image: np.ndarray, multiple: int = DOWNSAMPLE) -> np.ndarray:
    """Edge-pad H and W up to a multiple of the codec's downsampling."""
    pad_h, pad_w = (-image.shape[0]) % multiple, (-image.shape[1]) % multiple
    if pad_h or pad_w:
        image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return image


class jscc_encoder(gr.basic_block):
    """Encodes each image PDU on ``images`` and publishes the symbols on ``symbols``.

    ``snr_db`` is the SNR the encoder is told (SNR-adaptive models shape the
    code for it; change it at run time with ``set_snr``).  Metadata gains
    ``model_id`` and ``n_symbols``.
    """

    def __init__(self, model="adaptive_awgn_kn1-6", device="auto", snr_db=10.0):
        gr.basic_block.__init__(self, name="semjscc_jscc_encoder", in_sig=None, out_sig=None)
        self.codec, self.device, self.model_id, _ = load_codec(model, device)
        self.snr_db = float(snr_db)
        self.encoded = 0
        self.rejected = 0
        self.message_port_register_in(pmt.intern("images"))
        self.message_port_register_out(pmt.intern("symbols"))
        self.set_msg_handler(pmt.intern("images"), self._handle)

    def set_snr(self, snr_db):
        self.snr_db = float(snr_db)

    def _handle(self, msg):
        try:
            meta, pixels = parse_pdu(msg)
            height, width = int(meta["height"]), int(meta["width"])
            image = pad_to_multiple(pixels.astype(np.uint8).reshape(height, width, 3))
        except (ValueError, KeyError) as err:
            self.rejected += 1
            gr.log.warn(f"semjscc jscc_encoder: dropped a malformed image PDU ({err})")
            return
        tensor = torch.from_numpy(image).permute(2, 0, 1)[None].float().div(255.0).to(self.device)
        with torch.no_grad():
            symbols = self.codec.encode(tensor, self.snr_db)[0].cpu().numpy().astype(np.complex64)
        meta.update(model_id=self.model_id, n_symbols=len(symbols), tx_snr_db=self.snr_db)
        self.encoded += 1
        self.message_port_pub(pmt.intern("symbols"), make_pdu(meta, symbols))
