"""The codecs' networks compiled by OpenVINO for inference on the CPU.

OpenVINO's CPU plugin fuses each convolution with its activation and picks
kernels per layer; on an AVX2 CPU it codes one image 1.4-2.1x as fast as
PyTorch's eager kernels and a batch of 64 0.6-1.3x as fast, to float
precision (the same float32 function).  A live receiver decodes small
batches; photographs (above ``MAX_AREA``) stay on PyTorch, whose memory is
freed between calls.  Only inference: a compiled network has no gradients,
so training stays on PyTorch.  Batch size and image size stay free.
"""

import threading
import warnings

import numpy as np
import torch
from torch import nn

from semjscc.codec.bandwidth import DOWNSAMPLE

_CORE = None  # one OpenVINO runtime per process, made on first use
# Inputs larger than this many pixels per image (256x256 images, 64x64 latents) run on PyTorch: OpenVINO keeps
# its working buffers sized to the largest input it has seen (measured: about 400 MB more than PyTorch for a
# 4K photograph's tiles), and its speed-up is in the small images a live link decodes.
MAX_AREA = 256 * 256


def openvino_available() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def _core():
    global _CORE
    if _CORE is None:
        import openvino

        _CORE = openvino.Core()
    return _CORE


class CompiledNetwork(nn.Module):
    """A codec network ``(input, snr) -> output`` run by OpenVINO, called like the module it replaces.

    It is compiled at its first input of at most ``max_area`` pixels (a few seconds; about 70 MB for a
    width-128 network), so a process that only codes photographs never holds it.  One inference request
    at a time: a GNU Radio block's worker thread and the scheduler's may share it.
    """

    def __init__(self, net: nn.Module, input_channels: int, threads: int, max_area: int = MAX_AREA):
        super().__init__()
        self.eager = net.eval()  # for inputs above ``max_area`` pixels
        self.input_channels = input_channels
        self.threads = max(1, int(threads))
        self.max_area = max_area
        self.compiled = None
        self._lock = threading.Lock()

    def compile(self):
        import openvino

        example = (torch.full((2, self.input_channels, 8, 8), 0.5), torch.full((2,), 10.0))  # no RNG draw
        shapes = [openvino.PartialShape([-1, self.input_channels, -1, -1]), openvino.PartialShape([-1])]
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            # OpenVINO converts through torch.jit.trace (deprecated in torch 2.13, which still has it); the
            # tracer's notes on shape tests (attention's key/value check) hold for every input here
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            graph = openvino.convert_model(self.eager, example_input=example, input=shapes)
        self.compiled = _core().compile_model(graph, "CPU", {"INFERENCE_NUM_THREADS": self.threads,
                                                             "PERFORMANCE_HINT": "LATENCY",
                                                             "INFERENCE_PRECISION_HINT": "f32"})

    def forward(self, x: torch.Tensor, snr: torch.Tensor) -> torch.Tensor:
        if x.requires_grad:
            raise RuntimeError("an OpenVINO-compiled network has no gradients: train with the PyTorch runtime")
        if x.shape[-2] * x.shape[-1] > self.max_area:
            return self.eager(x, snr)
        inputs = [np.ascontiguousarray(x.detach().cpu().numpy(), dtype=np.float32),
                  np.ascontiguousarray(snr.detach().cpu().numpy(), dtype=np.float32).reshape(-1)]
        with self._lock:
            if self.compiled is None:
                self.compile()
            output = self.compiled(inputs)[0]
        return torch.from_numpy(output)


def compile_codec(codec, threads: int = None):
    """``codec`` with its encoder and decoder networks run by OpenVINO (in place; returned), each compiled
    at its first small input.

    ``threads``: each network's CPU threads (default: torch's intra-op count).
    """
    threads = torch.get_num_threads() if threads is None else threads
    codec.encoder_net = CompiledNetwork(codec.encoder_net, 3, threads)
    codec.decoder_net = CompiledNetwork(codec.decoder_net, _decoder_inputs(codec), threads,
                                        MAX_AREA // DOWNSAMPLE ** 2)
    return codec


def _decoder_inputs(codec) -> int:
    inputs = getattr(codec, "decoder_inputs", None)
    return inputs() if inputs is not None else codec.latent_channels
