#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: USRP transmitter and receiver on one radio
# Author: gr-semjscc
# Description: Full duplex on one USRP in one process: images out through TX/RX, received on RX2, decoded and scored
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


def snipfcn_check_radio(self):
    semjscc.require_usrp(self.args)

def snipfcn_configure_radio(self):
    semjscc.configure_usrp(self.usrp_tx, self.freq, self.tx_gain, self.tx_antenna, self.lo_offset, self.bandwidth, self.clock_source, self.time_source, self.subdev); semjscc.configure_usrp(self.usrp_rx, self.freq, self.rx_gain, self.rx_antenna, self.lo_offset, self.bandwidth, self.clock_source, self.time_source, self.subdev)

def snipfcn_finish(self):
    semjscc.finish_after(self, self.count, self.duration)


def snippets_main_after_init(tb):
    snipfcn_configure_radio(tb)

def snippets_main_after_start(tb):
    snipfcn_finish(tb)

def snippets_init_before_blocks(tb):
    snipfcn_check_radio(tb)


class usrp_trx(gr.top_block):

    def __init__(self, args='', freq=2.45e9, tx_gain=40, rx_gain=30, samp_rate=1e6, tx_antenna='TX/RX', rx_antenna='RX2', data='sample:cifar10:test:16', rate=2, snr=10, amplitude=0.3, out='out/usrp_trx', count=0, duration=0, tx_time_lead=0, model='adaptive_awgn_kn1-6', threshold=0.3, device='auto', task='', lo_offset=0, bandwidth=0, clock_source='', time_source='', subdev=''):
        gr.top_block.__init__(self, "gr-semjscc: USRP transmitter and receiver on one radio", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.args = args
        self.freq = freq
        self.tx_gain = tx_gain
        self.rx_gain = rx_gain
        self.samp_rate = samp_rate
        self.tx_antenna = tx_antenna
        self.rx_antenna = rx_antenna
        self.data = data
        self.rate = rate
        self.snr = snr
        self.amplitude = amplitude
        self.out = out
        self.count = count
        self.duration = duration
        self.tx_time_lead = tx_time_lead
        self.model = model
        self.threshold = threshold
        self.device = device
        self.task = task
        self.lo_offset = lo_offset
        self.bandwidth = bandwidth
        self.clock_source = clock_source
        self.time_source = time_source
        self.subdev = subdev

        ##################################################
        # Variables
        ##################################################
        self.profile = profile = semjscc.LinkProfile(mode='single-carrier', sps=4, rolloff=0.35, max_payload=4096, pilot_spacing=16, header_repetition=2, equalizer='', fft_size=64, cp_length=16, training_interval=16)

        ##################################################
        # Blocks
        ##################################################
        snippets_init_before_blocks(self)
        self.usrp_tx = uhd.usrp_sink(
            ",".join((args, '')),
            uhd.stream_args(
                cpu_format="fc32",
                args='',
                channels=list(range(0,1)),
            ),
            '',
        )
        self.usrp_tx.set_samp_rate(samp_rate)
        # No synchronization enforced.

        self.usrp_tx.set_center_freq(freq, 0)
        self.usrp_tx.set_antenna(tx_antenna, 0)
        self.usrp_tx.set_gain(tx_gain, 0)
        self.usrp_rx = uhd.usrp_source(
            ",".join((args, '')),
            uhd.stream_args(
                cpu_format="fc32",
                args='',
                channels=list(range(0,1)),
            ),
        )
        self.usrp_rx.set_samp_rate(samp_rate)
        # No synchronization enforced.

        self.usrp_rx.set_center_freq(freq, 0)
        self.usrp_rx.set_antenna(rx_antenna, 0)
        self.usrp_rx.set_gain(rx_gain, 0)
        self.tx = semjscc.jscc_tx(model, device, snr, profile, amplitude, 16, allocation='', samp_rate=samp_rate, tx_time_lead=tx_time_lead)
        self.source = semjscc.image_source(data, rate, False, 1.0, '')
        self.sink = semjscc.image_sink(out, data, 'metrics.json', '', True, '', True)
        self.rx = semjscc.jscc_rx(model, device, profile, threshold, 31, 8, 'oldest', task, 16)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.rx, 'stats'), (self.sink, 'stats'))
        self.msg_connect((self.rx, 'pdus'), (self.sink, 'pdus'))
        self.msg_connect((self.source, 'pdus'), (self.tx, 'pdus'))
        self.connect((self.tx, 0), (self.usrp_tx, 0))
        self.connect((self.usrp_rx, 0), (self.rx, 0))


    def get_args(self):
        return self.args

    def set_args(self, args):
        self.args = args

    def get_freq(self):
        return self.freq

    def set_freq(self, freq):
        self.freq = freq
        self.usrp_tx.set_center_freq(self.freq, 0)
        self.usrp_rx.set_center_freq(self.freq, 0)

    def get_tx_gain(self):
        return self.tx_gain

    def set_tx_gain(self, tx_gain):
        self.tx_gain = tx_gain
        self.usrp_tx.set_gain(self.tx_gain, 0)

    def get_rx_gain(self):
        return self.rx_gain

    def set_rx_gain(self, rx_gain):
        self.rx_gain = rx_gain
        self.usrp_rx.set_gain(self.rx_gain, 0)

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.usrp_tx.set_samp_rate(self.samp_rate)
        self.usrp_rx.set_samp_rate(self.samp_rate)

    def get_tx_antenna(self):
        return self.tx_antenna

    def set_tx_antenna(self, tx_antenna):
        self.tx_antenna = tx_antenna
        self.usrp_tx.set_antenna(self.tx_antenna, 0)

    def get_rx_antenna(self):
        return self.rx_antenna

    def set_rx_antenna(self, rx_antenna):
        self.rx_antenna = rx_antenna
        self.usrp_rx.set_antenna(self.rx_antenna, 0)

    def get_data(self):
        return self.data

    def set_data(self, data):
        self.data = data

    def get_rate(self):
        return self.rate

    def set_rate(self, rate):
        self.rate = rate
        self.source.set_rate(self.rate)

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

    def get_out(self):
        return self.out

    def set_out(self, out):
        self.out = out

    def get_count(self):
        return self.count

    def set_count(self, count):
        self.count = count

    def get_duration(self):
        return self.duration

    def set_duration(self, duration):
        self.duration = duration

    def get_tx_time_lead(self):
        return self.tx_time_lead

    def set_tx_time_lead(self, tx_time_lead):
        self.tx_time_lead = tx_time_lead

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

    def get_profile(self):
        return self.profile

    def set_profile(self, profile):
        self.profile = profile



def argument_parser():
    description = 'Full duplex on one USRP in one process: images out through TX/RX, received on RX2, decoded and scored'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "-a", "--args", dest="args", type=str, default='',
        help="Set UHD device args [default=%(default)r]")
    parser.add_argument(
        "-f", "--freq", dest="freq", type=eng_float, default=eng_notation.num_to_str(float(2.45e9)),
        help="Set Centre frequency (Hz) [default=%(default)r]")
    parser.add_argument(
        "--tx-gain", dest="tx_gain", type=eng_float, default=eng_notation.num_to_str(float(40)),
        help="Set TX gain (dB) [default=%(default)r]")
    parser.add_argument(
        "--rx-gain", dest="rx_gain", type=eng_float, default=eng_notation.num_to_str(float(30)),
        help="Set RX gain (dB) [default=%(default)r]")
    parser.add_argument(
        "-r", "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(1e6)),
        help="Set Sample rate (S/s) [default=%(default)r]")
    parser.add_argument(
        "--tx-antenna", dest="tx_antenna", type=str, default='TX/RX',
        help="Set TX antenna [default=%(default)r]")
    parser.add_argument(
        "--rx-antenna", dest="rx_antenna", type=str, default='RX2',
        help="Set RX antenna [default=%(default)r]")
    parser.add_argument(
        "-d", "--data", dest="data", type=str, default='sample:cifar10:test:16',
        help="Set Images [default=%(default)r]")
    parser.add_argument(
        "--rate", dest="rate", type=eng_float, default=eng_notation.num_to_str(float(2)),
        help="Set Images per second [default=%(default)r]")
    parser.add_argument(
        "-s", "--snr", dest="snr", type=eng_float, default=eng_notation.num_to_str(float(10)),
        help="Set Design SNR (dB) [default=%(default)r]")
    parser.add_argument(
        "--amplitude", dest="amplitude", type=eng_float, default=eng_notation.num_to_str(float(0.3)),
        help="Set RMS amplitude [default=%(default)r]")
    parser.add_argument(
        "-o", "--out", dest="out", type=str, default='out/usrp_trx',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "--count", dest="count", type=intx, default=0,
        help="Set Stop after this many images (0 = no limit) [default=%(default)r]")
    parser.add_argument(
        "--duration", dest="duration", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Stop after this many seconds (0 = no limit) [default=%(default)r]")
    parser.add_argument(
        "--tx-time-lead", dest="tx_time_lead", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Timed bursts lead (s; 0 = untimed) [default=%(default)r]")
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
    return parser


def main(top_block_cls=usrp_trx, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(args=options.args, freq=options.freq, tx_gain=options.tx_gain, rx_gain=options.rx_gain, samp_rate=options.samp_rate, tx_antenna=options.tx_antenna, rx_antenna=options.rx_antenna, data=options.data, rate=options.rate, snr=options.snr, amplitude=options.amplitude, out=options.out, count=options.count, duration=options.duration, tx_time_lead=options.tx_time_lead, model=options.model, threshold=options.threshold, device=options.device, task=options.task, lo_offset=options.lo_offset, bandwidth=options.bandwidth, clock_source=options.clock_source, time_source=options.time_source, subdev=options.subdev)
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
