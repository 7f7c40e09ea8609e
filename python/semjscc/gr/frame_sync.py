"""Frame synchroniser block: received stream in -> synced frame PDUs out.

Detection, timing, CFO and the header decode happen in the profile's
synchroniser (:class:`semjscc.phy.sync.FrameSynchronizer` on the matched
filter's output, or :class:`semjscc.phy.ofdm.sync.OfdmSynchronizer`); this block
feeds it the stream and publishes what it finds.  A header that fails its CRC
drops the frame and counts it; nothing here can stop the flowgraph.  When the
stream carries UHD's ``rx_time``/``rx_rate`` tags, each frame's metadata gets
its arrival time on the radio's clock (``rx_time``, seconds).

While the flowgraph runs, BLAS is held to one thread: the synchroniser's
linear algebra is small (a 10-tap equaliser fit per frame), and BLAS worker
threads would only compete with the flowgraph's own (measured: 5x slower
synchronisation on a busy 2-core CPU).  The limit is lifted when it stops.
"""

import numpy as np
import pmt
from gnuradio import gr
from threadpoolctl import threadpool_limits

from semjscc.gr.accounting import DropCounter
from semjscc.gr.pdus import make_pdu, make_stats_pdu, time_tag_seconds
from semjscc.link.profile import LinkProfile
from semjscc.link.receiver import synced_frame
from semjscc.link.timing import SampleClock

RX_TIME, RX_RATE = pmt.intern("rx_time"), pmt.intern("rx_rate")


class frame_sync(gr.sync_block):
    def __init__(self, profile=LinkProfile(), threshold=0.3):
        gr.sync_block.__init__(self, name="semjscc_frame_sync", in_sig=[np.complex64], out_sig=None)
        self.profile = profile
        self.sync = profile.air.synchronizer(float(threshold))
        self.samples = 0
        self.clock = SampleClock()
        self.dropped = DropCounter(self.logger)
        self._blas_limit = None
        self.message_port_register_out(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("stats"))

    def set_threshold(self, threshold):
        self.sync.detect_threshold = float(threshold)

    def start(self):
        self._blas_limit = threadpool_limits(limits=1, user_api="blas")
        return True

    def stop(self):
        if self._blas_limit is not None:
            self._blas_limit.restore_original_limits()
            self._blas_limit = None
        return True

    def counters(self) -> dict:
        stats = self.sync.stats
        return {"frames_detected": stats.detected, "frames_synced": stats.decoded,
                "dropped": dict(stats.dropped), "samples": self.samples,
                "ignored": self.dropped.as_dict()}  # stream tags it could not read: no frame lost

    def _read_time_tags(self, count: int) -> None:
        start = self.nitems_read(0)
        for tag in self.get_tags_in_range(0, start, start + count, RX_RATE):
            self.clock.mark_rate(pmt.to_double(tag.value) if pmt.is_real(tag.value) else -1.0)
        for tag in self.get_tags_in_range(0, start, start + count, RX_TIME):
            try:
                self.clock.mark_time(tag.offset, *time_tag_seconds(tag.value))
            except ValueError as err:
                self.dropped.drop("malformed_time_tag", err)

    def work(self, input_items, output_items):
        samples = input_items[0]
        before = (self.sync.stats.detected, sum(self.sync.stats.dropped.values()))
        self._read_time_tags(len(samples))
        frames = self.sync.push(samples)
        self.samples += len(samples)
        for frame in frames:
            meta, payload = synced_frame(frame)
            arrival = self.clock.time_of(frame.start)
            if arrival is not None:
                meta = meta.with_reception(rx_time=arrival)
            self.message_port_pub(pmt.intern("pdus"), make_pdu(meta.to_pdu(), payload))
        if frames or before != (self.sync.stats.detected, sum(self.sync.stats.dropped.values())):
            self.message_port_pub(pmt.intern("stats"), make_stats_pdu({"frame_sync": self.counters()}))
        return len(samples)
