"""Building blocks of the neural codecs: GDN, residual blocks, SNR attention."""

import torch
from torch import nn
import torch.nn.functional as F


class GDN(nn.Module):
    """Generalised divisive normalisation (Balle et al.), or its inverse.

    y_i = x_i / sqrt(beta_i + sum_j gamma_ij x_j^2).  beta and gamma are kept
    positive by squaring a free parameter (with a small floor on beta).
    """

    def __init__(self, channels: int, inverse: bool = False, beta_min: float = 1e-6, gamma_init: float = 0.1):
        super().__init__()
        self.inverse = inverse
        self.beta_min = beta_min
        self.beta_param = nn.Parameter(torch.ones(channels))
        self.gamma_param = nn.Parameter(torch.sqrt(gamma_init * torch.eye(channels)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = x.shape[1]
        beta = self.beta_param.pow(2) + self.beta_min
        gamma = self.gamma_param.pow(2).view(channels, channels, 1, 1)
        norm = torch.sqrt(F.conv2d(x * x, gamma, beta))
        return x * norm if self.inverse else x / norm


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with PReLU and an identity shortcut."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.PReLU(channels),
            nn.Conv2d(channels, channels, 3, padding=1),
        )
        self.act = nn.PReLU(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.body(x))


class SNRAttention(nn.Module):
    """Channel-wise attention conditioned on the SNR (ADJSCC's attention feature module).

    The pooled features and the SNR feed a small MLP whose sigmoid output scales
    each feature map, so one network adapts its coding to the channel quality.
    """

    def __init__(self, channels: int, hidden: int = 32):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(channels + 1, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, channels),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        pooled = x.mean(dim=(2, 3))
        snr = (snr_db.view(-1, 1).to(x.dtype) / 20.0).expand(x.shape[0], 1)
        scale = self.mlp(torch.cat([pooled, snr], dim=1))
        return x * scale[:, :, None, None]


class GlobalContext(nn.Module):
    """Local features fused with a global view of the image through an attention gate.

    The feature map is pooled to a ``grid`` x ``grid`` set of region tokens that attend to each other
    (self-attention: which regions belong together), then every position attends to those tokens
    (cross-attention: what the rest of the image says about this spot); a sigmoid gate computed from
    the local and the global feature decides, per position and channel, how much of the global one to
    add.  Attending to pooled tokens rather than to every position keeps the cost linear in the image
    size.  The output projection starts at zero, so a decoder grown from a trained one is unchanged
    until training moves it.
    """

    def __init__(self, channels: int, grid: int = 4, heads: int = 4):
        super().__init__()
        self.grid = grid
        self.position = nn.Parameter(0.02 * torch.randn(1, channels, grid, grid))
        self.norm = nn.GroupNorm(1, channels)
        self.regions = nn.MultiheadAttention(channels, heads, batch_first=True)
        self.lookup = nn.MultiheadAttention(channels, heads, batch_first=True)
        self.gate = nn.Sequential(nn.Conv2d(2 * channels, channels, 1), nn.Sigmoid())
        self.project = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.project.weight)
        nn.init.zeros_(self.project.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        local = self.norm(x)
        tokens = (F.adaptive_avg_pool2d(local, self.grid) + self.position).flatten(2).transpose(1, 2)
        tokens = tokens + self.regions(tokens, tokens, tokens, need_weights=False)[0]
        where = F.interpolate(self.position, size=(height, width), mode="bilinear", align_corners=False)
        queries = (local + where).flatten(2).transpose(1, 2)
        context = self.lookup(queries, tokens, tokens, need_weights=False)[0]
        context = context.transpose(1, 2).reshape(batch, channels, height, width)
        return x + self.project(self.gate(torch.cat([local, context], dim=1)) * context)
