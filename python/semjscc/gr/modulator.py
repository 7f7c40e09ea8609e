"""Modulator block: frame PDU (symbols) -> burst PDU (RRC-shaped samples, zero guards, scaled)."""

import pmt
from gnuradio import gr

from semjscc.gr.accounting import DropCounter
from semjscc.gr.pdus import make_pdu, parse_pdu, with_tx_time
from semjscc.link.profile import LinkProfile
from semjscc.link.timing import BurstScheduler
from semjscc.link.transmitter import modulate


class modulator(gr.basic_block):
    """RRC pulse shaping at the profile's samples per symbol.

    ``amplitude`` is the RMS of the burst's samples (excluding guards): keep
    peaks below the radio's full scale (the RRC peak-to-RMS is about 2.5).
    Feed the output to ``burst_stream`` (or ``pdu.pdu_to_stream_c``), which adds tx_sob/tx_eob.
    ``tx_time_lead`` > 0 times the bursts: each gets a ``tx_time`` that many seconds after it is made (on the
    host's clock, which the USRP flowgraphs copy into the radio), never overlapping the previous one at
    ``samp_rate``; 0 sends them as soon as they arrive.
    """

    def __init__(self, profile=LinkProfile(), amplitude=0.3, samp_rate=1e6, tx_time_lead=0.0):
        gr.basic_block.__init__(self, name="semjscc_modulator", in_sig=None, out_sig=None)
        self.profile = profile
        self.amplitude = float(amplitude)
        self.frames = 0  # frame PDUs handled, good or bad
        self.bursts = 0
        self.samples = 0
        self.dropped = DropCounter(self.logger)
        self.scheduler = BurstScheduler(samp_rate, tx_time_lead) if tx_time_lead > 0 else None
        self.message_port_register_in(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("pdus"))
        self.set_msg_handler(pmt.intern("pdus"), self._handle)

    def set_amplitude(self, amplitude):
        self.amplitude = float(amplitude)

    def _handle(self, msg):
        try:
            self._publish(msg)
        finally:  # counted once all it makes is out: a completion check never sees a half-handled PDU
            self.frames += 1

    def _publish(self, msg):
        try:
            meta, symbols = parse_pdu(msg)
            samples = modulate(symbols, self.profile, self.amplitude)
        except (ValueError, TypeError) as err:
            self.dropped.drop("malformed_pdu", err)
            return
        self.bursts += 1
        self.samples += len(samples)
        burst = make_pdu(meta, samples)
        if self.scheduler is not None:
            burst = with_tx_time(burst, self.scheduler.schedule(len(samples)))
        self.message_port_pub(pmt.intern("pdus"), burst)
