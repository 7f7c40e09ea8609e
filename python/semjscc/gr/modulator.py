"""Modulator block: frame PDU (symbols) -> burst PDU (RRC-shaped samples, zero guards, scaled)."""

import numpy as np
import pmt
from gnuradio import gr

from semjscc.gr.pdus import make_pdu, parse_pdu
from semjscc.gr.phy_params import frame_config
from semjscc.phy.frame import burst


class modulator(gr.basic_block):
    """RRC pulse shaping at ``sps`` samples per symbol.

    ``amplitude`` is the RMS of the burst's samples (excluding guards): keep
    peaks below the radio's full scale (the RRC peak-to-RMS is about 2.5).
    Feed the output to ``pdu.pdu_to_stream_c``, which adds tx_sob/tx_eob.
    """

    def __init__(self, sps=4, rolloff=0.35, amplitude=0.3):
        gr.basic_block.__init__(self, name="semjscc_modulator", in_sig=None, out_sig=None)
        self.config = frame_config(sps=sps, rolloff=rolloff)
        self.amplitude = float(amplitude)
        self.bursts = 0
        self.samples = 0
        self.message_port_register_in(pmt.intern("frames"))
        self.message_port_register_out(pmt.intern("bursts"))
        self.set_msg_handler(pmt.intern("frames"), self._handle)

    def set_amplitude(self, amplitude):
        self.amplitude = float(amplitude)

    def _handle(self, msg):
        try:
            meta, symbols = parse_pdu(msg)
        except ValueError as err:
            gr.log.warn(f"semjscc modulator: dropped a malformed frame PDU ({err})")
            return
        samples = burst(symbols.astype(np.complex64), self.config)
        # Unit-energy taps: a unit-power symbol stream has sample power 1/sps.
        samples *= self.amplitude * np.sqrt(self.config.sps)
        self.bursts += 1
        self.samples += len(samples)
        self.message_port_pub(pmt.intern("bursts"), make_pdu(meta, samples.astype(np.complex64)))
