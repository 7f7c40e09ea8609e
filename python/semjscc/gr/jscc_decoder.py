"""Neural JSCC decoder block: equalised symbol PDUs -> decoded image PDUs, in a bounded worker.

Chunks are reassembled per image; a complete image goes to a queue of at most
``queue_size`` images served by one worker thread, so a slow decoder never
stalls the message handler.  ``drop_policy`` says which image to drop when
the queue is full: ``oldest`` (keep the stream fresh) or ``newest``.
With a ``task_model`` (a classifier checkpoint) each decoded image also gets
``predicted_class`` and ``confidence``: the machine task at the receiver.
"""

import collections
import threading

import numpy as np
import pmt
import torch
from gnuradio import gr

from semjscc.codec.bandwidth import DOWNSAMPLE, symbol_count
from semjscc.gr.model_loader import load_codec
from semjscc.gr.pdus import make_dict, make_pdu, parse_pdu
from semjscc.gr.reassembly import Reassembler
from semjscc.paths import resolve_model
from semjscc.semantic.task_models import load_task_model, predict


def padded(size: int) -> int:
    return size + (-size) % DOWNSAMPLE


class jscc_decoder(gr.basic_block):
    def __init__(self, model="adaptive_awgn_kn1-6", device="auto", queue_size=8, drop_policy="oldest",
                 snr_override_db=float("nan"), task_model=""):
        gr.basic_block.__init__(self, name="semjscc_jscc_decoder", in_sig=None, out_sig=None)
        if drop_policy not in ("oldest", "newest"):
            raise ValueError(f"drop_policy must be 'oldest' or 'newest', not {drop_policy!r}")
        self.codec, self.device, self.model_id, _ = load_codec(model, device)
        self.queue_size = int(queue_size)
        self.drop_policy = drop_policy
        self.snr_override_db = float(snr_override_db)
        self.task = load_task_model(resolve_model(task_model), self.device) if task_model else None
        self.reassembler = Reassembler()
        self.queue = collections.deque()
        self.cond = threading.Condition()
        self.running = False
        self.busy = False
        self.worker = None
        self.count = collections.Counter()
        self.message_port_register_in(pmt.intern("symbols"))
        self.message_port_register_out(pmt.intern("images"))
        self.message_port_register_out(pmt.intern("stats"))
        self.set_msg_handler(pmt.intern("symbols"), self._handle)

    def set_snr_override(self, snr_db):
        """Decode with this SNR instead of the estimate (NaN: use the estimate)."""
        self.snr_override_db = float(snr_db)

    def counters(self) -> dict:
        with self.cond:
            dropped = {k[5:]: v for k, v in self.count.items() if k.startswith("drop_")}
            dropped["missing_chunks"] = self.reassembler.lost
            return {"images_decoded": self.count["decoded"], "frames_received": self.count["frames"],
                    "dropped": dropped, "queued": len(self.queue)}

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
        with self.cond:
            self.count["frames"] += 1
            if model != self.model_id:
                self._drop("model_mismatch")
                complete = None
            else:
                complete = self.reassembler.add(meta, symbols, snr)
            if complete is not None:
                meta, symbols, snr = complete
                expected = symbol_count(padded(int(meta["height"])), padded(int(meta["width"])), self.codec.k_over_n)
                if len(symbols) != expected:
                    self._drop("size_mismatch")
                else:
                    if len(self.queue) >= self.queue_size:
                        self._drop("decoder_backlog")
                        if self.drop_policy == "newest":
                            complete = None
                        else:
                            self.queue.popleft()
                    if complete is not None:
                        self.queue.append((meta, symbols, snr))
                        self.cond.notify()
        self._publish_stats()

    def start(self):
        self.running = True
        self.worker = threading.Thread(target=self._work, name="semjscc-decoder", daemon=True)
        self.worker.start()
        return True

    def stop(self):
        with self.cond:
            self.running = False
            self.cond.notify_all()
        if self.worker is not None:
            self.worker.join(timeout=30)
        return True

    def idle(self) -> bool:
        """True when nothing is queued or being decoded (for run-to-completion)."""
        with self.cond:
            return not self.queue and not self.busy

    def _work(self):
        while True:
            with self.cond:
                while self.running and not self.queue:
                    self.cond.wait(0.1)
                if not self.queue:
                    return
                meta, symbols, snr = self.queue.popleft()
                self.busy = True
            try:
                self._decode(meta, symbols, snr)
            finally:
                with self.cond:
                    self.busy = False

    def _decode(self, meta, symbols, snr):
        height, width = int(meta["height"]), int(meta["width"])
        snr_in = snr if np.isnan(self.snr_override_db) else self.snr_override_db
        tensor = torch.from_numpy(np.ascontiguousarray(symbols))[None].to(self.device)
        with torch.no_grad():
            image = self.codec.decode(tensor, (padded(height), padded(width)), snr_in)[0]
        pixels = (image.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()[:height, :width]
        meta.update(snr_est_db=snr, decoder_snr_db=snr_in)
        if self.task is not None:
            quantized = torch.from_numpy(pixels.copy()).permute(2, 0, 1)[None].float().div(255).to(self.device)
            predicted, confidence = predict(self.task, quantized)
            meta.update(predicted_class=int(predicted[0]), confidence=float(confidence[0]))
        with self.cond:
            self.count["decoded"] += 1
        self.message_port_pub(pmt.intern("images"), make_pdu(meta, pixels.reshape(-1)))
        self._publish_stats()
