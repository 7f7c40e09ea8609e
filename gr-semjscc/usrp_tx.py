#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: USRP transmitter
# Author: gr-semjscc
# Description: Deep-JSCC image transmitter on a USRP: images -> neural encoder -> frames -> RRC bursts (tx_sob/tx_eob)
# GNU Radio version: 3.10.5.1

from gnuradio import gr
from gnuradio.filter import firdes
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import semjscc
from gnuradio import uhd
import time


def snipfcn_configure_radio(self):
    semjscc.configure_usrp(self.usrp, self.freq, self.gain, self.antenna, self.lo_offset, self.bandwidth, self.clock_source, self.time_source, self.subdev)

def snipfcn_check_radio(self):
    semjscc.require_usrp(self.args)

def snipfcn_finish(self):
    semjscc.finish_when_sent(self, self.usrp)


def snippets_main_after_init(tb):
    snipfcn_configure_radio(tb)

def snippets_main_after_start(tb):
    snipfcn_finish(tb)

def snippets_init_before_blocks(tb):
    snipfcn_check_radio(tb)


class usrp_tx(gr.top_block):

    def __init__(self, lo_offset=0, bandwidth=0, clock_source='', time_source='', subdev='', tx_time_lead=0, args='', freq=2.45e9, gain=40, samp_rate=1e6, antenna='TX/RX', model='adaptive_awgn_kn1-6', allocation='', data='sample:cifar10:test:16', rate=2, repeat=1, snr=10, amplitude=0.3, device='auto'):
        gr.top_block.__init__(self, "gr-semjscc: USRP transmitter", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.lo_offset = lo_offset
        self.bandwidth = bandwidth
        self.clock_source = clock_source
        self.time_source = time_source
        self.subdev = subdev
        self.tx_time_lead = tx_time_lead
        self.args = args
        self.freq = freq
        self.gain = gain
        self.samp_rate = samp_rate
        self.antenna = antenna
        self.model = model
        self.allocation = allocation
        self.data = data
        self.rate = rate
        self.repeat = repeat
        self.snr = snr
        self.amplitude = amplitude
        self.device = device

        ##################################################
        # Variables
        ##################################################
        self.profile = profile = semjscc.LinkProfile(mode='single-carrier', sps=4, rolloff=0.35, max_payload=4096, pilot_spacing=16, header_repetition=2, equalizer='', fft_size=64, cp_length=16, training_interval=16)

        ##################################################
        # Blocks
        ##################################################
        snippets_init_before_blocks(self)
        self.usrp = uhd.usrp_sink(
            ",".join((args, '')),
            uhd.stream_args(
                cpu_format="fc32",
                args='',
                channels=list(range(0,1)),
            ),
            '',
        )
        self.usrp.set_samp_rate(samp_rate)
        # No synchronization enforced.

        self.usrp.set_center_freq(freq, 0)
        self.usrp.set_antenna(antenna, 0)
        self.usrp.set_gain(gain, 0)
        self.tx = semjscc.jscc_tx(model, device, snr, profile, amplitude, 16, allocation=allocation, samp_rate=samp_rate, tx_time_lead=tx_time_lead)
        self.source = semjscc.image_source(data, rate, bool(repeat), 1.0, '')


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.source, 'pdus'), (self.tx, 'pdus'))
        self.connect((self.tx, 0), (self.usrp, 0))


    def get_lo_offset(self):
        return self.lo_offset

    def set_lo_offset(self, lo_offset):
        self.lo_offset = lo_offset

    def get_bandwidth(self):
        return self.bandwidth

    def set_bandwidth(self, bandwidth):
        self.bandwidth = bandwidth

    def get_clock_source(self):
        return self.clock_source

    def set_clock_source(self, clock_source):
        self.clock_source = clock_source

    def get_time_source(self):
        return self.time_source

    def set_time_source(self, time_source):
        self.time_source = time_source

    def get_subdev(self):
        return self.subdev

    def set_subdev(self, subdev):
        self.subdev = subdev

    def get_tx_time_lead(self):
        return self.tx_time_lead

    def set_tx_time_lead(self, tx_time_lead):
        self.tx_time_lead = tx_time_lead

    def get_args(self):
        return self.args

    def set_args(self, args):
        self.args = args

    def get_freq(self):
        return self.freq

    def set_freq(self, freq):
        self.freq = freq
        self.usrp.set_center_freq(self.freq, 0)

    def get_gain(self):
        return self.gain

    def set_gain(self, gain):
        self.gain = gain
        self.usrp.set_gain(self.gain, 0)

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.usrp.set_samp_rate(self.samp_rate)

    def get_antenna(self):
        return self.antenna

    def set_antenna(self, antenna):
        self.antenna = antenna
        self.usrp.set_antenna(self.antenna, 0)

    def get_model(self):
        return self.model

    def set_model(self, model):
        self.model = model

    def get_allocation(self):
        return self.allocation

    def set_allocation(self, allocation):
        self.allocation = allocation

    def get_data(self):
        return self.data

    def set_data(self, data):
        self.data = data

    def get_rate(self):
        return self.rate

    def set_rate(self, rate):
        self.rate = rate
        self.source.set_rate(self.rate)

    def get_repeat(self):
        return self.repeat

    def set_repeat(self, repeat):
        self.repeat = repeat

    def get_snr(self):
        return self.snr

    def set_snr(self, snr):
        self.snr = snr
        self.tx.set_snr(self.snr)

    def get_amplitude(self):
        return self.amplitude

    def set_amplitude(self, amplitude):
        self.amplitude = amplitude
        self.tx.set_amplitude(self.amplitude)

    def get_device(self):
        return self.device

    def set_device(self, device):
        self.device = device

    def get_profile(self):
        return self.profile

    def set_profile(self, profile):
        self.profile = profile



def argument_parser():
    description = 'Deep-JSCC image transmitter on a USRP: images -> neural encoder -> frames -> RRC bursts (tx_sob/tx_eob)'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--lo-offset", dest="lo_offset", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set LO offset (Hz; 0 = tune to the centre) [default=%(default)r]")
    parser.add_argument(
        "--bandwidth", dest="bandwidth", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Analog bandwidth (Hz; 0 = device default) [default=%(default)r]")
    parser.add_argument(
        "--clock-source", dest="clock_source", type=str, default='',
        help="Set Clock source (internal/external/gpsdo) [default=%(default)r]")
    parser.add_argument(
        "--time-source", dest="time_source", type=str, default='',
        help="Set Time source (internal/external/gpsdo) [default=%(default)r]")
    parser.add_argument(
        "--subdev", dest="subdev", type=str, default='',
        help="Set Subdevice spec (e.g. A:A) [default=%(default)r]")
    parser.add_argument(
        "--tx-time-lead", dest="tx_time_lead", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Timed bursts lead (s; 0 = untimed) [default=%(default)r]")
    parser.add_argument(
        "-a", "--args", dest="args", type=str, default='',
        help="Set UHD device args [default=%(default)r]")
    parser.add_argument(
        "-f", "--freq", dest="freq", type=eng_float, default=eng_notation.num_to_str(float(2.45e9)),
        help="Set Centre frequency (Hz) [default=%(default)r]")
    parser.add_argument(
        "-g", "--gain", dest="gain", type=eng_float, default=eng_notation.num_to_str(float(40)),
        help="Set TX gain (dB) [default=%(default)r]")
    parser.add_argument(
        "-r", "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(1e6)),
        help="Set Sample rate (S/s) [default=%(default)r]")
    parser.add_argument(
        "--antenna", dest="antenna", type=str, default='TX/RX',
        help="Set Antenna [default=%(default)r]")
    parser.add_argument(
        "-m", "--model", dest="model", type=str, default='adaptive_awgn_kn1-6',
        help="Set Model [default=%(default)r]")
    parser.add_argument(
        "--allocation", dest="allocation", type=str, default='',
        help="Set Rate allocation (k/n; rate-adaptive models) [default=%(default)r]")
    parser.add_argument(
        "-d", "--data", dest="data", type=str, default='sample:cifar10:test:16',
        help="Set Images [default=%(default)r]")
    parser.add_argument(
        "--rate", dest="rate", type=eng_float, default=eng_notation.num_to_str(float(2)),
        help="Set Images per second [default=%(default)r]")
    parser.add_argument(
        "--repeat", dest="repeat", type=intx, default=1,
        help="Set Repeat (1/0) [default=%(default)r]")
    parser.add_argument(
        "-s", "--snr", dest="snr", type=eng_float, default=eng_notation.num_to_str(float(10)),
        help="Set Design SNR (dB) [default=%(default)r]")
    parser.add_argument(
        "--amplitude", dest="amplitude", type=eng_float, default=eng_notation.num_to_str(float(0.3)),
        help="Set RMS amplitude [default=%(default)r]")
    parser.add_argument(
        "--device", dest="device", type=str, default='auto',
        help="Set Torch device [default=%(default)r]")
    return parser


def main(top_block_cls=usrp_tx, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(lo_offset=options.lo_offset, bandwidth=options.bandwidth, clock_source=options.clock_source, time_source=options.time_source, subdev=options.subdev, tx_time_lead=options.tx_time_lead, args=options.args, freq=options.freq, gain=options.gain, samp_rate=options.samp_rate, antenna=options.antenna, model=options.model, allocation=options.allocation, data=options.data, rate=options.rate, repeat=options.repeat, snr=options.snr, amplitude=options.amplitude, device=options.device)
    snippets_main_after_init(tb)
    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        sys.exit(0)

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    tb.start()
    snippets_main_after_start(tb)
    tb.wait()


if __name__ == '__main__':
    main()
