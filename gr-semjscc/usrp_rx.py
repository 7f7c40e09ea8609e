#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: USRP receiver
# Author: gr-semjscc
# Description: Deep-JSCC image receiver on a USRP: detection, sync, pilot equalisation, neural decoder, PNGs + metrics
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

def snipfcn_finish(self):
    semjscc.finish_after(self, self.count, self.duration)

def snipfcn_check_radio(self):
    semjscc.require_usrp(self.args)


def snippets_main_after_init(tb):
    snipfcn_configure_radio(tb)

def snippets_main_after_start(tb):
    snipfcn_finish(tb)

def snippets_init_before_blocks(tb):
    snipfcn_check_radio(tb)


class usrp_rx(gr.top_block):

    def __init__(self, lo_offset=0, bandwidth=0, clock_source='', time_source='', subdev='', args='', freq=2.45e9, gain=30, samp_rate=1e6, antenna='RX2', model='adaptive_awgn_kn1-6', out='out/usrp_rx', reference='', threshold=0.3, device='auto', zmq_pub='', task='', count=0, duration=0):
        gr.top_block.__init__(self, "gr-semjscc: USRP receiver", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.lo_offset = lo_offset
        self.bandwidth = bandwidth
        self.clock_source = clock_source
        self.time_source = time_source
        self.subdev = subdev
        self.args = args
        self.freq = freq
        self.gain = gain
        self.samp_rate = samp_rate
        self.antenna = antenna
        self.model = model
        self.out = out
        self.reference = reference
        self.threshold = threshold
        self.device = device
        self.zmq_pub = zmq_pub
        self.task = task
        self.count = count
        self.duration = duration

        ##################################################
        # Variables
        ##################################################
        self.profile = profile = semjscc.LinkProfile(mode='single-carrier', sps=4, rolloff=0.35, max_payload=4096, pilot_spacing=16, header_repetition=2, equalizer='', fft_size=64, cp_length=16, training_interval=16)

        ##################################################
        # Blocks
        ##################################################
        snippets_init_before_blocks(self)
        self.usrp = uhd.usrp_source(
            ",".join((args, '')),
            uhd.stream_args(
                cpu_format="fc32",
                args='',
                channels=list(range(0,1)),
            ),
        )
        self.usrp.set_samp_rate(samp_rate)
        # No synchronization enforced.

        self.usrp.set_center_freq(freq, 0)
        self.usrp.set_antenna(antenna, 0)
        self.usrp.set_gain(gain, 0)
        self.sink = semjscc.image_sink(out, reference, 'metrics.json', zmq_pub, True, '', True)
        self.rx = semjscc.jscc_rx(model, device, profile, threshold, 31, 8, 'oldest', task, 16)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.rx, 'stats'), (self.sink, 'stats'))
        self.msg_connect((self.rx, 'pdus'), (self.sink, 'pdus'))
        self.connect((self.usrp, 0), (self.rx, 0))


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

    def get_out(self):
        return self.out

    def set_out(self, out):
        self.out = out

    def get_reference(self):
        return self.reference

    def set_reference(self, reference):
        self.reference = reference

    def get_threshold(self):
        return self.threshold

    def set_threshold(self, threshold):
        self.threshold = threshold
        self.rx.set_threshold(self.threshold)

    def get_device(self):
        return self.device

    def set_device(self, device):
        self.device = device

    def get_zmq_pub(self):
        return self.zmq_pub

    def set_zmq_pub(self, zmq_pub):
        self.zmq_pub = zmq_pub

    def get_task(self):
        return self.task

    def set_task(self, task):
        self.task = task

    def get_count(self):
        return self.count

    def set_count(self, count):
        self.count = count

    def get_duration(self):
        return self.duration

    def set_duration(self, duration):
        self.duration = duration

    def get_profile(self):
        return self.profile

    def set_profile(self, profile):
        self.profile = profile



def argument_parser():
    description = 'Deep-JSCC image receiver on a USRP: detection, sync, pilot equalisation, neural decoder, PNGs + metrics'
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
        "-a", "--args", dest="args", type=str, default='',
        help="Set UHD device args [default=%(default)r]")
    parser.add_argument(
        "-f", "--freq", dest="freq", type=eng_float, default=eng_notation.num_to_str(float(2.45e9)),
        help="Set Centre frequency (Hz) [default=%(default)r]")
    parser.add_argument(
        "-g", "--gain", dest="gain", type=eng_float, default=eng_notation.num_to_str(float(30)),
        help="Set RX gain (dB) [default=%(default)r]")
    parser.add_argument(
        "-r", "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(1e6)),
        help="Set Sample rate (S/s) [default=%(default)r]")
    parser.add_argument(
        "--antenna", dest="antenna", type=str, default='RX2',
        help="Set Antenna [default=%(default)r]")
    parser.add_argument(
        "-m", "--model", dest="model", type=str, default='adaptive_awgn_kn1-6',
        help="Set Model [default=%(default)r]")
    parser.add_argument(
        "-o", "--out", dest="out", type=str, default='out/usrp_rx',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "--reference", dest="reference", type=str, default='',
        help="Set Reference images (spec) [default=%(default)r]")
    parser.add_argument(
        "--threshold", dest="threshold", type=eng_float, default=eng_notation.num_to_str(float(0.3)),
        help="Set Detection threshold [default=%(default)r]")
    parser.add_argument(
        "--device", dest="device", type=str, default='auto',
        help="Set Torch device [default=%(default)r]")
    parser.add_argument(
        "--zmq-pub", dest="zmq_pub", type=str, default='',
        help="Set ZeroMQ PUB address [default=%(default)r]")
    parser.add_argument(
        "--task", dest="task", type=str, default='',
        help="Set Task network [default=%(default)r]")
    parser.add_argument(
        "--count", dest="count", type=intx, default=0,
        help="Set Stop after this many images (0 = no limit) [default=%(default)r]")
    parser.add_argument(
        "--duration", dest="duration", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Stop after this many seconds (0 = no limit) [default=%(default)r]")
    return parser


def main(top_block_cls=usrp_rx, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(lo_offset=options.lo_offset, bandwidth=options.bandwidth, clock_source=options.clock_source, time_source=options.time_source, subdev=options.subdev, args=options.args, freq=options.freq, gain=options.gain, samp_rate=options.samp_rate, antenna=options.antenna, model=options.model, out=options.out, reference=options.reference, threshold=options.threshold, device=options.device, zmq_pub=options.zmq_pub, task=options.task, count=options.count, duration=options.duration)
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
