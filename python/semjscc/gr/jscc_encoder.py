"""Neural JSCC encoder block: image PDUs -> complex channel symbol PDUs (unit average power per image)."""

import collections

import numpy as np
import pmt
import torch
from gnuradio import gr

from semjscc.codec.bandwidth import DOWNSAMPLE
from semjscc.gr.batch_worker import BatchWorker, WorkerBlock
from semjscc.gr.model_loader import load_codec
from semjscc.gr.pdus import make_pdu, parse_pdu


def pad_to_multiple(image: np.ndarray, multiple: int = DOWNSAMPLE) -> np.ndarray:
    """Edge-pad H and W up to a multiple of the codec's downsampling."""
    pad_h, pad_w = (-image.shape[0]) % multiple, (-image.shape[1]) % multiple
    if pad_h or pad_w:
        image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return image


def take_batch(queue: collections.deque, max_batch: int) -> list:
    """The head of ``queue`` and the images right behind it that can share its batch (and frame).

    A batch holds images of one size with consecutive ids, as the header
    announces them by the first id and a count.
    """
    batch = [queue.popleft()]
    while queue and len(batch) < max_batch:
        meta, image = queue[0]
        last_meta, last_image = batch[-1]
        if image.shape != last_image.shape or int(meta["image_id"]) != int(last_meta["image_id"]) + 1:
            break
        batch.append(queue.popleft())
    return batch


class jscc_encoder(WorkerBlock, gr.basic_block):
    """Encodes the image PDUs on ``images`` and publishes their symbols on ``symbols``.

    A worker thread encodes whatever has queued up, up to ``max_batch``
    images of one size at once, and publishes them as one PDU with
    ``image_count`` in the metadata (the framer packs them into shared
    frames); a lone image goes out at once, so batching adds no latency.
    ``snr_db`` is the SNR the encoder is told (SNR-adaptive models shape the
    code for it; change it at run time with ``set_snr``).  Metadata gains
    ``model_id``, ``n_symbols`` (per image) and ``tx_snr_db``.
    """

    def __init__(self, model="adaptive_awgn_kn1-6", device="auto", snr_db=10.0, max_batch=16):
        gr.basic_block.__init__(self, name="semjscc_jscc_encoder", in_sig=None, out_sig=None)
        if int(max_batch) < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        self.codec, self.device, self.model_id, _ = load_codec(model, device)
        self.snr_db = float(snr_db)
        self.max_batch = int(max_batch)
        self.encoded = 0
        self.rejected = 0
        self.worker = BatchWorker("semjscc-encoder", lambda queue: take_batch(queue, self.max_batch), self._encode,
                                  drain=False)
        self.message_port_register_in(pmt.intern("images"))
        self.message_port_register_out(pmt.intern("symbols"))
        self.set_msg_handler(pmt.intern("images"), self._handle)

    def set_snr(self, snr_db):
        self.snr_db = float(snr_db)

    def _handle(self, msg):
        try:
            meta, pixels = parse_pdu(msg)
            height, width = int(meta["height"]), int(meta["width"])
            image = pad_to_multiple(pixels.astype(np.uint8).reshape(height, width, 3))
            int(meta["image_id"])
        except (ValueError, KeyError, TypeError) as err:
            self.rejected += 1
            gr.log.warn(f"semjscc jscc_encoder: dropped a malformed image PDU ({err})")
            return
        with self.worker.lock:
            self.worker.queue.append((meta, image))
            self.worker.notify()

    def _encode(self, batch: list):
        images = np.stack([image for _, image in batch])
        tensor = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(255.0).to(self.device)
        with torch.no_grad():
            symbols = self.codec.encode(tensor, self.snr_db).cpu().numpy().astype(np.complex64)
        meta = dict(batch[0][0], model_id=self.model_id, n_symbols=symbols.shape[1], tx_snr_db=self.snr_db,
                    image_count=len(batch))
        self.encoded += len(batch)
        self.message_port_pub(pmt.intern("symbols"), make_pdu(meta, symbols.reshape(-1)))
