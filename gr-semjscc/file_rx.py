#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: receiver on a recorded file
# Author: gr-semjscc
# Description: Deep-JSCC receiver on a recording (complex64, e.g. from uhd_rx_cfile): decodes every frame in it, then ends
# GNU Radio version: 3.10.5.1

from gnuradio import blocks
import pmt
from gnuradio import gr
from gnuradio.filter import firdes
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import semjscc


def snipfcn_finish(self):
    semjscc.finish_when_replayed(self, self.file, self.count)


def snippets_main_after_start(tb):
    snipfcn_finish(tb)


class file_rx(gr.top_block):

    def __init__(self, file='capture.cfile', out='out/file_rx', reference='', count=0, model='adaptive_awgn_kn1-6', threshold=0.3, device='auto', task=''):
        gr.top_block.__init__(self, "gr-semjscc: receiver on a recorded file", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.file = file
        self.out = out
        self.reference = reference
        self.count = count
        self.model = model
        self.threshold = threshold
        self.device = device
        self.task = task

        ##################################################
        # Variables
        ##################################################
        self.profile = profile = semjscc.LinkProfile(mode='single-carrier', sps=4, rolloff=0.35, max_payload=4096, pilot_spacing=16, header_repetition=2, equalizer='', fft_size=64, cp_length=16, training_interval=16)

        ##################################################
        # Blocks
        ##################################################

        self.sink = semjscc.image_sink(out, reference, 'metrics.json', '', True, '', True)
        self.rx = semjscc.jscc_rx(model, device, profile, threshold, 31, 8, 'oldest', task, 16)
        self.recording = blocks.file_source(gr.sizeof_gr_complex*1, file, False, 0, 0)
        self.recording.set_begin_tag(pmt.PMT_NIL)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.rx, 'stats'), (self.sink, 'stats'))
        self.msg_connect((self.rx, 'pdus'), (self.sink, 'pdus'))
        self.connect((self.recording, 0), (self.rx, 0))


    def get_file(self):
        return self.file

    def set_file(self, file):
        self.file = file
        self.recording.open(self.file, False)

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

    def get_model(self):
        return self.model

    def set_model(self, model):
        self.model = model

    def get_threshold(self):
        return self.threshold

    def set_threshold(self, threshold):
        self.threshold = threshold
        self.rx.set_threshold(self.threshold)

    def get_device(self):
        return self.device

    def set_device(self, device):
        self.device = device

    def get_task(self):
        return self.task

    def set_task(self, task):
        self.task = task

    def get_profile(self):
        return self.profile

    def set_profile(self, profile):
        self.profile = profile



def argument_parser():
    description = 'Deep-JSCC receiver on a recording (complex64, e.g. from uhd_rx_cfile): decodes every frame in it, then ends'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "-i", "--file", dest="file", type=str, default='capture.cfile',
        help="Set Recording (complex64 samples) [default=%(default)r]")
    parser.add_argument(
        "-o", "--out", dest="out", type=str, default='out/file_rx',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "--reference", dest="reference", type=str, default='',
        help="Set Reference images (spec) [default=%(default)r]")
    parser.add_argument(
        "--count", dest="count", type=intx, default=0,
        help="Set Images expected (exit 1 if fewer; 0 = any) [default=%(default)r]")
    parser.add_argument(
        "-m", "--model", dest="model", type=str, default='adaptive_awgn_kn1-6',
        help="Set Model [default=%(default)r]")
    parser.add_argument(
        "--threshold", dest="threshold", type=eng_float, default=eng_notation.num_to_str(float(0.3)),
        help="Set Detection threshold [default=%(default)r]")
    parser.add_argument(
        "--device", dest="device", type=str, default='auto',
        help="Set Torch device [default=%(default)r]")
    parser.add_argument(
        "--task", dest="task", type=str, default='',
        help="Set Task network [default=%(default)r]")
    return parser


def main(top_block_cls=file_rx, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(file=options.file, out=options.out, reference=options.reference, count=options.count, model=options.model, threshold=options.threshold, device=options.device, task=options.task)

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
