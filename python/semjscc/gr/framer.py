"""Framer block: symbol PDU of one image or a batch -> frame PDUs (preamble + header + payload with pilots)."""

import pmt
from gnuradio import gr

from semjscc.gr.phy_params import frame_config
from semjscc.gr.pdus import make_pdu, parse_pdu
from semjscc.phy.frame import frame_symbols, plan_frames
from semjscc.phy.header import Header


class framer(gr.basic_block):
    """Puts the symbols of ``image_count`` equal-size images (metadata, default 1) into frames.

    Small images share a frame, as many whole images as ``max_payload`` takes;
    a larger image is split into chunks of at most ``max_payload`` symbols.
    """

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
            images = int(meta.get("image_count", 1))
            if images < 1 or len(symbols) % images:
                raise ValueError(f"{len(symbols)} symbols do not split into {images} equal images")
            slots = plan_frames(images, len(symbols) // images, self.config.max_payload)
            first_id = int(meta["image_id"])
            headers = [Header(model_id=int(meta["model_id"]), image_id=(first_id + slot.first_image) & 0xFFFF,
                              chunk_index=slot.chunk_index, chunk_count=slot.chunk_count,
                              payload_length=slot.stop - slot.start, height=int(meta["height"]),
                              width=int(meta["width"]), image_count=slot.image_count) for slot in slots]
        except (ValueError, KeyError) as err:
            gr.log.warn(f"semjscc framer: dropped a malformed symbol PDU ({err})")
            return
        for header, slot in zip(headers, slots):
            frame_meta = dict(meta, image_id=header.image_id, image_count=header.image_count,
                              chunk_index=header.chunk_index, chunk_count=header.chunk_count,
                              payload_length=header.payload_length)
            self.frames += 1
            payload = symbols[slot.start:slot.stop]
            self.message_port_pub(pmt.intern("frames"), make_pdu(frame_meta, frame_symbols(header, payload, self.config)))
