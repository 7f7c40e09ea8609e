"""GNU Radio blocks of gr-semjscc: the only subpackage that imports gnuradio.

TX: image_source -> jscc_encoder -> framer -> modulator (-> pdu.pdu_to_stream_c), or jscc_tx as one block.
RX: (matched filter) -> frame_sync -> equalizer -> jscc_decoder -> image_sink, or jscc_rx as one block.

The blocks' linear algebra is small (a 5-tap equaliser fit per frame), so BLAS
runs single-threaded here: its worker threads only compete with the
flowgraph's own (measured: 5x slower synchronisation on a busy 2-core CPU).
"""

from threadpoolctl import threadpool_limits

from semjscc.gr.equalizer import equalizer
from semjscc.gr.frame_sync import frame_sync
from semjscc.gr.framer import framer
from semjscc.gr.image_sink import image_sink
from semjscc.gr.image_source import image_source
from semjscc.gr.jscc_decoder import jscc_decoder
from semjscc.gr.jscc_encoder import jscc_encoder
from semjscc.gr.jscc_rx import jscc_rx
from semjscc.gr.jscc_tx import jscc_tx
from semjscc.gr.modulator import modulator
from semjscc.gr.qt_display import image_display
from semjscc.gr.taps import parse_taps
from semjscc.phy.levels import noise_voltage

threadpool_limits(limits=1, user_api="blas")

__all__ = ["image_source", "jscc_encoder", "framer", "modulator", "jscc_tx",
           "frame_sync", "equalizer", "jscc_decoder", "jscc_rx", "image_sink",
           "image_display", "noise_voltage", "parse_taps"]
