"""Helpers for the GNU Radio qa tests: a tiny codec checkpoint and message plumbing."""

import time

import numpy as np

from semjscc.codec.checkpoint import save_checkpoint
from semjscc.codec.models import build_model


def tiny_checkpoint(path, k_over_n=1 / 6):
    model = build_model({"arch": "adaptive", "k_over_n": k_over_n, "width": 8, "blocks": 1})
    save_checkpoint(path, model, {"family": "adaptive"})
    return str(path)


def wait_for(condition, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def post(block, port, msg):
    import pmt

    block.to_basic_block()._post(pmt.intern(port), msg)


def image_pdu(image_id=0, size=(32, 32), seed=0):
    from semjscc.gr.pdus import make_pdu

    image = np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)
    meta = {"image_id": image_id, "height": size[0], "width": size[1], "label": -1, "name": f"img{image_id}"}
    return make_pdu(meta, image.reshape(-1)), image


def read_rows(folder) -> list:
    """The per-image rows an image sink streamed to ``<folder>/images.jsonl``."""
    import json
    from pathlib import Path

    return [json.loads(line) for line in (Path(folder) / "images.jsonl").read_text().splitlines()]


def zmq_image_source():
    """(flowgraph, image_source on a ZeroMQ PULL socket, message debug of its images, the PUSH socket feeding it)."""
    import socket

    import zmq
    from gnuradio import blocks, gr

    from semjscc.gr import image_source

    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    push = zmq.Context.instance().socket(zmq.PUSH)
    push.bind(f"tcp://127.0.0.1:{port}")
    tb = gr.top_block()
    source = image_source(f"zmq:tcp://127.0.0.1:{port}", 0, False, 0.0, "")
    debug = blocks.message_debug()
    tb.msg_connect(source, "pdus", debug, "store")
    return tb, source, debug, push
