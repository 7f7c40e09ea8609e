#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: gr-semjscc: USRP receiver (GUI)
# Author: gr-semjscc
# Description: Deep-JSCC receiver on a USRP with spectrum, constellation, decoded image and PSNR/SNR readouts
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
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import pdu
from gnuradio import semjscc
from gnuradio import uhd
import time


def snipfcn_check_radio(self):
    semjscc.require_usrp(self.args)

def snipfcn_configure_radio(self):
    semjscc.configure_usrp(self.usrp, self.freq, self.gain, self.antenna, self.lo_offset, self.bandwidth, self.clock_source, self.time_source, self.subdev)


def snippets_main_after_init(tb):
    snipfcn_configure_radio(tb)

def snippets_init_before_blocks(tb):
    snipfcn_check_radio(tb)

from gnuradio import qtgui

class usrp_rx_gui(gr.top_block, Qt.QWidget):

    def __init__(self, args='', freq=2.45e9, gain=30, samp_rate=1e6, antenna='RX2', out='out/usrp_rx_gui', reference='', model='adaptive_awgn_kn1-6', threshold=0.3, device='auto', task='', lo_offset=0, bandwidth=0, clock_source='', time_source='', subdev=''):
        gr.top_block.__init__(self, "gr-semjscc: USRP receiver (GUI)", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("gr-semjscc: USRP receiver (GUI)")
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

        self.settings = Qt.QSettings("GNU Radio", "usrp_rx_gui")

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
        self.args = args
        self.freq = freq
        self.gain = gain
        self.samp_rate = samp_rate
        self.antenna = antenna
        self.out = out
        self.reference = reference
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
        self.symbols_stream = pdu.pdu_to_stream_c(pdu.EARLY_BURST_DROP, 8)
        self.spectrum = qtgui.freq_sink_c(
            1024, #size
            window.WIN_BLACKMAN_hARRIS, #wintype
            freq, #fc
            samp_rate, #bw
            "Received spectrum", #name
            1,
            None # parent
        )
        self.spectrum.set_update_time(0.10)
        self.spectrum.set_y_axis((-120), 0)
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
        self.sink = semjscc.image_sink(out, reference, 'metrics.json', '', True, '', False)
        self.rx = semjscc.jscc_rx(model, device, profile, threshold, 31, 8, 'oldest', task, 16)
        self.display = semjscc.image_display(6, reference, '')
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


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.rx, 'bands'), (self.display, 'bands'))
        self.msg_connect((self.rx, 'pdus'), (self.display, 'pdus'))
        self.msg_connect((self.rx, 'stats'), (self.sink, 'stats'))
        self.msg_connect((self.rx, 'pdus'), (self.sink, 'pdus'))
        self.msg_connect((self.rx, 'symbols'), (self.symbols_stream, 'pdus'))
        self.connect((self.symbols_stream, 0), (self.constellation, 0))
        self.connect((self.usrp, 0), (self.rx, 0))
        self.connect((self.usrp, 0), (self.spectrum, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "usrp_rx_gui")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

    def get_args(self):
        return self.args

    def set_args(self, args):
        self.args = args

    def get_freq(self):
        return self.freq

    def set_freq(self, freq):
        self.freq = freq
        self.usrp.set_center_freq(self.freq, 0)
        self.spectrum.set_frequency_range(self.freq, self.samp_rate)

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
        self.spectrum.set_frequency_range(self.freq, self.samp_rate)

    def get_antenna(self):
        return self.antenna

    def set_antenna(self, antenna):
        self.antenna = antenna
        self.usrp.set_antenna(self.antenna, 0)

    def get_out(self):
        return self.out

    def set_out(self, out):
        self.out = out

    def get_reference(self):
        return self.reference

    def set_reference(self, reference):
        self.reference = reference

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
    description = 'Deep-JSCC receiver on a USRP with spectrum, constellation, decoded image and PSNR/SNR readouts'
    parser = ArgumentParser(description=description)
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
        "-o", "--out", dest="out", type=str, default='out/usrp_rx_gui',
        help="Set Output folder [default=%(default)r]")
    parser.add_argument(
        "--reference", dest="reference", type=str, default='',
        help="Set Reference images (spec) [default=%(default)r]")
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


def main(top_block_cls=usrp_rx_gui, options=None):
    if options is None:
        options = argument_parser().parse_args()

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(args=options.args, freq=options.freq, gain=options.gain, samp_rate=options.samp_rate, antenna=options.antenna, out=options.out, reference=options.reference, model=options.model, threshold=options.threshold, device=options.device, task=options.task, lo_offset=options.lo_offset, bandwidth=options.bandwidth, clock_source=options.clock_source, time_source=options.time_source, subdev=options.subdev)
    snippets_main_after_init(tb)
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
