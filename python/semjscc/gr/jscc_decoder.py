"""Neural JSCC decoder block: equalised symbol PDUs -> decoded image PDUs, in a bounded worker.

Chunks are reassembled per image, and a frame that carries several images is
split into them; a complete image goes to a queue of at most ``queue_size``
images served by one worker thread, so a slow decoder never stalls the
message handler.  The worker decodes up to ``max_batch`` queued images of one
size in one pass.  ``drop_policy`` says which image to drop when
the queue is full: ``oldest`` (keep the stream fresh) or ``newest``.
With a ``task_model`` (a classifier checkpoint) each decoded image also gets
``predicted_class`` and ``confidence``: the machine task at the receiver.
"""

import collections

import numpy as np
import pmt
import torch
from gnuradio import gr

from semjscc.codec.bandwidth import DOWNSAMPLE, symbol_count
from semjscc.gr.batch_worker import BatchWorker, WorkerBlock
from semjscc.gr.model_loader import load_codec
from semjscc.gr.pdus import make_dict, make_pdu, parse_pdu
from semjscc.gr.reassembly import Reassembler
from semjscc.paths import resolve_model
from semjscc.semantic.task_models import load_task_model, predict


# What a decoded image PDU says about the image (the frame-level fields stay behind).
IMAGE_KEYS = ("image_id", "height", "width", "model_id", "chunk_count", "snr_est_db", "decoder_snr_db",
              "predicted_class", "confidence")


def padded(size: int) -> int:
    return size + (-size) % DOWNSAMPLE


def split_images(meta: dict, symbols: np.ndarray) -> list:
    """The images of a frame that carries ``image_count`` of them: (meta, symbols) each, ids counting up."""
    count = int(meta["image_count"])
    return [(dict(meta, image_id=(int(meta["image_id"]) + i) & 0xFFFF, image_count=1), part)
            for i, part in enumerate(np.split(symbols, count))]


def take_same_size(queue: collections.deque, max_batch: int) -> list:
    """The head of ``queue`` and the images right behind it of the same size, at most ``max_batch``."""
    batch = [queue.popleft()]
    size = (batch[0][0]["height"], batch[0][0]["width"])
    while queue and len(batch) < max_batch and (queue[0][0]["height"], queue[0][0]["width"]) == size:
        batch.append(queue.popleft())
    return batch


class jscc_decoder(WorkerBlock, gr.basic_block):
    def __init__(self, model="adaptive_awgn_kn1-6", device="auto", queue_size=32, drop_policy="oldest",
                 snr_override_db=float("nan"), task_model="", max_batch=16):
        gr.basic_block.__init__(self, name="semjscc_jscc_decoder", in_sig=None, out_sig=None)
        if drop_policy not in ("oldest", "newest"):
            raise ValueError(f"drop_policy must be 'oldest' or 'newest', not {drop_policy!r}")
        self.codec, self.device, self.model_id, _ = load_codec(model, device)
        self.queue_size = int(queue_size)
        self.max_batch = max(1, int(max_batch))
        self.drop_policy = drop_policy
        self.snr_override_db = float(snr_override_db)
        self.task = load_task_model(resolve_model(task_model), self.device) if task_model else None
        self.reassembler = Reassembler()
        self.worker = BatchWorker("semjscc-decoder", lambda queue: take_same_size(queue, self.max_batch),
                                  self._decode, drain=True)
        self.count = collections.Counter()
        self.message_port_register_in(pmt.intern("symbols"))
        self.message_port_register_out(pmt.intern("images"))
        self.message_port_register_out(pmt.intern("stats"))
        self.set_msg_handler(pmt.intern("symbols"), self._handle)

    def set_snr_override(self, snr_db):
        """Decode with this SNR instead of the estimate (NaN: use the estimate)."""
        self.snr_override_db = float(snr_db)

    def counters(self) -> dict:
        with self.worker.lock:
            dropped = {k[5:]: v for k, v in self.count.items() if k.startswith("drop_")}
            dropped["missing_chunks"] = self.reassembler.lost
            return {"images_decoded": self.count["decoded"], "frames_received": self.count["frames"],
                    "dropped": dropped, "queued": len(self.worker.queue)}

    def _publish_stats(self):
        self.message_port_pub(pmt.intern("stats"), make_dict({"jscc_decoder": self.counters()}))

    def _drop(self, reason: str):
        self.count["drop_" + reason] += 1

    def _handle(self, msg):
        try:
            meta, symbols = parse_pdu(msg)
            model, snr = int(meta["model_id"]), float(meta.get("snr_est_db", 10.0))
        except (ValueError, KeyError) as err:
            gr.log.warn(f"semjscc jscc_decoder: dropped a malformed PDU ({err})")
            return
        with self.worker.lock:
            self.count["frames"] += 1
            if model != self.model_id:
                self._drop("model_mismatch")
            elif int(meta.get("image_count", 1)) > 1:
                for image_meta, image_symbols in split_images(meta, symbols):
                    self._enqueue(image_meta, image_symbols, snr)
            else:
                complete = self.reassembler.add(meta, symbols, snr)
                if complete is not None:
                    self._enqueue(*complete)
        self._publish_stats()

    def _enqueue(self, meta, symbols, snr):
        """Queue a complete image for the worker (call with the lock held)."""
        expected = symbol_count(padded(int(meta["height"])), padded(int(meta["width"])), self.codec.k_over_n)
        if len(symbols) != expected:
            self._drop("size_mismatch")
            return
        queue = self.worker.queue
        if len(queue) >= self.queue_size:
            self._drop("decoder_backlog")
            if self.drop_policy == "newest":
                return
            queue.popleft()
        queue.append((meta, symbols, snr))
        self.worker.notify()

    def _decode(self, batch: list):
        """Decode images of one size together; each gets its own SNR."""
        height, width = int(batch[0][0]["height"]), int(batch[0][0]["width"])
        snrs = [snr if np.isnan(self.snr_override_db) else self.snr_override_db for _, _, snr in batch]
        tensor = torch.from_numpy(np.stack([symbols for _, symbols, _ in batch])).to(self.device)
        with torch.no_grad():
            images = self.codec.decode(tensor, (padded(height), padded(width)), torch.tensor(snrs)).clamp(0, 1)
            pixels = (images * 255).round().byte()
            if self.task is not None:
                predicted, confidence = predict(self.task, pixels[:, :, :height, :width].float().div(255))
        pixels = pixels.permute(0, 2, 3, 1).cpu().numpy()[:, :height, :width]
        for index, (meta, _, snr) in enumerate(batch):
            meta.update(snr_est_db=snr, decoder_snr_db=snrs[index])
            if self.task is not None:
                meta.update(predicted_class=int(predicted[index]), confidence=float(confidence[index]))
            image_meta = {key: meta[key] for key in IMAGE_KEYS if key in meta}
            self.message_port_pub(pmt.intern("images"),
                                  make_pdu(image_meta, np.ascontiguousarray(pixels[index]).reshape(-1)))
        with self.worker.lock:
            self.count["decoded"] += len(batch)
        self._publish_stats()
