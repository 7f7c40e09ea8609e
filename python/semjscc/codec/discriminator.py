"""The discriminator that trains generative decoders (``train.gan``); it never ships with a model."""

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


class PatchDiscriminator(nn.Module):
    """A spectral-norm PatchGAN: one real/fake score per overlapping patch (8x8 scores on a 32x32 image).

    Scoring patches rather than whole images judges texture and edges where an MSE decoder blurs, and
    spectral normalisation keeps the critic Lipschitz, which steadies hinge-loss training.  It also
    returns each stage's activations for the generator's feature-matching loss.
    """

    def __init__(self, width: int = 64):
        super().__init__()
        self.stages = nn.ModuleList([
            nn.Sequential(spectral_norm(nn.Conv2d(3, width, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)),
            nn.Sequential(spectral_norm(nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)),
            nn.Sequential(spectral_norm(nn.Conv2d(2 * width, 4 * width, 3, padding=1)), nn.LeakyReLU(0.2)),
        ])
        self.score = spectral_norm(nn.Conv2d(4 * width, 1, 3, padding=1))

    def forward(self, images: torch.Tensor) -> tuple:
        """(patch scores (batch, 1, h, w), [stage activations]) for images in [0, 1]."""
        x = images * 2 - 1
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return self.score(x), features
