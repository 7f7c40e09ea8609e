"""When a loopback flowgraph is done: every image through, or the rest lost on the way."""

import time


def wait_until_idle(tb, n_images: int, timeout_s: float, quiet_s: float = 1.0):
    """Block until the RX chain has processed everything: (time of last activity, timed out?).

    Done when the sink has every image, or when the receiver has taken in
    (nearly) all the samples the transmitter produced, its decoder is idle and
    nothing has changed for ``quiet_s`` (images lost on the way).
    """
    started = time.time()
    last_change, last_state = time.time(), None
    while time.time() - started < timeout_s:
        state = (tb.source.sent, tb.rx.sync.samples, tb.rx.decoder.counters()["images_decoded"], tb.sink.received)
        if state != last_state:
            last_change, last_state = time.time(), state
        all_sent = tb.source.sent >= n_images
        if all_sent and tb.sink.received >= n_images and tb.rx.decoder.idle():
            return time.time(), False
        all_received = tb.rx.sync.samples >= 0.99 * tb.tx.counters()["samples_sent"]
        if all_sent and all_received and tb.tx.idle(n_images) and tb.rx.decoder.idle() and time.time() - last_change > quiet_s:
            return last_change, False
        time.sleep(0.05)
    return time.time(), True


def finish_when_done(tb, timeout_s: float = 3600.0) -> None:
    """Run from a loopback flowgraph's main: stop it once every image is through (or lost on the way), print
    a summary line, and exit with status 1 when images were lost, so ``python loopback_sim.py`` ends and can
    gate a script."""
    sent = len(tb.source._images)
    _, timed_out = wait_until_idle(tb, sent, timeout_s)
    tb.stop()
    tb.wait()
    summary = tb.sink.summary()
    decoded = summary.get("images_received", 0)
    psnr = f", PSNR {summary['psnr']:.2f} dB" if summary.get("psnr") is not None else ""
    print(f"semjscc: {decoded} of {sent} images decoded{psnr}{' (timed out)' if timed_out else ''}", flush=True)
    if timed_out or decoded < sent:
        raise SystemExit(1)
