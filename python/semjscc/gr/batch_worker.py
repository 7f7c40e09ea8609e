"""A worker thread that serves a block's queue in batches.

The neural blocks must not run a network inside a message handler: GNU Radio
calls handlers on the block's own thread, and a slow pass there backs up the
whole message chain.  Handlers append to ``queue`` under ``lock`` and call
``notify``; the worker takes batches with ``take`` and hands them to
``process``.  ``drain`` says what ``stop`` does with what is still queued:
finish it (a receiver should not lose decoded images) or leave it (a
transmitter that stops should stop sending).

The thread never dies on a bad item: a batch whose processing raises is
retried item by item, and each item that still fails goes to ``on_error``
(the block counts it under a reason) while the worker goes on.
"""

import collections
import threading
from typing import Callable


class BatchWorker:
    def __init__(self, name: str, take: Callable[[collections.deque], list], process: Callable[[list], None],
                 drain: bool, on_error: Callable[[object, Exception], None]):
        self.name = name
        self.take = take
        self.process = process
        self.on_error = on_error
        self.drain = drain
        self.queue = collections.deque()
        self.lock = threading.Condition()
        self._running = False
        self._busy = False
        self._thread = None

    def notify(self):
        """Wake the worker after appending to ``queue`` (call with ``lock`` held)."""
        self.lock.notify()

    def start(self):
        with self.lock:
            self._running = True
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0):
        with self.lock:
            self._running = False
            self.lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def idle(self) -> bool:
        """True when nothing is queued or being processed."""
        with self.lock:
            return not self.queue and not self._busy

    def _run(self):
        while True:
            with self.lock:
                while self._running and not self.queue:
                    self.lock.wait(0.1)
                if not self.queue or not (self._running or self.drain):
                    return
                batch = self.take(self.queue)
                self._busy = True
            try:
                self._process_safely(batch)
            finally:
                with self.lock:
                    self._busy = False

    def _process_safely(self, batch: list) -> None:
        try:
            self.process(batch)
        except Exception as err:  # one bad item must not take the others, or the thread, with it
            if len(batch) == 1:
                self.on_error(batch[0], err)
            else:
                for item in batch:
                    self._process_safely([item])


class WorkerBlock:
    """Mixin for a GNU Radio block whose work runs in ``self.worker``: the scheduler's start/stop drive it.

    ``idle`` lets a run-to-completion loop wait until the queue is served.
    """

    worker: BatchWorker

    def start(self):
        self.worker.start()
        return True

    def stop(self):
        self.worker.stop()
        return True

    def idle(self) -> bool:
        return self.worker.idle()
