"""Distances between sets of images in a classifier's feature space: KID and the Frechet distance.

The standard FID/KID use an ImageNet Inception network, whose weights cannot be downloaded here; these
take the features of a CIFAR-10 classifier instead (its last convolutional stage, averaged over
positions).  The numbers are comparable with each other, not with published FID/KID values.  KID
(Binkowski et al. 2018: squared MMD with the cubic polynomial kernel, unbiased, averaged over random
subsets) has no bias from the number of images, so it is the headline figure; the Frechet distance
(a Gaussian fit of each set) is reported beside it.
"""

import torch


@torch.no_grad()
def classifier_features(net, images: torch.Tensor) -> torch.Tensor:
    """(batch, channels): the classifier's last convolutional stage, averaged over positions."""
    return net.features(images)[net.layers[-1]].float().mean(dim=(2, 3))


def _cubic_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (x @ y.T / x.shape[1] + 1) ** 3


def kernel_distance(real: torch.Tensor, fake: torch.Tensor, subsets: int = 50, subset_size: int = 500,
                    seed: int = 0) -> float:
    """KID: the unbiased squared MMD between ``real`` and ``fake`` features (rows), averaged over subsets."""
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise ValueError("a kernel distance needs at least two images on each side")
    generator = torch.Generator().manual_seed(seed)
    real, fake = real.double(), fake.double()
    total = 0.0
    for _ in range(subsets):
        x = real[torch.randperm(len(real), generator=generator)[:size]]
        y = fake[torch.randperm(len(fake), generator=generator)[:size]]
        kxx, kyy, kxy = _cubic_kernel(x, x), _cubic_kernel(y, y), _cubic_kernel(x, y)
        within = (kxx.sum() - kxx.diagonal().sum() + kyy.sum() - kyy.diagonal().sum()) / (size * (size - 1))
        total += float(within - 2 * kxy.mean())
    return total / subsets


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2)) of Gaussian fits to the two feature sets."""
    real, fake = real.double(), fake.double()
    mean_r, mean_f = real.mean(dim=0), fake.mean(dim=0)
    cov_r, cov_f = torch.cov(real.T), torch.cov(fake.T)
    values, vectors = torch.linalg.eigh(cov_r)
    root_r = vectors @ torch.diag(values.clamp_min(0).sqrt()) @ vectors.T
    cross = torch.linalg.eigvalsh(root_r @ cov_f @ root_r).clamp_min(0).sqrt().sum()
    return float((mean_r - mean_f).pow(2).sum() + cov_r.trace() + cov_f.trace() - 2 * cross)
