"""Equaliser block: synced frame PDU (payload with pilots) -> equalised JSCC symbols + SNR estimate."""

import pmt
from gnuradio import gr

from semjscc.gr.accounting import DropCounter
from semjscc.gr.pdus import make_pdu, parse_pdu
from semjscc.link.meta import FrameMeta
from semjscc.link.profile import LinkProfile
from semjscc.link.receiver import equalize_frame


class equalizer(gr.basic_block):
    """The profile's payload equaliser; adds ``snr_est_db`` and ``channel_gain`` to the metadata.

    ``smoothing``: pilots averaged per channel estimate (more = less noise,
    fewer = faster tracking of phase noise on real radios).
    """

    def __init__(self, profile=LinkProfile(), smoothing=31):
        gr.basic_block.__init__(self, name="semjscc_equalizer", in_sig=None, out_sig=None)
        self.profile = profile
        self.smoothing = int(smoothing)
        self.equalized = 0
        self.dropped = DropCounter(self.logger)
        self.message_port_register_in(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("pdus"))
        self.set_msg_handler(pmt.intern("pdus"), self._handle)

    def set_smoothing(self, smoothing):
        self.smoothing = int(smoothing)

    def _handle(self, msg):
        try:
            meta, payload = parse_pdu(msg)
            frame, data = equalize_frame(FrameMeta.from_pdu(meta), payload, self.profile, self.smoothing)
        except (ValueError, KeyError, TypeError) as err:
            self.dropped.drop("malformed_pdu", err)
            return
        self.equalized += 1
        self.message_port_pub(pmt.intern("pdus"), make_pdu(frame.to_pdu(), data))
