"""The whole transmitter as one block: image PDUs in, burst-tagged complex samples out."""

from gnuradio import gr

from semjscc.gr.burst_stream import burst_stream
from semjscc.gr.framer import framer
from semjscc.gr.jscc_encoder import jscc_encoder
from semjscc.gr.modulator import modulator
from semjscc.link.profile import LinkProfile


class jscc_tx(gr.hier_block2):
    """encoder -> framer -> modulator -> burst_stream (tx_sob/tx_eob tags for the UHD sink)."""

    def __init__(self, model="adaptive_awgn_kn1-6", device="auto", snr_db=10.0, profile=LinkProfile(),
                 amplitude=0.3, max_batch=16, allocation="", samp_rate=1e6, tx_time_lead=0.0):
        gr.hier_block2.__init__(self, "semjscc_jscc_tx", gr.io_signature(0, 0, 0),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        self.message_port_register_hier_in("pdus")
        # Python blocks are kept as attributes: the flowgraph must hold a reference while it runs.
        self.encoder = jscc_encoder(model, device, snr_db, max_batch, allocation)
        self.framer = framer(profile)
        self.modulator = modulator(profile, amplitude, samp_rate, tx_time_lead)
        self.to_stream = burst_stream()
        self.msg_connect(self, "pdus", self.encoder, "pdus")
        self.msg_connect(self.encoder, "pdus", self.framer, "pdus")
        self.msg_connect(self.framer, "pdus", self.modulator, "pdus")
        self.msg_connect(self.modulator, "pdus", self.to_stream, "pdus")
        self.connect(self.to_stream, self)

    def set_snr(self, snr_db):
        self.encoder.set_snr(snr_db)

    def set_amplitude(self, amplitude):
        self.modulator.set_amplitude(amplitude)

    def idle(self, images_sent: int) -> bool:
        """True when the ``images_sent`` images handed to ``pdus`` have all become bursts (or been dropped):
        nothing waits in the encoder's queue or in a message queue between the stages."""
        return (self.encoder.received >= images_sent and self.encoder.idle()
                and self.framer.batches >= self.encoder.batches and self.modulator.frames >= self.framer.frames)

    def counters(self) -> dict:
        dropped = {name: block.dropped.as_dict() for name, block in
                   (("jscc_encoder", self.encoder), ("framer", self.framer), ("modulator", self.modulator))}
        return {"images_encoded": self.encoder.encoded, "frames_sent": self.framer.frames,
                "bursts": self.modulator.bursts, "samples_sent": self.modulator.samples,
                "dropped": {name: counts for name, counts in dropped.items() if counts}}
