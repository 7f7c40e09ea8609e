"""GNU Radio blocks of gr-semjscc: the only subpackage that imports gnuradio.

TX: image_source -> jscc_encoder -> framer -> modulator -> burst_stream, or jscc_tx as one block.
RX: (matched filter) -> frame_sync -> equalizer -> jscc_decoder -> image_sink, or jscc_rx as one block.
Every block of both chains takes one :class:`LinkProfile` (in GRC: one variable).

``image_display`` (Qt) is imported only when a flowgraph asks for it, so
headless flowgraphs and the command line never load Qt.
"""

from semjscc.gr.burst_stream import burst_stream
from semjscc.gr.completion import finish_after, finish_when_done, finish_when_replayed, finish_when_sent
from semjscc.gr.equalizer import equalizer
from semjscc.gr.frame_sync import frame_sync
from semjscc.gr.framer import framer
from semjscc.gr.image_sink import image_sink
from semjscc.gr.image_source import image_source
from semjscc.gr.jscc_decoder import jscc_decoder
from semjscc.gr.jscc_encoder import jscc_encoder
from semjscc.gr.jscc_rx import jscc_rx
from semjscc.gr.jscc_tx import jscc_tx
from semjscc.gr.memory import limit_malloc_arenas
from semjscc.gr.modulator import modulator
from semjscc.gr.radio import configure_usrp, require_usrp
from semjscc.digital.codec import link_spec
from semjscc.link.profile import LinkProfile
from semjscc.phy.taps import parse_taps

__all__ = ["LinkProfile", "image_source", "jscc_encoder", "framer", "modulator", "burst_stream", "jscc_tx", "frame_sync",
           "equalizer", "jscc_decoder", "jscc_rx", "image_sink", "noise_voltage", "channel_taps", "parse_taps",
           "digital_link",
           "require_usrp", "configure_usrp", "finish_when_done", "finish_when_sent", "finish_after",
           "finish_when_replayed"]

limit_malloc_arenas()  # before the flowgraph starts its block threads


# Functions rather than profile methods in flowgraph expressions: GRC rewrites a variable into
# ``self.<name>`` in its callbacks only where it stands alone, not before a dot.
def noise_voltage(profile: LinkProfile, snr_db: float, amplitude: float) -> float:
    """channel_model noise_voltage for Es/N0 ``snr_db`` at the receiver, bursts of RMS ``amplitude``."""
    return profile.noise_voltage(snr_db, amplitude)


def digital_link(codec: str, mcs: str = "auto", ratio: str = "1/6", design_snr_db: float = 10.0) -> str:
    """The model spec of the digital link (image codec + 5G LDPC + QAM) for the JSCC blocks: the Digital
    Transmitter and Receiver blocks call this with their parameters; ``auto`` picks the MCS for the design SNR,
    the same at both ends."""
    return link_spec(codec, mcs, ratio, design_snr_db)


def channel_taps(profile: LinkProfile, taps) -> list:
    """Multipath taps (text or numbers) scaled to unit in-band power gain in the profile's mode."""
    return profile.channel_taps(taps)


def __getattr__(name):
    if name == "image_display":
        from semjscc.gr.qt_display import image_display

        return image_display
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
