"""Bringing up a USRP from the flowgraphs: is one there, and its clock, time, front end and tuning.

GRC's UHD blocks drop a clock source, time source or subdevice left empty when the flowgraph is generated, so
a flowgraph parameter could never reach them at run time; the USRP flowgraphs call :func:`configure_usrp` from
a snippet instead, with their command-line values.
"""

import math
import time

CLOCK_SOURCES = ("", "internal", "external", "gpsdo", "mimo")
TIME_SOURCES = ("", "internal", "external", "gpsdo", "mimo")
PPS_TIME_SOURCES = ("external", "gpsdo")


def require_usrp(args: str) -> None:
    """Exit with one line that says what to do when no UHD device answers to ``args`` (the USRP flowgraphs call
    this before building their radio block, instead of UHD's traceback)."""
    from gnuradio import uhd

    if not uhd.find(args):
        raise SystemExit(f"semjscc: no UHD device answers to --args {args!r}: check its cable and power, run "
                         "uhd_find_devices and pass its serial (--args serial=...); to try the link without a "
                         "radio, run gr-semjscc/loopback_sim.py")


def configure_usrp(usrp, freq: float, gain: float, antenna: str = "", lo_offset: float = 0.0,
                   bandwidth: float = 0.0, clock_source: str = "", time_source: str = "", subdev: str = "",
                   wait=time.sleep, now=time.time) -> None:
    """Set up channel 0 of a UHD source or sink block.

    Order matters: the subdevice first (it selects the front end that frequency, gain and antenna apply to), then
    the references, then the tuning (``lo_offset`` moves the LO away from the centre so its leakage falls outside
    the signal), gain, antenna and analog bandwidth (0: the device's default). Finally the radio's clock is set
    from the host's, on the next PPS edge when a PPS time source is used, so ``tx_time``/``rx_time`` are Unix
    time on both ends.
    """
    from gnuradio import uhd

    for value, known, what in ((clock_source, CLOCK_SOURCES, "clock source"), (time_source, TIME_SOURCES,
                                                                                  "time source")):
        if value not in known:
            raise SystemExit(f"semjscc: unknown {what} {value!r}; use one of {', '.join(filter(None, known))}")
    if subdev:
        usrp.set_subdev_spec(subdev, 0)
    if clock_source:
        usrp.set_clock_source(clock_source, 0)
    if time_source:
        usrp.set_time_source(time_source, 0)
    usrp.set_center_freq(uhd.tune_request(freq, lo_offset) if lo_offset else freq, 0)
    usrp.set_gain(gain, 0)
    if antenna:
        usrp.set_antenna(antenna, 0)
    if bandwidth:
        usrp.set_bandwidth(bandwidth, 0)
    if time_source in PPS_TIME_SOURCES:
        _after_pps_edge(usrp, wait)  # a whole second until the next edge: no race with it
        usrp.set_time_next_pps(uhd.time_spec(float(math.floor(now()) + 1)))
        wait(1.1)  # the edge has latched the time
    else:
        usrp.set_time_now(uhd.time_spec(now()))


def _after_pps_edge(usrp, wait, poll_s: float = 0.01, limit_s: float = 1.5) -> None:
    """Return just after the radio sees a PPS edge (its time of the last PPS changes), or after ``limit_s``."""
    last = usrp.get_time_last_pps(0)
    for _ in range(int(limit_s / poll_s)):
        wait(poll_s)
        if usrp.get_time_last_pps(0) != last:
            return
