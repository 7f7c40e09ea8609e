"""The whole receiver as one block: complex samples in, decoded image PDUs (and counters) out."""

import numpy as np
from gnuradio import filter, gr

from semjscc.gr.equalizer import equalizer
from semjscc.gr.frame_sync import frame_sync
from semjscc.gr.jscc_decoder import jscc_decoder
from semjscc.link.profile import LinkProfile


class jscc_rx(gr.hier_block2):
    """RRC matched filter (stock FIR; single-carrier mode only) -> frame_sync -> equalizer -> jscc_decoder.

    Message outputs: ``pdus`` (decoded image PDUs), ``stats`` (counters of
    the synchroniser and the decoder, for the image sink), ``symbols`` (the
    equalised JSCC symbols, e.g. for a constellation display) and ``bands``
    (the rows of a tiled photograph decoded before its last frame came).
    """

    def __init__(self, model="adaptive_awgn_kn1-6", device="auto", profile=LinkProfile(), threshold=0.3,
                 smoothing=31, queue_size=32, drop_policy="oldest", task_model="", max_batch=16):
        gr.hier_block2.__init__(self, "semjscc_jscc_rx", gr.io_signature(1, 1, gr.sizeof_gr_complex),
                                gr.io_signature(0, 0, 0))
        self.message_port_register_hier_out("pdus")
        self.message_port_register_hier_out("stats")
        self.message_port_register_hier_out("symbols")
        self.message_port_register_hier_out("bands")
        self.sync = frame_sync(profile, threshold)
        taps = profile.air.receive_taps
        if taps is None:
            self.connect(self, self.sync)
        else:
            self.matched = filter.fir_filter_ccf(1, np.asarray(taps[::-1], dtype=float).tolist())
            # large chunks for the synchroniser: fewer Python work() calls per second
            self.matched.set_min_output_buffer(1 << 16)
            self.connect(self, self.matched, self.sync)
        self.equalizer = equalizer(profile, smoothing)
        self.decoder = jscc_decoder(model, device, queue_size, drop_policy, task_model=task_model,
                                    max_batch=max_batch, profile=profile)
        self.msg_connect(self.sync, "pdus", self.equalizer, "pdus")
        self.msg_connect(self.equalizer, "pdus", self.decoder, "pdus")
        self.msg_connect(self.decoder, "pdus", self, "pdus")
        self.msg_connect(self.decoder, "bands", self, "bands")
        self.msg_connect(self.equalizer, "pdus", self, "symbols")
        self.msg_connect(self.sync, "stats", self, "stats")
        self.msg_connect(self.decoder, "stats", self, "stats")

    def set_threshold(self, threshold):
        self.sync.set_threshold(threshold)

    def counters(self) -> dict:
        return {**self.sync.counters(), "decoder": self.decoder.counters(),
                "equalizer_dropped": self.equalizer.dropped.as_dict()}
