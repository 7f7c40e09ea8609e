#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: transmitter over ZeroMQ
# Author: gr-semjscc
# Description: Deep-JSCC transmitter and a simulated channel in one process, its samples pushed over ZeroMQ to zmq_rx on this or another host
# GNU Radio version: 3.10.5.1

from gnuradio import channels
from gnuradio.filter import firdes
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import semjscc
from gnuradio import zeromq


def snipfcn_finish(self):
    semjscc.finish_when_sent(self, self.zmq)


def snippets_main_after_start(tb):
    snipfcn_finish(tb)


class zmq_tx(gr.top_block):

    def __init__(self, address='tcp://127.0.0.1:5555', model='adaptive_awgn_kn1-6', allocation='', data='sample:cifar10:test:16', rate=0, repeat=0, snr=10, cfo=0, taps='1.0', seed=0, device='auto', data_root=''):
        gr.top_block.__init__(self, "gr-semjscc: transmitter over ZeroMQ", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.address = address
        self.model = model
        self.allocation = allocation
        self.data = data
        self.rate = rate
        self.repeat = repeat
        self.snr = snr
        self.cfo = cfo
        self.taps = taps
        self.seed = seed
        self.device = device
        self.data_root = data_root

        ##################################################
        # Variables
        ##################################################
        self.profile = profile = semjscc.LinkProfile(mode='single-carrier', sps=4, rolloff=0.35, max_payload=4096, pilot_spacing=16, header_repetition=2, equalizer='', fft_size=64, cp_length=16, training_interval=16)
        self.amplitude = amplitude = 0.3

        ##################################################
        # Blocks
        ##################################################

        self.zmq = zeromq.push_sink(gr.sizeof_gr_complex, 1, address, 100, False, (-1))
        self.tx = semjscc.jscc_tx(model, device, snr, profile, amplitude, 16, allocation=allocation, samp_rate=1e6, tx_time_lead=0)
        self.source = semjscc.image_source(data, rate, bool(repeat), 0.5, data_root)
        self.channel = channels.channel_model(
            noise_voltage=semjscc.noise_voltage(profile, snr, amplitude),
            frequency_offset=cfo,
            epsilon=1.0,
            taps=semjscc.channel_taps(profile, taps),
            noise_seed=seed,
            block_tags=False)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.source, 'pdus'), (self.tx, 'pdus'))
        self.connect((self.channel, 0), (self.zmq, 0))
        self.connect((self.tx, 0), (self.channel, 0))


    def get_address(self):
        return self.address

    def set_address(self, address):
        self.address = address

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
        self.channel.set_noise_voltage(semjscc.noise_voltage(self.profile, self.snr, self.amplitude))

    def get_cfo(self):
        return self.cfo

    def set_cfo(self, cfo):
        self.cfo = cfo
        self.channel.set_frequency_offset(self.cfo)

    def get_taps(self):
        return self.taps

    def set_taps(self, taps):
        self.taps = taps
        self.channel.set_taps(semjscc.channel_taps(self.profile, self.taps))

    def get_seed(self):
        return self.seed

    def set_seed(self, seed):
        self.seed = seed

    def get_device(self):
        return self.device

    def set_device(self, device):
        self.device = device

    def get_data_root(self):
        return self.data_root

    def set_data_root(self, data_root):
        self.data_root = data_root

    def get_profile(self):
        return self.profile

    def set_profile(self, profile):
        self.profile = profile
        self.channel.set_noise_voltage(semjscc.noise_voltage(self.profile, self.snr, self.amplitude))
        self.channel.set_taps(semjscc.channel_taps(self.profile, self.taps))

    def get_amplitude(self):
        return self.amplitude

    def set_amplitude(self, amplitude):
        self.amplitude = amplitude
        self.tx.set_amplitude(self.amplitude)
        self.channel.set_noise_voltage(semjscc.noise_voltage(self.profile, self.snr, self.amplitude))



def argument_parser():
    description = 'Deep-JSCC transmitter and a simulated channel in one process, its samples pushed over ZeroMQ to zmq_rx on this or another host'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--address", dest="address", type=str, default='tcp://127.0.0.1:5555',
        help="Set ZeroMQ PUSH address (binds) [default=%(default)r]")
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
        "--rate", dest="rate", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Images per second (0 = as fast as they encode) [default=%(default)r]")
    parser.add_argument(
        "--repeat", dest="repeat", type=intx, default=0,
        help="Set Repeat (1/0) [default=%(default)r]")
    parser.add_argument(
        "-s", "--snr", dest="snr", type=eng_float, default=eng_notation.num_to_str(float(10)),
        help="Set SNR Es/N0 (dB) [default=%(default)r]")
    parser.add_argument(
        "--cfo", dest="cfo", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Frequency offset (cycles/sample) [default=%(default)r]")
    parser.add_argument(
        "--taps", dest="taps", type=str, default='1.0',
        help="Set Multipath taps (scaled to unit in-band gain) [default=%(default)r]")
    parser.add_argument(
        "--seed", dest="seed", type=intx, default=0,
        help="Set Noise seed [default=%(default)r]")
    parser.add_argument(
        "--device", dest="device", type=str, default='auto',
        help="Set Torch device [default=%(default)r]")
    parser.add_argument(
        "--data-root", dest="data_root", type=str, default='',
        help="Set Data folder [default=%(default)r]")
    return parser


def main(top_block_cls=zmq_tx, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(address=options.address, model=options.model, allocation=options.allocation, data=options.data, rate=options.rate, repeat=options.repeat, snr=options.snr, cfo=options.cfo, taps=options.taps, seed=options.seed, device=options.device, data_root=options.data_root)

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
