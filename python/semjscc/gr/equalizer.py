"""Equaliser block: frame PDU (payload with pilots) -> equalised JSCC symbols + SNR estimate."""

import pmt
from gnuradio import gr

from semjscc.gr.pdus import make_pdu, parse_pdu
from semjscc.phy.equalize import equalize


class equalizer(gr.basic_block):
    """Pilot-based channel tracking and single-tap equalisation; adds ``snr_est_db`` to the metadata.

    ``smoothing``: pilots averaged per channel estimate (more = less noise,
    fewer = faster tracking of phase noise on real radios).
    """

    def __init__(self, pilot_spacing=16, smoothing=31):
        gr.basic_block.__init__(self, name="semjscc_equalizer", in_sig=None, out_sig=None)
        self.pilot_spacing = int(pilot_spacing)
        self.smoothing = int(smoothing)
        self.equalized = 0
        self.message_port_register_in(pmt.intern("frames"))
        self.message_port_register_out(pmt.intern("symbols"))
        self.set_msg_handler(pmt.intern("frames"), self._handle)

    def set_smoothing(self, smoothing):
        self.smoothing = int(smoothing)

    def _handle(self, msg):
        try:
            meta, payload = parse_pdu(msg)
            result = equalize(payload, int(meta["payload_length"]), self.pilot_spacing, self.smoothing,
                              meta.get("training_snr_db"), int(meta.get("training_count", 0)))
        except (ValueError, KeyError) as err:
            gr.log.warn(f"semjscc equalizer: dropped a malformed frame PDU ({err})")
            return
        meta.update(snr_est_db=result.snr_db, channel_gain=result.gain)
        self.equalized += 1
        self.message_port_pub(pmt.intern("symbols"), make_pdu(meta, result.data))
