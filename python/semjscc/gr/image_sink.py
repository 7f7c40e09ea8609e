"""Image sink: decoded image PDUs -> PNG files, per-image metrics, a summary with the counters, ZeroMQ PUB.

When the sink knows the reference images (the same ``reference`` spec the
source sends), it scores each image as it arrives
(:class:`semjscc.link.scoring.ImageScorer`).  Each image's row is appended to
``images.jsonl`` as soon as it is scored, so memory stays flat over a run of
any length; ``metrics_file`` holds the means and the counters of the RX blocks,
which arrive on ``stats``, so every frame and image is accounted for in one
file. It is rewritten atomically every ``METRICS_PERIOD_S`` during the run and
once more when the flowgraph stops, so a run that is killed still leaves one.
``log_images`` logs a line per image (headless runs).
"""

import threading
import time
from pathlib import Path

import pmt
from gnuradio import gr

from semjscc.data import load_dataset
from semjscc.data.images import write_image
from semjscc.gr.accounting import DropCounter
from semjscc.gr.jscc_decoder import DRAINING
from semjscc.gr.pdus import parse_pdu
from semjscc.link.scoring import ImageScorer
from semjscc.store.jsonio import dumps, write_json
from semjscc.link.meta import image_from_pdu

SMALL_IMAGE_VALUES = 64 * 64 * 3  # images this small are saved as uncompressed PNG
ROWS_FILE = "images.jsonl"
METRICS_PERIOD_S = 2.0


def image_line(row: dict) -> str:
    """One decoded image in a line: what a headless run prints as it goes."""
    parts = [f"image {row.get('image_id', '?')}" + (f" LOST ({row['lost']})" if "lost" in row else "")]
    for key, label, unit, digits in (("psnr", "PSNR", " dB", 2), ("ssim", "SSIM", "", 3),
                                     ("snr_est_db", "SNR est", " dB", 1), ("k_over_n", "k/n", "", 4)):
        if row.get(key) is not None:
            parts.append(f"{label} {row[key]:.{digits}f}{unit}")
    if "predicted_class" in row:
        verdict = "" if "label" not in row else (" (right)" if row["predicted_class"] == row["label"] else " (wrong)")
        parts.append(f"class {row['predicted_class']}{verdict}")
    return ", ".join(parts)


def publish_address(text: str) -> str:
    """A ZeroMQ address to bind; a bare port binds to localhost only."""
    text = str(text).strip()
    return f"tcp://127.0.0.1:{text}" if text.isdigit() else text


class image_sink(gr.basic_block):
    def __init__(self, folder="out/rx", reference="", metrics_file="metrics.json", zmq_address="",
                 save_images=True, data_root="", log_images=False):
        gr.basic_block.__init__(self, name="semjscc_image_sink", in_sig=None, out_sig=None)
        self.folder = Path(folder) if folder else None
        self.metrics_file = metrics_file
        self.save_images = bool(save_images)
        self.log_images = bool(log_images)
        self._metrics_written = time.time()
        self.scorer = ImageScorer(load_dataset(reference, data_root or None) if reference else None,
                                  on_row=self._write_row, keep_rows=False)
        self._rows_file = None
        self.stats = {}
        self.dropped = DropCounter(self.logger)
        self.lock = threading.Lock()
        self.started = time.time()
        self.publisher = None
        if zmq_address:
            import zmq

            address = publish_address(zmq_address)
            if any(wildcard in address for wildcard in ("*", "0.0.0.0", "[::]")):
                self.logger.warn(f"publishing decoded images on every interface ({address}), "
                            "unauthenticated; prefer tcp://127.0.0.1:PORT with an SSH tunnel, or ZeroMQ CURVE")
            self.publisher = zmq.Context.instance().socket(zmq.PUB)
            self.publisher.bind(address)
        self.message_port_register_in(pmt.intern("pdus"))
        self.message_port_register_in(pmt.intern("stats"))
        self.set_msg_handler(pmt.intern("pdus"), self._handle_image)
        self.set_msg_handler(pmt.intern("stats"), self._handle_stats)

    @property
    def received(self) -> int:
        with self.lock:
            return self.scorer.received

    def _write_row(self, row: dict) -> None:
        """Append a finished row to the JSON-lines file (called with the lock held); a failed write is counted."""
        if self.log_images:
            self.logger.info(image_line(row))
        if self.folder is None:
            return
        try:
            if self._rows_file is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._rows_file = open(self.folder / ROWS_FILE, "w")
            self._rows_file.write(dumps(row, indent=None) + "\n")
        except OSError as err:
            self.dropped.drop("row_write_error", err)

    def _handle_stats(self, msg):
        """A stats PDU: metadata {block name: counters}; anything else is counted and dropped."""
        try:
            update, _ = parse_pdu(msg)
        except ValueError as err:
            self.dropped.drop("malformed_stats", err)
            return
        with self.lock:
            self.stats.update(update)

    def _handle_image(self, msg):
        try:
            meta, pixels = parse_pdu(msg)
            image = image_from_pdu(meta, pixels)
        except (ValueError, KeyError, TypeError) as err:
            self.dropped.drop("malformed_pdu", err)
            return
        try:
            with self.lock:
                row = self.scorer.add(meta, image, time_s=round(time.time() - self.started, 4))
        except Exception as err:  # a scoring failure loses this row, never the sink
            self.dropped.drop("sink_error", err)
            return
        if self.folder is not None and self.save_images:
            # small images barely compress, and zlib would double the sink's cost per image
            level = 0 if image.size <= SMALL_IMAGE_VALUES else 1
            try:
                write_image(self.folder / f"{int(meta['image_id']):05d}.png", image, compress_level=level)
            except (OSError, ValueError) as err:
                self.dropped.drop("png_write_error", err)
        if self.publisher is not None:
            self.publisher.send_multipart([dumps(row, indent=None).encode(), image.tobytes()])
        self._refresh_metrics()

    def _refresh_metrics(self) -> None:
        now = time.time()
        if now - self._metrics_written < METRICS_PERIOD_S:
            return
        self._metrics_written = now
        try:
            self.write_metrics()
        except OSError as err:
            self.dropped.drop("metrics_write_error", err)

    def summary(self) -> dict:
        with self.lock:
            summary = self.scorer.summary()
            stats = dict(self.stats)
            if self._rows_file is not None:
                self._rows_file.flush()
        dropped = self.dropped.as_dict()
        if dropped:
            stats["image_sink"] = {"dropped": dropped}
        return {**summary, "counters": stats, "images_file": ROWS_FILE if self.folder is not None else None}

    def write_metrics(self) -> None:
        if self.folder is None or not self.metrics_file:
            return
        write_json(self.folder / self.metrics_file, self.summary())

    def _take_late_messages(self, timeout_s: float = 60.0) -> None:
        """Handle what upstream decoders published after this block was told to finish.

        A decoder drains its queue when the flowgraph stops, which GNU Radio
        may do after this sink's thread has ended; those images wait in this
        block's queue, and are handled here once the decoders feeding it are
        drained (at most ``timeout_s``).
        """
        me = self.to_basic_block()
        feeding = [decoder for decoder in list(DRAINING) if me.symbol_name() in
                   pmt.write_string(decoder.to_basic_block().message_subscribers(pmt.intern("pdus")))]
        deadline = time.time() + timeout_s
        for decoder in feeding:
            decoder.drained.wait(max(deadline - time.time(), 0))
        for port, handle in (("stats", self._handle_stats), ("pdus", self._handle_image)):
            while me.nmsgs(pmt.intern(port)):
                handle(me.delete_head_nowait(pmt.intern(port)))

    def stop(self):
        self._take_late_messages()
        self.write_metrics()
        with self.lock:
            if self._rows_file is not None:
                self._rows_file.close()
                self._rows_file = None
        if self.publisher is not None:
            self.publisher.close(linger=0)
            self.publisher = None
        return True
