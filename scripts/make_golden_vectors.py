#!/usr/bin/env python3
"""Regenerate the golden vectors under tests/data/ -- only on purpose, when the frame format changes.

tests/test_golden.py decodes the frozen burst with the current receiver and
checks it against what was frozen with it; a change to the preamble, header,
pilots, pulse shaping or the codec's wire format then fails loudly instead of
round-tripping through the same new code.  Frozen: a small codec (random
weights, fixed seed), two CIFAR-10 sample images sharing one frame, the
noise-free burst, its header, the JSCC symbols and the image decoded from it.
"""

import collections
import json
from pathlib import Path

import numpy as np
import torch

from semjscc.codec.checkpoint import save_checkpoint
from semjscc.codec.models import build_model
from semjscc.data import load_dataset
from semjscc.data.specs import SAMPLE_ROOT
from semjscc.data.images import write_image
from semjscc.link import Encoder, LinkProfile, Receiver, Transmitter, load_link_codec
from semjscc.link.receiver import take_same_size
from semjscc.link.transmitter import frames

OUT = Path(__file__).resolve().parents[1] / "tests" / "data"
SNR_DB = 10.0
AMPLITUDE = 0.3


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(1234)
    save_checkpoint(OUT / "golden_codec.pt", build_model({"arch": "adaptive", "k_over_n": 1 / 6, "width": 8,
                                                          "blocks": 1}), {"family": "golden-vector"})
    model = load_link_codec(OUT / "golden_codec.pt", "cpu")
    images = load_dataset("cifar10:test:2", SAMPLE_ROOT).images
    profile = LinkProfile()
    ((meta, samples),) = Transmitter(Encoder(model, SNR_DB), profile, AMPLITUDE).transmit(list(images))
    batch, symbols = Encoder(model, SNR_DB).encode([({"image_id": i}, image) for i, image in enumerate(images)])
    ((_, frame),) = frames(batch, symbols, profile)
    receiver = Receiver(model)
    ready = receiver.accept(meta.with_reception(snr_est_db=SNR_DB), symbols.reshape(-1))
    decoded = receiver.decode(take_same_size(collections.deque(ready), 16))
    samples.astype(np.complex64).tofile(OUT / "golden_burst.c64")
    symbols.reshape(-1).astype(np.complex64).tofile(OUT / "golden_symbols.c64")
    for image_meta, pixels in decoded:
        write_image(OUT / f"golden_decoded_{image_meta['image_id']}.png", pixels)
    (OUT / "golden.json").write_text(json.dumps({
        "about": "frozen by scripts/make_golden_vectors.py; see tests/test_golden.py",
        "header": meta.to_pdu(),
        "profile": profile.to_dict(), "amplitude": AMPLITUDE, "tx_snr_db": SNR_DB,
        "model_uid": model.uid, "frame_symbols": len(frame), "burst_samples": len(samples),
        "images": "cifar10:test:2 (the shipped sample)",
    }, indent=2) + "\n")
    print(f"wrote golden vectors to {OUT}")


if __name__ == "__main__":
    main()
