"""Framer block: a symbol batch PDU -> frame PDUs (preamble + header + payload with pilots)."""

import pmt
from gnuradio import gr

from semjscc.gr.accounting import DropCounter
from semjscc.gr.pdus import make_pdu, parse_pdu
from semjscc.link.meta import SymbolBatch
from semjscc.link.profile import LinkProfile
from semjscc.link.transmitter import StreamFramer


class framer(gr.basic_block):
    """Packs the symbols of a batch of equal-size images into frames (see :func:`semjscc.link.transmitter.frames`).

    Small images share a frame, as many whole images as the profile's
    ``max_payload`` takes; a larger image is split into chunks.  A photograph
    sent in pieces (tile by tile) is framed as its pieces come
    (:class:`semjscc.link.transmitter.StreamFramer`).
    """

    def __init__(self, profile=LinkProfile()):
        gr.basic_block.__init__(self, name="semjscc_framer", in_sig=None, out_sig=None)
        self.profile = profile
        self.stream = StreamFramer(profile)
        self.batches = 0  # symbol PDUs handled, good or bad
        self.frames = 0
        self.dropped = DropCounter(self.logger)
        self.message_port_register_in(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("pdus"))
        self.set_msg_handler(pmt.intern("pdus"), self._handle)

    def _handle(self, msg):
        try:
            self._publish(msg)
        finally:  # counted once all it makes is out: a completion check never sees a half-handled PDU
            self.batches += 1

    def _publish(self, msg):
        try:
            meta, symbols = parse_pdu(msg)
            incomplete = self.stream.incomplete
            framed = self.stream.add(SymbolBatch.from_pdu(meta), symbols)
        except (ValueError, KeyError, TypeError) as err:
            self.dropped.drop("malformed_pdu", err)
            return
        if self.stream.incomplete > incomplete:
            self.dropped.drop("incomplete_image", "a photograph's pieces stopped before its last frame")
        for frame_meta, frame in framed:
            self.frames += 1
            self.message_port_pub(pmt.intern("pdus"), make_pdu(frame_meta.to_pdu(), frame))
