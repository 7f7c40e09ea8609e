"""Framer block: symbol PDU of one image -> one frame PDU per chunk (preamble + header + payload with pilots)."""

import pmt
from gnuradio import gr

from semjscc.gr.phy_params import frame_config
from semjscc.gr.pdus import make_pdu, parse_pdu
from semjscc.phy.frame import frame_symbols, split_payload
from semjscc.phy.header import Header


class framer(gr.basic_block):
    """Splits an image's symbols into chunks of at most ``max_payload`` and frames each one."""

    def __init__(self, max_payload=4096, pilot_spacing=16, header_repetition=2):
        gr.basic_block.__init__(self, name="semjscc_framer", in_sig=None, out_sig=None)
        self.config = frame_config(max_payload=max_payload, pilot_spacing=pilot_spacing,
                                   header_repetition=header_repetition)
        self.frames = 0
        self.message_port_register_in(pmt.intern("symbols"))
        self.message_port_register_out(pmt.intern("frames"))
        self.set_msg_handler(pmt.intern("symbols"), self._handle)

    def _handle(self, msg):
        try:
            meta, symbols = parse_pdu(msg)
            chunks = split_payload(symbols, self.config.max_payload)
            headers = [Header(model_id=int(meta["model_id"]), image_id=int(meta["image_id"]) & 0xFFFF,
                              chunk_index=i, chunk_count=len(chunks), payload_length=len(chunk),
                              height=int(meta["height"]), width=int(meta["width"])) for i, chunk in enumerate(chunks)]
        except (ValueError, KeyError) as err:
            gr.log.warn(f"semjscc framer: dropped a malformed symbol PDU ({err})")
            return
        for header, chunk in zip(headers, chunks):
            frame_meta = dict(meta, chunk_index=header.chunk_index, chunk_count=header.chunk_count,
                              payload_length=header.payload_length)
            self.frames += 1
            self.message_port_pub(pmt.intern("frames"), make_pdu(frame_meta, frame_symbols(header, chunk, self.config)))
