"""Frame synchroniser block: matched-filtered stream in -> frame PDUs out.

Detection, timing, CFO, the fractionally spaced equaliser and the header
decode all happen in :class:`semjscc.phy.sync.FrameSynchronizer`; this block
feeds it the stream and publishes what it finds.  A header that fails its CRC
drops the frame and counts it; nothing here can stop the flowgraph.
"""

import numpy as np
import pmt
from gnuradio import gr

from semjscc.gr.pdus import make_dict, make_pdu
from semjscc.gr.phy_params import frame_config
from semjscc.phy.sync import FrameSynchronizer


class frame_sync(gr.sync_block):
    def __init__(self, sps=4, rolloff=0.35, max_payload=4096, pilot_spacing=16, header_repetition=2,
                 threshold=0.3):
        gr.sync_block.__init__(self, name="semjscc_frame_sync", in_sig=[np.complex64], out_sig=None)
        self.config = frame_config(sps, rolloff, max_payload, pilot_spacing, header_repetition)
        self.sync = FrameSynchronizer(self.config, detect_threshold=float(threshold))
        self.samples = 0
        self.message_port_register_out(pmt.intern("frames"))
        self.message_port_register_out(pmt.intern("stats"))

    def set_threshold(self, threshold):
        self.sync.detect_threshold = float(threshold)

    def counters(self) -> dict:
        stats = self.sync.stats
        return {"frames_detected": stats.detected, "frames_synced": stats.decoded,
                "dropped": dict(stats.dropped), "samples": self.samples}

    def work(self, input_items, output_items):
        samples = input_items[0]
        before = (self.sync.stats.detected, sum(self.sync.stats.dropped.values()))
        frames = self.sync.push(samples)
        self.samples += len(samples)
        for frame in frames:
            h = frame.header
            meta = {"model_id": h.model_id, "image_id": h.image_id, "image_count": h.image_count,
                    "chunk_index": h.chunk_index, "chunk_count": h.chunk_count, "payload_length": h.payload_length,
                    "height": h.height, "width": h.width, "start": int(frame.start), "cfo": frame.cfo,
                    "preamble_corr": frame.preamble_corr, "training_snr_db": frame.training_snr_db,
                    "training_count": frame.training_count}
            self.message_port_pub(pmt.intern("frames"), make_pdu(meta, frame.payload))
        if frames or before != (self.sync.stats.detected, sum(self.sync.stats.dropped.values())):
            self.message_port_pub(pmt.intern("stats"), make_dict({"frame_sync": self.counters()}))
        return len(samples)
