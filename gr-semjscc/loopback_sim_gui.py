#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: loopback simulation (GUI)
# Author: gr-semjscc
# Description: Images through the deep-JSCC transmitter, a simulated channel and the receiver
# GNU Radio version: 3.10.5.1

from packaging.version import Version as StrictVersion

if __name__ == '__main__':
    import ctypes
    import sys
    if sys.platform.startswith('linux'):
        try:
            x11 = ctypes.cdll.LoadLibrary('libX11.so')
            x11.XInitThreads()
        except:
            print("Warning: failed to XInitThreads()")

from PyQt5 import Qt
from gnuradio import qtgui
from gnuradio.filter import firdes
import sip
from gnuradio import channels
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import pdu
from gnuradio import semjscc
from gnuradio.qtgui import Range, RangeWidget
from PyQt5 import QtCore



from gnuradio import qtgui

class loopback_sim_gui(gr.top_block, Qt.QWidget):

    def __init__(self, model='adaptive_awgn_kn1-6', allocation='', data='sample:cifar10:test:16', cfo=0, epsilon=1.0, taps='1.0', seed=0, out='out/loopback', device='auto', task='', samp_rate=1e6):
        gr.top_block.__init__(self, "gr-semjscc: loopback simulation (GUI)", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("gr-semjscc: loopback simulation (GUI)")
        qtgui.util.check_set_qss()
        try:
            self.setWindowIcon(Qt.QIcon.fromTheme('gnuradio-grc'))
        except:
            pass
        self.top_scroll_layout = Qt.QVBoxLayout()
        self.setLayout(self.top_scroll_layout)
        self.top_scroll = Qt.QScrollArea()
        self.top_scroll.setFrameStyle(Qt.QFrame.NoFrame)
        self.top_scroll_layout.addWidget(self.top_scroll)
        self.top_scroll.setWidgetResizable(True)
        self.top_widget = Qt.QWidget()
        self.top_scroll.setWidget(self.top_widget)
        self.top_layout = Qt.QVBoxLayout(self.top_widget)
        self.top_grid_layout = Qt.QGridLayout()
        self.top_layout.addLayout(self.top_grid_layout)

        self.settings = Qt.QSettings("GNU Radio", "loopback_sim_gui")

        try:
            if StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
                self.restoreGeometry(self.settings.value("geometry").toByteArray())
            else:
                self.restoreGeometry(self.settings.value("geometry"))
        except:
            pass

        ##################################################
        # Parameters
        ##################################################
        self.model = model
        self.allocation = allocation
        self.data = data
        self.cfo = cfo
        self.epsilon = epsilon
        self.taps = taps
        self.seed = seed
        self.out = out
        self.device = device
        self.task = task
        self.samp_rate = samp_rate

        ##################################################
        # Variables
        ##################################################
        self.sps = sps = 4
        self.rolloff = rolloff = 0.35
        self.snr = snr = 10
        self.profile = profile = semjscc.LinkProfile(mode='single-carrier', sps=sps, rolloff=rolloff, max_payload=4096, pilot_spacing=16, header_repetition=2, equalizer='', fft_size=64, cp_length=16, training_interval=16)
        self.amplitude = amplitude = 0.3

        ##################################################
        # Blocks
        ##################################################

        self._snr_range = Range(-5, 25, 0.5, 10, 200)
        self._snr_win = RangeWidget(self._snr_range, self.set_snr, "SNR Es/N0 (dB)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._snr_win, 0, 0, 1, 2)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.tx = semjscc.jscc_tx(model, device, snr, profile, amplitude, 16, allocation=allocation, samp_rate=1e6, tx_time_lead=0)
        self.symbols_stream = pdu.pdu_to_stream_c(pdu.EARLY_BURST_DROP, 8)
        self.spectrum = qtgui.freq_sink_c(
            1024, #size
            window.WIN_BLACKMAN_hARRIS, #wintype
            0, #fc
            samp_rate, #bw
            "Received spectrum", #name
            1,
            None # parent
        )
        self.spectrum.set_update_time(0.10)
        self.spectrum.set_y_axis((-100), 0)
        self.spectrum.set_y_label('Relative Gain', 'dB')
        self.spectrum.set_trigger_mode(qtgui.TRIG_MODE_FREE, 0.0, 0, "")
        self.spectrum.enable_autoscale(False)
        self.spectrum.enable_grid(False)
        self.spectrum.set_fft_average(0.2)
        self.spectrum.enable_axis_labels(True)
        self.spectrum.enable_control_panel(False)
        self.spectrum.set_fft_window_normalized(False)



        labels = ['', '', '', '', '',
            '', '', '', '', '']
        widths = [1, 1, 1, 1, 1,
            1, 1, 1, 1, 1]
        colors = ["blue", "red", "green", "black", "cyan",
            "magenta", "yellow", "dark red", "dark green", "dark blue"]
        alphas = [1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 1.0, 1.0]

        for i in range(1):
            if len(labels[i]) == 0:
                self.spectrum.set_line_label(i, "Data {0}".format(i))
            else:
                self.spectrum.set_line_label(i, labels[i])
            self.spectrum.set_line_width(i, widths[i])
            self.spectrum.set_line_color(i, colors[i])
            self.spectrum.set_line_alpha(i, alphas[i])

        self._spectrum_win = sip.wrapinstance(self.spectrum.qwidget(), Qt.QWidget)
        self.top_grid_layout.addWidget(self._spectrum_win, 1, 1, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(1, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.source = semjscc.image_source(data, 2, True, 0.5, '')
        self.sink = semjscc.image_sink(out, data, 'metrics.json', '', True, '', False)
        self.rx = semjscc.jscc_rx(model, device, profile, 0.3, 31, 4, 'oldest', task, 16)
        self.display = semjscc.image_display(6, data, '')
        self._display_win = self.display.widget
        self.top_grid_layout.addWidget(self._display_win, 1, 0, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.constellation = qtgui.const_sink_c(
            1024, #size
            "Equalised JSCC symbols", #name
            1, #number of inputs
            None # parent
        )
        self.constellation.set_update_time(0.10)
        self.constellation.set_y_axis((-3), 3)
        self.constellation.set_x_axis((-3), 3)
        self.constellation.set_trigger_mode(qtgui.TRIG_MODE_FREE, qtgui.TRIG_SLOPE_POS, 0.0, 0, "")
        self.constellation.enable_autoscale(False)
        self.constellation.enable_grid(False)
        self.constellation.enable_axis_labels(True)


        labels = ['', '', '', '', '',
            '', '', '', '', '']
        widths = [1, 1, 1, 1, 1,
            1, 1, 1, 1, 1]
        colors = ["blue", "red", "red", "red", "red",
            "red", "red", "red", "red", "red"]
        styles = [0, 0, 0, 0, 0,
            0, 0, 0, 0, 0]
        markers = [0, 0, 0, 0, 0,
            0, 0, 0, 0, 0]
        alphas = [1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 1.0, 1.0]

        for i in range(1):
            if len(labels[i]) == 0:
                self.constellation.set_line_label(i, "Data {0}".format(i))
            else:
                self.constellation.set_line_label(i, labels[i])
            self.constellation.set_line_width(i, widths[i])
            self.constellation.set_line_color(i, colors[i])
            self.constellation.set_line_style(i, styles[i])
            self.constellation.set_line_marker(i, markers[i])
            self.constellation.set_line_alpha(i, alphas[i])

        self._constellation_win = sip.wrapinstance(self.constellation.qwidget(), Qt.QWidget)
        self.top_grid_layout.addWidget(self._constellation_win, 2, 0, 1, 2)
        for r in range(2, 3):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
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
        self.msg_connect((self.rx, 'pdus'), (self.display, 'pdus'))
        self.msg_connect((self.rx, 'bands'), (self.display, 'bands'))
        self.msg_connect((self.rx, 'pdus'), (self.sink, 'pdus'))
        self.msg_connect((self.rx, 'stats'), (self.sink, 'stats'))
        self.msg_connect((self.rx, 'symbols'), (self.symbols_stream, 'pdus'))
        self.msg_connect((self.source, 'pdus'), (self.tx, 'pdus'))
        self.connect((self.channel, 0), (self.rx, 0))
        self.connect((self.channel, 0), (self.spectrum, 0))
        self.connect((self.symbols_stream, 0), (self.constellation, 0))
        self.connect((self.tx, 0), (self.channel, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "loopback_sim_gui")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

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

    def get_task(self):
        return self.task

    def set_task(self, task):
        self.task = task

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.spectrum.set_frequency_range(0, self.samp_rate)

    def get_sps(self):
        return self.sps

    def set_sps(self, sps):
        self.sps = sps

    def get_rolloff(self):
        return self.rolloff

    def set_rolloff(self, rolloff):
        self.rolloff = rolloff

    def get_snr(self):
        return self.snr

    def set_snr(self, snr):
        self.snr = snr
        self.tx.set_snr(self.snr)
        self.channel.set_noise_voltage(semjscc.noise_voltage(self.profile, self.snr, self.amplitude))

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
    description = 'Images through the deep-JSCC transmitter, a simulated channel and the receiver'
    parser = ArgumentParser(description=description)
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
        "-o", "--out", dest="out", type=str, default='out/loopback',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "--device", dest="device", type=str, default='auto',
        help="Set Torch device [default=%(default)r]")
    parser.add_argument(
        "--task", dest="task", type=str, default='',
        help="Set Task network [default=%(default)r]")
    parser.add_argument(
        "--samp-rate", dest="samp_rate", type=eng_float, default=eng_notation.num_to_str(float(1e6)),
        help="Set Sample rate [default=%(default)r]")
    return parser


def main(top_block_cls=loopback_sim_gui, options=None):
    if options is None:
        options = argument_parser().parse_args()

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(model=options.model, allocation=options.allocation, data=options.data, cfo=options.cfo, epsilon=options.epsilon, taps=options.taps, seed=options.seed, out=options.out, device=options.device, task=options.task, samp_rate=options.samp_rate)

    tb.start()

    tb.show()

    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        Qt.QApplication.quit()

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    timer = Qt.QTimer()
    timer.start(500)
    timer.timeout.connect(lambda: None)

    qapp.exec_()

if __name__ == '__main__':
    main()
