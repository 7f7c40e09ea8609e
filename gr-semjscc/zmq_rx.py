#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: receiver over ZeroMQ
# Author: gr-semjscc
# Description: Deep-JSCC receiver fed by ZeroMQ samples from zmq_tx on this or another host: detection, sync, equalisation, neural decoder, PNGs + metrics
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
from gnuradio import zeromq


def snipfcn_finish(self):
    semjscc.finish_after(self, self.count, self.duration)


def snippets_main_after_start(tb):
    snipfcn_finish(tb)


class zmq_rx(gr.top_block):

    def __init__(self, address='tcp://127.0.0.1:5555', model='adaptive_awgn_kn1-6', out='out/zmq_rx', reference='', count=0, duration=0, device='auto', task='', data_root=''):
        gr.top_block.__init__(self, "gr-semjscc: receiver over ZeroMQ", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.address = address
        self.model = model
        self.out = out
        self.reference = reference
        self.count = count
        self.duration = duration
        self.device = device
        self.task = task
        self.data_root = data_root

        ##################################################
        # Variables
        ##################################################
        self.profile = profile = semjscc.LinkProfile(mode='single-carrier', sps=4, rolloff=0.35, max_payload=4096, pilot_spacing=16, header_repetition=2, equalizer='', fft_size=64, cp_length=16, training_interval=16)

        ##################################################
        # Blocks
        ##################################################

        self.zmq = zeromq.pull_source(gr.sizeof_gr_complex, 1, address, 100, False, (-1))
        self.sink = semjscc.image_sink(out, reference, 'metrics.json', '', True, data_root, True)
        self.rx = semjscc.jscc_rx(model, device, profile, 0.3, 31, 1024, 'oldest', task, 16)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.rx, 'stats'), (self.sink, 'stats'))
        self.msg_connect((self.rx, 'pdus'), (self.sink, 'pdus'))
        self.connect((self.zmq, 0), (self.rx, 0))


    def get_address(self):
        return self.address

    def set_address(self, address):
        self.address = address

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

    def get_count(self):
        return self.count

    def set_count(self, count):
        self.count = count

    def get_duration(self):
        return self.duration

    def set_duration(self, duration):
        self.duration = duration

    def get_device(self):
        return self.device

    def set_device(self, device):
        self.device = device

    def get_task(self):
        return self.task

    def set_task(self, task):
        self.task = task

    def get_data_root(self):
        return self.data_root

    def set_data_root(self, data_root):
        self.data_root = data_root

    def get_profile(self):
        return self.profile

    def set_profile(self, profile):
        self.profile = profile



def argument_parser():
    description = 'Deep-JSCC receiver fed by ZeroMQ samples from zmq_tx on this or another host: detection, sync, equalisation, neural decoder, PNGs + metrics'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--address", dest="address", type=str, default='tcp://127.0.0.1:5555',
        help="Set ZeroMQ PULL address (connects) [default=%(default)r]")
    parser.add_argument(
        "-m", "--model", dest="model", type=str, default='adaptive_awgn_kn1-6',
        help="Set Model [default=%(default)r]")
    parser.add_argument(
        "-o", "--out", dest="out", type=str, default='out/zmq_rx',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "--reference", dest="reference", type=str, default='',
        help="Set Reference images (spec) [default=%(default)r]")
    parser.add_argument(
        "--count", dest="count", type=intx, default=0,
        help="Set Stop after this many images (0 = no limit) [default=%(default)r]")
    parser.add_argument(
        "--duration", dest="duration", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Stop after this many seconds (0 = no limit) [default=%(default)r]")
    parser.add_argument(
        "--device", dest="device", type=str, default='auto',
        help="Set Torch device [default=%(default)r]")
    parser.add_argument(
        "--task", dest="task", type=str, default='',
        help="Set Task network [default=%(default)r]")
    parser.add_argument(
        "--data-root", dest="data_root", type=str, default='',
        help="Set Data folder [default=%(default)r]")
    return parser


def main(top_block_cls=zmq_rx, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(address=options.address, model=options.model, out=options.out, reference=options.reference, count=options.count, duration=options.duration, device=options.device, task=options.task, data_root=options.data_root)

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
