"""Neural JSCC decoder block: equalised frame PDUs -> decoded image PDUs, in a bounded worker.

The image-level work (splitting shared frames, reassembly, size checks,
decoding, cropping, the task network) is :class:`semjscc.link.receiver.Receiver`'s;
this block adds the queue of at most ``queue_size`` complete images served by
one worker thread (or of the images one frame carries, if more), so a slow
decoder never stalls the message handler and an idle one never drops.  The
worker decodes up to ``max_batch`` queued images of one size in one pass.
``drop_policy`` says which image to drop when the queue is full: ``oldest``
(keep the stream fresh) or ``newest``.  With a ``task_model`` (a classifier
checkpoint) each decoded image also gets ``predicted_class`` and
``confidence``: the machine task at the receiver.  A photograph coded in tiles is decoded band by band as
its frames arrive; each band also goes out at once on ``bands`` (image PDUs of the band's rows, ``band_top``
their first row), for a display that shows the top of a photograph before the rest has arrived.  When the
flowgraph stops,
images still missing chunks are counted as lost (``missing_chunks``).
"""

import math
import threading
import weakref

import pmt
from gnuradio import gr

from semjscc.gr.accounting import DropCounter
from semjscc.gr.batch_worker import BatchWorker, WorkerBlock
from semjscc.gr.pdus import make_pdu, make_stats_pdu, parse_pdu
from semjscc.link.meta import FrameMeta
from semjscc.link.models import load_link_codec
from semjscc.link.profile import LinkProfile
from semjscc.link.receiver import Receiver, take_same_size
from semjscc.semantic.task_models import load_task_model
from semjscc.store.paths import resolve_model

DROP_POLICIES = ("oldest", "newest")
DRAINING = weakref.WeakSet()  # decoders started and not yet drained


class jscc_decoder(WorkerBlock, gr.basic_block):
    def __init__(self, model="adaptive_awgn_kn1-6", device="auto", queue_size=32, drop_policy="oldest",
                 snr_override_db=math.nan, task_model="", max_batch=16, profile=LinkProfile()):
        gr.basic_block.__init__(self, name="semjscc_jscc_decoder", in_sig=None, out_sig=None)
        if drop_policy not in DROP_POLICIES:
            raise ValueError(f"drop_policy must be 'oldest' or 'newest', not {drop_policy!r}")
        codec = load_link_codec(model, device)
        task = load_task_model(resolve_model(task_model), codec.device) if task_model else None
        self.receiver = Receiver(codec, task, snr_override_db=float(snr_override_db), profile=profile)
        self.queue_size = int(queue_size)
        self.max_batch = max(1, int(max_batch))
        self.drop_policy = drop_policy
        self.frames_received = 0
        self.drained = threading.Event()
        self.dropped = DropCounter(self.logger)
        self.worker = BatchWorker("semjscc-decoder", lambda queue: take_same_size(queue, self.max_batch),
                                  self._decode, drain=True,
                                  on_error=self._failed)
        self.message_port_register_in(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("stats"))
        self.message_port_register_out(pmt.intern("bands"))
        self.receiver.on_band = lambda meta, pixels: self.message_port_pub(pmt.intern("bands"),
                                                                           make_pdu(meta, pixels.reshape(-1)))
        self.set_msg_handler(pmt.intern("pdus"), self._handle)

    @property
    def model(self):
        return self.receiver.model

    def set_snr_override(self, snr_db):
        """Decode with this SNR instead of the estimate (NaN: use the estimate)."""
        self.receiver.snr_override_db = float(snr_db)

    def start(self):
        self.drained.clear()
        DRAINING.add(self)
        return super().start()

    def stop(self):
        """Decode what is queued, then count the images still missing chunks as lost.

        In a flowgraph that runs to completion GNU Radio tells the image sink
        to finish before this drain; the sink waits for ``drained`` and takes
        the late images from its own queue.
        """
        super().stop()
        with self.worker.lock:
            self.receiver.flush()
        self._publish_stats()
        DRAINING.discard(self)
        self.drained.set()
        return True

    def counters(self) -> dict:
        with self.worker.lock:
            counters = self.receiver.counters()
            counters["dropped"].update(self.dropped.as_dict())
            return {**counters, "frames_received": self.frames_received, "queued": len(self.worker.queue)}

    def _publish_stats(self):
        self.message_port_pub(pmt.intern("stats"), make_stats_pdu({"jscc_decoder": self.counters()}))

    def _handle(self, msg):
        try:
            meta, symbols = parse_pdu(msg)
            frame = FrameMeta.from_pdu(meta)
        except (ValueError, KeyError, TypeError) as err:
            self.dropped.drop("malformed_pdu", err)
            return
        with self.worker.lock:
            self.frames_received += 1
            ready = self.receiver.accept(frame, symbols)
            for image in ready:
                self._enqueue(image, max(self.queue_size, len(ready)))
        self._publish_stats()

    def _enqueue(self, image, capacity: int):
        """Queue a complete image (or an early band of one) for the worker (call with the lock held); the queue
        always takes a whole frame.  When it is full an early band makes room first: it is optional work."""
        queue = self.worker.queue
        if len(queue) >= capacity:
            if "tile_rows" in image[0]:
                return
            bands = [index for index, (meta, _, _) in enumerate(queue) if "tile_rows" in meta]
            if bands:
                del queue[bands[0]]
            else:
                self.dropped.drop("decoder_backlog")
                if self.drop_policy == "newest":
                    return
                queue.popleft()
        queue.append(image)
        self.worker.notify()

    def _failed(self, item, err):
        """A decoding error: the image is dropped and counted; an early band only logged (its image decodes it)."""
        if "tile_rows" in item[0]:
            self.logger.warn(f"early band of image {item[0]['image_id']} not decoded: {err}")
        else:
            self.dropped.drop("decoder_error", err)

    def _decode(self, batch: list):
        decoded = self.receiver.decode(batch)  # all or nothing: a failed batch is retried image by image
        for meta, pixels in decoded:
            self.message_port_pub(pmt.intern("pdus"), make_pdu(meta, pixels.reshape(-1)))
        self._publish_stats()
