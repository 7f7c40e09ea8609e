"""Neural JSCC encoder block: image PDUs -> symbol batch PDUs (unit average power per image)."""

import pmt
from gnuradio import gr

from semjscc.data.images import MAX_PIXELS
from semjscc.gr.accounting import DropCounter
from semjscc.gr.batch_worker import BatchWorker, WorkerBlock
from semjscc.gr.pdus import make_pdu, parse_pdu
from semjscc.link.models import load_link_codec
from semjscc.link.meta import image_from_pdu
from semjscc.link.transmitter import Encoder, take_batch
from semjscc.semantic.allocation import build_allocator


class jscc_encoder(WorkerBlock, gr.basic_block):
    """Encodes the image PDUs arriving on ``pdus`` and publishes their symbols on ``pdus``.

    A worker thread encodes whatever has queued up, up to ``max_batch``
    images of one size with consecutive ids at once, and publishes them as one
    batch PDU (:class:`semjscc.link.meta.SymbolBatch`); a lone image goes out
    at once, so batching adds no latency.  A photograph coded in tiles goes out tile by tile, each tile's
    symbols a piece of its image (``offset``), so its first frames are on the air while the rest is encoded.
    ``snr_db`` is the SNR the encoder is
    told (SNR-adaptive models shape the code for it; ``set_snr`` at run time).
    ``allocation`` (rate-adaptive models): the budget every image is sent at (``1/12``), empty for the
    full rate; the frames carry it, so the receiver needs no setting.
    """

    def __init__(self, model="adaptive_awgn_kn1-6", device="auto", snr_db=10.0, max_batch=16, allocation=""):
        gr.basic_block.__init__(self, name="semjscc_jscc_encoder", in_sig=None, out_sig=None)
        if int(max_batch) < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        codec = load_link_codec(model, device)
        self.encoder = Encoder(codec, float(snr_db), build_allocator(str(allocation), codec.codec))
        self.max_batch = int(max_batch)
        self.received = 0  # image PDUs handled, good or bad: with ``batches`` what is still in flight
        self.encoded = 0
        self.batches = 0  # symbol PDUs published: batches, or pieces of a photograph
        self.dropped = DropCounter(self.logger)
        self.worker = BatchWorker("semjscc-encoder", lambda queue: take_batch(queue, self.max_batch), self._encode,
                                  drain=False, on_error=lambda item, err: self.dropped.drop("encoder_error", err))
        self.message_port_register_in(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("pdus"))
        self.set_msg_handler(pmt.intern("pdus"), self._handle)

    @property
    def model(self):
        return self.encoder.model

    def set_snr(self, snr_db):
        self.encoder.snr_db = float(snr_db)

    def _handle(self, msg):
        try:
            self._queue(msg)
        finally:  # counted once queued or dropped, so ``received`` never runs ahead of the queue
            self.received += 1

    def _queue(self, msg):
        try:
            meta, pixels = parse_pdu(msg)
            image = image_from_pdu(meta, pixels)
        except (ValueError, KeyError, TypeError) as err:
            self.dropped.drop("malformed_pdu", err)
            return
        if image.shape[0] * image.shape[1] > MAX_PIXELS:
            self.dropped.drop("image_too_large", f"{image.shape[1]}x{image.shape[0]} > {MAX_PIXELS} pixels")
            return
        with self.worker.lock:
            self.worker.queue.append((meta, image))
            self.worker.notify()

    def _encode(self, batch: list):
        for described, symbols in self.encoder.encode_pieces(batch):
            self.message_port_pub(pmt.intern("pdus"), make_pdu(described.to_pdu(), symbols.reshape(-1)))
            self.batches += 1
        self.encoded += len(batch)
