"""One place that turns block parameters into the PHY's FrameConfig, so TX and RX agree."""

from semjscc.phy.frame import FrameConfig


def frame_config(sps=4, rolloff=0.35, max_payload=4096, pilot_spacing=16, header_repetition=2) -> FrameConfig:
    return FrameConfig(sps=int(sps), rolloff=float(rolloff), max_payload=int(max_payload),
                       pilot_spacing=int(pilot_spacing), header_repetition=int(header_repetition))
