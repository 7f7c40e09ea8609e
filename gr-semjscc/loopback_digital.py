#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: digital link loopback
# Author: gr-semjscc
# Description: Images through the digital link (image codec + 5G LDPC + QAM), a simulated channel and its receiver
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


def snipfcn_finish(self):
    semjscc.finish_when_done(self)


def snippets_main_after_start(tb):
    snipfcn_finish(tb)


class loopback_digital(gr.top_block):

    def __init__(self, codec='webp', mcs='auto', ratio='1/6', data='sample:cifar10:test:16', snr=10, cfo=0, epsilon=1.0, taps='1.0', seed=0, out='out/loopback_digital', device='auto', save=1, samp_rate=1e6, data_root=''):
        gr.top_block.__init__(self, "gr-semjscc: digital link loopback", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.codec = codec
        self.mcs = mcs
        self.ratio = ratio
        self.data = data
        self.snr = snr
        self.cfo = cfo
        self.epsilon = epsilon
        self.taps = taps
        self.seed = seed
        self.out = out
        self.device = device
        self.save = save
        self.samp_rate = samp_rate
        self.data_root = data_root

        ##################################################
        # Variables
        ##################################################
        self.sps = sps = 4
        self.rolloff = rolloff = 0.35
        self.profile = profile = semjscc.LinkProfile(mode='single-carrier', sps=sps, rolloff=rolloff, max_payload=4096, pilot_spacing=16, header_repetition=2, equalizer='', fft_size=64, cp_length=16, training_interval=16)
        self.amplitude = amplitude = 0.3

        ##################################################
        # Blocks
        ##################################################

        self.tx = semjscc.jscc_tx(semjscc.digital_link(codec, mcs, ratio, snr), device, snr, profile, amplitude, 16)
        self.source = semjscc.image_source(data, 0, False, 0.2, data_root)
        self.sink = semjscc.image_sink(out, data, 'metrics.json', '', bool(save), data_root, True)
        self.rx = semjscc.jscc_rx(semjscc.digital_link(codec, mcs, ratio, snr), device, profile, 0.3, 31, 1024, 'oldest', '')
        self.channel = channels.channel_model(
            noise_voltage=semjscc.noise_voltage(profile, snr, amplitude),
            frequency_offset=cfo,
            epsilon=epsilon,
            taps=semjscc.channel_taps(profile, taps),
            noise_seed=seed,
            block_tags=False)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.rx, 'pdus'), (self.sink, 'pdus'))
        self.msg_connect((self.rx, 'stats'), (self.sink, 'stats'))
        self.msg_connect((self.source, 'pdus'), (self.tx, 'pdus'))
        self.connect((self.channel, 0), (self.rx, 0))
        self.connect((self.tx, 0), (self.channel, 0))


    def get_codec(self):
        return self.codec

    def set_codec(self, codec):
        self.codec = codec

    def get_mcs(self):
        return self.mcs

    def set_mcs(self, mcs):
        self.mcs = mcs

    def get_ratio(self):
        return self.ratio

    def set_ratio(self, ratio):
        self.ratio = ratio

    def get_data(self):
        return self.data

    def set_data(self, data):
        self.data = data

    def get_snr(self):
        return self.snr

    def set_snr(self, snr):
        self.snr = snr
        self.channel.set_noise_voltage(semjscc.noise_voltage(self.profile, self.snr, self.amplitude))

    def get_cfo(self):
        return self.cfo

    def set_cfo(self, cfo):
        self.cfo = cfo
        self.channel.set_frequency_offset(self.cfo)

    def get_epsilon(self):
        return self.epsilon

    def set_epsilon(self, epsilon):
        self.epsilon = epsilon
        self.channel.set_timing_offset(self.epsilon)

    def get_taps(self):
        return self.taps

    def set_taps(self, taps):
        self.taps = taps
        self.channel.set_taps(semjscc.channel_taps(self.profile, self.taps))

    def get_seed(self):
        return self.seed

    def set_seed(self, seed):
        self.seed = seed

    def get_out(self):
        return self.out

    def set_out(self, out):
        self.out = out

    def get_device(self):
        return self.device

    def set_device(self, device):
        self.device = device

    def get_save(self):
        return self.save

    def set_save(self, save):
        self.save = save

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate

    def get_data_root(self):
        return self.data_root

    def set_data_root(self, data_root):
        self.data_root = data_root

    def get_sps(self):
        return self.sps

    def set_sps(self, sps):
        self.sps = sps

    def get_rolloff(self):
        return self.rolloff

    def set_rolloff(self, rolloff):
        self.rolloff = rolloff

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
    description = 'Images through the digital link (image codec + 5G LDPC + QAM), a simulated channel and its receiver'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "-c", "--codec", dest="codec", type=str, default='webp',
        help="Set Image codec (hevc/avif/webp/jpeg) [default=%(default)r]")
    parser.add_argument(
        "--mcs", dest="mcs", type=str, default='auto',
        help="Set MCS (e.g. 16qam-1/2; auto for the SNR) [default=%(default)r]")
    parser.add_argument(
        "--ratio", dest="ratio", type=str, default='1/6',
        help="Set Channel uses k/n [default=%(default)r]")
    parser.add_argument(
        "-d", "--data", dest="data", type=str, default='sample:cifar10:test:16',
        help="Set Images [default=%(default)r]")
    parser.add_argument(
        "-s", "--snr", dest="snr", type=eng_float, default=eng_notation.num_to_str(float(10)),
        help="Set SNR Es/N0 (dB) [default=%(default)r]")
    parser.add_argument(
        "--cfo", dest="cfo", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Frequency offset (cycles/sample) [default=%(default)r]")
    parser.add_argument(
        "--epsilon", dest="epsilon", type=eng_float, default=eng_notation.num_to_str(float(1.0)),
        help="Set Sample clock ratio [default=%(default)r]")
    parser.add_argument(
        "--taps", dest="taps", type=str, default='1.0',
        help="Set Multipath taps (scaled to unit in-band gain) [default=%(default)r]")
    parser.add_argument(
        "--seed", dest="seed", type=intx, default=0,
        help="Set Noise seed [default=%(default)r]")
    parser.add_argument(
        "-o", "--out", dest="out", type=str, default='out/loopback_digital',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "--device", dest="device", type=str, default='auto',
        help="Set Torch device [default=%(default)r]")
    parser.add_argument(
        "--save", dest="save", type=intx, default=1,
        help="Set Save decoded PNGs (1/0) [default=%(default)r]")
    parser.add_argument(
        "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(1e6)),
        help="Set Sample rate [default=%(default)r]")
    parser.add_argument(
        "--data-root", dest="data_root", type=str, default='',
        help="Set Data folder [default=%(default)r]")
    return parser


def main(top_block_cls=loopback_digital, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(codec=options.codec, mcs=options.mcs, ratio=options.ratio, data=options.data, snr=options.snr, cfo=options.cfo, epsilon=options.epsilon, taps=options.taps, seed=options.seed, out=options.out, device=options.device, save=options.save, samp_rate=options.samp_rate, data_root=options.data_root)

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
