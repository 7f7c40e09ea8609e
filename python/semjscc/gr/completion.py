"""When a flowgraph is done: every image through (or lost on the way), a receiver's count or time reached, a
recording replayed to its end."""

import os
import time

HELD_SAMPLES = 32  # what a block between the transmitter and the output may hold back at the end of a stream


def wait_until_idle(tb, n_images: int, timeout_s: float, quiet_s: float = 1.0, on_progress=None):
    """Block until the RX chain has processed everything: (time of last activity, timed out?).

    Done when the sink has every image, or when the receiver has taken in
    (nearly) all the samples the transmitter produced, its decoder is idle and
    nothing has changed for ``quiet_s`` (images lost on the way).
    ``on_progress(images received)`` is called whenever that count changes.
    """
    started = time.time()
    last_change, last_state = time.time(), None
    while time.time() - started < timeout_s:
        state = (tb.source.sent, tb.rx.sync.samples, tb.rx.decoder.counters()["images_decoded"], tb.sink.received)
        if state != last_state:
            last_change, last_state = time.time(), state
            if on_progress is not None:
                on_progress(state[-1])
        all_sent = tb.source.sent >= n_images
        if all_sent and tb.sink.received >= n_images and tb.rx.decoder.idle():
            return time.time(), False
        all_received = tb.rx.sync.samples >= 0.99 * tb.tx.counters()["samples_sent"]
        if all_sent and all_received and tb.tx.idle(n_images) and tb.rx.decoder.idle() and time.time() - last_change > quiet_s:
            return last_change, False
        time.sleep(0.05)
    return time.time(), True


def _stop_receiver(tb) -> tuple:
    """Stop a flowgraph with an image sink: (images it decoded, ', PSNR x dB[, n lost]' or '') for the summary
    line."""
    tb.stop()
    tb.wait()
    summary = tb.sink.summary()
    psnr = f", PSNR {summary['psnr']:.2f} dB" if summary.get("psnr") is not None else ""
    lost = summary.get("images_lost", 0)  # the digital link's lost images arrive, as the mean image
    return summary.get("images_received", 0) - lost, psnr + (f", {lost} lost" if lost else "")


def finish_when_done(tb, timeout_s: float = 3600.0) -> None:
    """Run from a loopback flowgraph's main: stop it once every image is through (or lost on the way), print
    a summary line, and exit with status 1 when images were lost, so ``python loopback_sim.py`` ends and can
    gate a script."""
    sent = len(tb.source._images)
    _, timed_out = wait_until_idle(tb, sent, timeout_s)
    decoded, psnr = _stop_receiver(tb)
    print(f"semjscc: {decoded} of {sent} images decoded{psnr}{' (timed out)' if timed_out else ''}", flush=True)
    if timed_out or decoded < sent:
        raise SystemExit(1)


def finish_when_sent(tb, output, timeout_s: float = 3600.0, linger_s: float = 1.0) -> None:
    """Run from a transmitting flowgraph's main (``zmq_tx``, ``usrp_tx`` with repeat off): stop once every image
    has left through ``output`` (the radio or ZeroMQ sink) as samples, so the script ends.  A repeating source
    never finishes: then this returns at once and the flowgraph runs until stopped."""
    if tb.source.repeat:
        return
    images = len(tb.source._images)
    started = time.time()
    while time.time() - started < timeout_s:
        sent = tb.tx.counters()["samples_sent"]
        # a channel model keeps a few samples of history (its resampler): they lie in the last burst's zero guard
        if tb.source.sent >= images and tb.tx.idle(images) and output.nitems_read(0) >= sent - HELD_SAMPLES:
            break
        time.sleep(0.05)
    time.sleep(linger_s)  # the last samples leave the sink's socket or the radio's buffer
    tb.stop()
    tb.wait()
    counters = tb.tx.counters()
    print(f"semjscc: {counters['images_encoded']} of {images} images sent in {counters['frames_sent']} frames",
          flush=True)


def finish_after(tb, count: int = 0, duration_s: float = 0.0) -> None:
    """Run from a receiving flowgraph's main (``zmq_rx``, ``usrp_rx``): stop after ``count`` images are decoded
    or after ``duration_s`` seconds, whichever comes first (0: no such limit; both 0: run until stopped), print
    a summary line, and exit with status 1 when ``count`` was not reached."""
    if not count and not duration_s:
        return
    started = time.time()
    while (not count or tb.sink.received < count) and (not duration_s or time.time() - started < duration_s):
        time.sleep(0.05)
    while not tb.rx.decoder.idle():  # images already in the decoder are delivered, not cut off
        time.sleep(0.05)
    decoded, psnr = _stop_receiver(tb)
    print(f"semjscc: {decoded} images decoded{psnr} in {time.time() - started:.1f} s", flush=True)
    if count and decoded < count:
        raise SystemExit(1)


def finish_when_replayed(tb, path: str, count: int = 0, quiet_s: float = 0.5) -> None:
    """Run from ``file_rx``'s main: stop once every sample of the recording at ``path`` (complex64) has gone
    through the receiver and its decoder is idle, print a summary line, and exit with status 1 when fewer than
    ``count`` images were decoded."""
    total = os.path.getsize(path) // 8
    quiet_since = None
    while True:
        drained = tb.rx.sync.samples >= total and tb.rx.decoder.idle()
        quiet_since = (quiet_since or time.time()) if drained else None
        if quiet_since is not None and time.time() - quiet_since > quiet_s:
            break
        time.sleep(0.05)
    decoded, psnr = _stop_receiver(tb)
    print(f"semjscc: {decoded} images decoded from {total} samples of {path}{psnr}", flush=True)
    if count and decoded < count:
        raise SystemExit(1)
