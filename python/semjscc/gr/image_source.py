"""Image source: a dataset spec, a folder or list of files, or a ZeroMQ PULL socket -> image PDUs."""

import threading

import numpy as np
import pmt
from gnuradio import gr

from semjscc.data import load_dataset
from semjscc.data.images import MAX_PIXELS, read_image, to_rgb8
from semjscc.gr.accounting import DropCounter
from semjscc.gr.pdus import make_pdu


class image_source(gr.basic_block):
    """Emits one PDU per image on ``pdus``: u8 vector (H*W*3, RGB) + {image_id, height, width, label, name}.

    ``source``: a dataset spec (``cifar10:test:100``, ``kodak``, ``sample:cifar10:test:16`` from the shipped sample), a folder, a
    comma-separated list of files, or ``zmq:tcp://host:port`` (a PULL socket
    receiving encoded image files, PNG/JPEG).  ``rate``: images per second
    (0 = all at once; downstream queues them).  ``repeat``: loop forever.
    From ZeroMQ, messages above ``MAX_MESSAGE_BYTES`` and images above
    ``MAX_PIXELS`` (decompression bombs included) are refused and counted
    (``zmq_rejected``).
    """

    MAX_MESSAGE_BYTES = 32 << 20
    MAX_PIXELS = MAX_PIXELS

    def __init__(self, source="sample:cifar10:test:16", rate=0.0, repeat=False, start_delay=0.2, data_root=""):
        gr.basic_block.__init__(self, name="semjscc_image_source", in_sig=None, out_sig=None)
        self.message_port_register_out(pmt.intern("pdus"))
        self.source = source
        self.rate = float(rate)
        self.repeat = bool(repeat)
        self.start_delay = float(start_delay)
        self.data_root = data_root or None
        self.sent = 0
        self.dropped = DropCounter(self.logger)
        self._stop = threading.Event()
        self._thread = None
        if not source.startswith("zmq:"):
            self._images = self._load(source)

    def _load(self, source):
        if "," in source:
            return [(read_image(path.strip()), -1, path.strip()) for path in source.split(",") if path.strip()]
        dataset = load_dataset(source, self.data_root)
        labels = dataset.labels if dataset.labels is not None else [-1] * len(dataset)
        names = dataset.names or [str(i) for i in range(len(dataset))]
        return [(dataset.images[i], int(labels[i]), str(names[i])) for i in range(len(dataset))]

    def set_rate(self, rate):
        self.rate = float(rate)

    def start(self):
        self._stop.clear()
        target = self._run_zmq if self.source.startswith("zmq:") else self._run_files
        self._thread = threading.Thread(target=target, name="semjscc-image-source", daemon=True)
        self._thread.start()
        return True

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        return True

    def _emit(self, image: np.ndarray, label: int, name: str):
        meta = {"image_id": self.sent, "height": int(image.shape[0]), "width": int(image.shape[1]),
                "label": int(label), "name": name}
        self.message_port_pub(pmt.intern("pdus"), make_pdu(meta, image.reshape(-1).astype(np.uint8)))
        self.sent += 1
        if self.rate > 0:
            self._stop.wait(1.0 / self.rate)

    def _run_files(self):
        if self._stop.wait(self.start_delay):
            return
        while not self._stop.is_set():
            for image, label, name in self._images:
                if self._stop.is_set():
                    return
                self._emit(image, label, name)
            if not self.repeat:
                return

    def _run_zmq(self):
        import io

        import zmq
        from PIL import Image

        context = zmq.Context.instance()
        socket = context.socket(zmq.PULL)
        socket.setsockopt(zmq.MAXMSGSIZE, self.MAX_MESSAGE_BYTES)  # larger messages are dropped by ZeroMQ itself
        socket.connect(self.source[len("zmq:"):])
        socket.setsockopt(zmq.RCVTIMEO, 200)
        try:
            while not self._stop.is_set():
                try:
                    payload = socket.recv()
                except zmq.Again:
                    continue
                try:
                    with Image.open(io.BytesIO(payload)) as upload:
                        if upload.width * upload.height > self.MAX_PIXELS:
                            raise ValueError(f"{upload.width}x{upload.height} exceeds {self.MAX_PIXELS} pixels")
                        image = to_rgb8(upload)
                except Exception as err:  # a bad upload must not stop the source
                    self.dropped.drop("zmq_rejected", err)
                    continue
                self._emit(image, -1, f"zmq-{self.sent}")
        finally:
            socket.close(linger=0)
