"""Grow a trained main codec into a wider and/or deeper one that computes exactly the same function.

Training a wide model from scratch costs many epochs on a CPU; growing the shipped one lets the extra
capacity start where the trained model stands.  New channels read from the old ones through fresh
random weights, but nothing old reads from a new channel (those weights start at zero), so the old
channels and the output are unchanged until training moves the zeros; gradients reach them at once
because the new channels' activations are not zero.  New residual blocks start as the identity.
"""

import torch
from torch import nn

from semjscc.codec.layers import GDN, ResidualBlock, SNRAttention
from semjscc.codec.models import AdaptiveJSCC, GenerativeJSCC, RateAdaptiveJSCC


def grow_model(old: AdaptiveJSCC, width: int, blocks: int, seed: int = 0, csi: bool = False) -> AdaptiveJSCC:
    """A copy of ``old`` with ``width`` channels and ``blocks`` residual blocks per stage (never fewer);
    ``csi`` adds the decoder's per-symbol channel-gain input (read through zero weights at first)."""
    if not isinstance(old, AdaptiveJSCC):
        raise ValueError(f"only the adaptive codec can grow, not {old.arch!r}")
    if width < old.width or blocks < old.blocks:
        raise ValueError(f"cannot shrink a codec: it has width {old.width} and {old.blocks} block(s), "
                         f"asked for width {width} and {blocks}")
    torch.manual_seed(seed)
    new = AdaptiveJSCC(old.k_over_n, width=width, blocks=blocks, csi=csi or old.csi)
    old_modules = dict(old.named_modules())
    with torch.no_grad():
        for name, module in new.named_modules():
            if isinstance(module, ResidualBlock) and name not in old_modules:
                _make_identity(module)
            elif name in old_modules:
                _transfer(old_modules[name], module)
    return new


def _transfer(old: nn.Module, new: nn.Module) -> None:
    if isinstance(new, nn.Conv2d):
        _copy_io(old.weight, new.weight, out_dim=0, in_dim=1)
    elif isinstance(new, nn.ConvTranspose2d):
        _copy_io(old.weight, new.weight, out_dim=1, in_dim=0)
    elif isinstance(new, GDN):
        new.beta_param[: old.beta_param.numel()] = old.beta_param
        _copy_io(old.gamma_param, new.gamma_param, out_dim=0, in_dim=1)
    elif isinstance(new, nn.PReLU):
        new.weight[: old.weight.numel()] = old.weight
    elif isinstance(new, SNRAttention):
        _transfer_attention(old, new)
    else:
        return
    if isinstance(new, (nn.Conv2d, nn.ConvTranspose2d)) and new.bias is not None:
        new.bias[: old.bias.numel()] = old.bias


def _copy_io(old: torch.Tensor, new: torch.Tensor, out_dim: int, in_dim: int) -> None:
    """Old weights in the leading corner; zero from new inputs into old outputs."""
    n_out, n_in = old.shape[out_dim], old.shape[in_dim]
    corner = [slice(None)] * new.dim()
    corner[out_dim], corner[in_dim] = slice(0, n_out), slice(0, n_in)
    new[tuple(corner)] = old
    from_new = [slice(None)] * new.dim()
    from_new[out_dim], from_new[in_dim] = slice(0, n_out), slice(n_in, None)
    new[tuple(from_new)] = 0.0


def _transfer_attention(old: SNRAttention, new: SNRAttention) -> None:
    first_old, first_new = old.mlp[0], new.mlp[0]
    if first_old.out_features != first_new.out_features:
        raise ValueError("SNR attention hidden sizes differ; cannot grow")
    channels = first_old.in_features - 1
    first_new.weight.zero_()
    first_new.weight[:, :channels] = first_old.weight[:, :channels]
    first_new.weight[:, -1] = first_old.weight[:, -1]
    first_new.bias.copy_(first_old.bias)
    last_old, last_new = old.mlp[2], new.mlp[2]
    last_new.weight[:channels] = last_old.weight
    last_new.bias[:channels] = last_old.bias


def _make_identity(block: ResidualBlock) -> None:
    """body's last convolution zero and a unit PReLU slope: the block passes its input through."""
    last = block.body[-1]
    last.weight.zero_()
    last.bias.zero_()
    block.act.weight.fill_(1.0)


def with_bandwidth(old: AdaptiveJSCC, k_over_n: float, seed: int = 0) -> AdaptiveJSCC:
    """A copy of ``old`` at another bandwidth ratio: it sends the first latent channels of ``old``.

    Fewer channels start as ``old`` with its last channels unsent (an erasure the decoder then
    learns to fill); more channels start from fresh encoder weights that the decoder reads through
    zeros, so the sent part of the latent means what it meant before."""
    if type(old) is not AdaptiveJSCC:
        raise ValueError(f"only the main (adaptive) codec changes bandwidth, not {old.config()}")
    torch.manual_seed(seed)
    new = AdaptiveJSCC(k_over_n, width=old.width, blocks=old.blocks, csi=old.csi)
    state = dict(old.state_dict())
    kept = min(new.encoder_net.head.out_channels, old.encoder_net.head.out_channels)
    fresh = new.state_dict()
    for name in ("encoder_net.head.weight", "encoder_net.head.bias"):
        fresh[name][:kept] = state[name][:kept]
        state[name] = fresh[name]
    head = fresh["decoder_net.head.0.weight"]
    head.zero_()
    head[:, :kept] = state["decoder_net.head.0.weight"][:, :kept]
    state["decoder_net.head.0.weight"] = head
    new.load_state_dict(state)
    return new


def rate_adaptive_from(old: AdaptiveJSCC, groups: int, region: int) -> RateAdaptiveJSCC:
    """A rate-adaptive codec that starts from a trained main codec's weights.

    At full depth it computes what ``old`` computes: the decoder's extra input (the sent-depth map)
    is read through zero weights until training teaches it what a missing group means.
    """
    if type(old) is not AdaptiveJSCC or old.csi:
        raise ValueError(f"a rate-adaptive codec starts from a main (adaptive, no CSI) codec, not {old.config()}")
    new = RateAdaptiveJSCC(old.k_over_n, width=old.width, blocks=old.blocks, groups=groups, region=region)
    state = dict(old.state_dict())
    head = state["decoder_net.head.0.weight"]
    state["decoder_net.head.0.weight"] = torch.cat([head, torch.zeros_like(head[:, :1])], dim=1)
    new.load_state_dict(state)
    return new


def generative_from(old: AdaptiveJSCC, grid: int = 4, heads: int = 4) -> GenerativeJSCC:
    """A generative-decoder codec holding ``old``'s encoder and, to start from, its decoder.

    The global-context modules begin as the identity (zero output projection), so the new codec
    computes what ``old`` computes until its decoder is trained."""
    if type(old) is not AdaptiveJSCC:
        raise ValueError(f"a generative decoder is trained for a main (adaptive) codec, not {old.config()}")
    new = GenerativeJSCC(old.k_over_n, width=old.width, blocks=old.blocks, csi=old.csi, grid=grid, heads=heads)
    missing, unexpected = new.load_state_dict(old.state_dict(), strict=False)
    if unexpected or any(".context" not in name for name in missing):
        raise ValueError(f"cannot carry {old.config()} into a generative decoder: {unexpected or missing}")
    return new
