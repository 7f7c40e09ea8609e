"""Deep JSCC encoder/decoder pairs.

Both families map an image (batch, 3, H, W) in [0, 1] to ``k`` complex
symbols of average power 1 and back.  They are fully convolutional, so any
H and W that are multiples of 4 work (CIFAR-10 32x32, Kodak 768x512).
"""

from typing import Iterator

import torch
from torch import nn

from semjscc.codec.bandwidth import check_image_size, latent_channels, DOWNSAMPLE
from semjscc.codec.layers import GDN, GlobalContext, ResidualBlock, SNRAttention
from semjscc.codec.power import normalize_power
from semjscc.codec.rate import check_depth, concept_grid, latent_mask, symbols_sent, uniform_depth
from semjscc.codec.tiling import from_tile_major, is_tiled, network_tiles, run_network
from semjscc.store.checkpoint import check_bounds


def latent_to_symbols(latent: torch.Tensor) -> torch.Tensor:
    """(batch, c, h, w) real -> (batch, c*h*w/2) complex, pairing consecutive values."""
    flat = latent.reshape(latent.shape[0], -1, 2).contiguous()
    return torch.view_as_complex(flat)


def symbols_to_latent(symbols: torch.Tensor, channels: int, height: int, width: int) -> torch.Tensor:
    real = torch.view_as_real(symbols.contiguous())
    return real.reshape(symbols.shape[0], channels, height, width)


def values_to_latent(values: torch.Tensor, channels: int, height: int, width: int) -> torch.Tensor:
    """(batch, values) real in air order -> (batch, c, h, w): tile by tile for a tiled image (``codec.tiling``)."""
    if is_tiled(height, width):
        return from_tile_major(values, channels, height, width)
    return values.reshape(values.shape[0], channels, height, width)


def _snr_tensor(snr_db, batch: int, device) -> torch.Tensor:
    snr = torch.as_tensor(snr_db, dtype=torch.float32, device=device)
    return snr.expand(batch) if snr.dim() == 0 else snr


class JSCCModel(nn.Module):
    """Common interface: ``encode`` -> complex symbols, ``decode`` -> image.

    A decoder with ``csi`` also reads each symbol's channel gain relative to
    the frame's (``reliability``: 1 on a flat channel; on OFDM the power of
    the symbol's subcarrier over the mean), so it can trust faded symbols less.
    """

    arch = "abstract"
    csi = False
    allocates = False  # sends a per-image allocation (depth map) with its symbols: RateAdaptiveJSCC
    streams_tiles = True  # a tiled image's symbols go on the air tile by tile (``decode_tile_rows``)
    flags = 0  # the header's flags: analog symbols

    def __init__(self, k_over_n: float):
        super().__init__()
        self.k_over_n = k_over_n
        self.latent_channels = latent_channels(k_over_n)

    def encode(self, images: torch.Tensor, snr_db=10.0) -> torch.Tensor:
        """Unit-power symbols in air order (a tiled image's tile by tile: ``codec.tiling``)."""
        check_image_size(images.shape[-2], images.shape[-1])
        if is_tiled(images.shape[-2] // DOWNSAMPLE, images.shape[-1] // DOWNSAMPLE):
            return torch.cat(list(self.encode_tiles(images, snr_db)), dim=1)
        snr = _snr_tensor(snr_db, images.shape[0], images.device)
        return normalize_power(latent_to_symbols(self.encoder_net(images, snr)))

    def encode_tiles(self, images: torch.Tensor, snr_db=10.0) -> Iterator[torch.Tensor]:
        """A tiled image's symbols one tile at a time in air order, each tile at unit power on its own, so a
        transmitter sends a tile's frames while the next one is being encoded (``codec.tiling``)."""
        check_image_size(images.shape[-2], images.shape[-1])
        snr = _snr_tensor(snr_db, images.shape[0], images.device)
        for _, latent in network_tiles(self.encoder_net, images, snr, DOWNSAMPLE):
            yield normalize_power(latent_to_symbols(latent))

    def decoder_input(self, symbols: torch.Tensor, image_size, reliability=None) -> torch.Tensor:
        """What the decoder network reads: the latent (and with ``csi`` the gains) back in the image's layout."""
        height, width = image_size[0] // DOWNSAMPLE, image_size[1] // DOWNSAMPLE
        latent = values_to_latent(torch.view_as_real(symbols.contiguous()).reshape(symbols.shape[0], -1),
                                  self.latent_channels, height, width)
        if self.csi:
            gains = torch.ones(symbols.shape, device=symbols.device) if reliability is None else reliability
            gains = gains.to(latent.dtype).reshape(symbols.shape).repeat_interleave(2, dim=1)
            latent = torch.cat([latent, values_to_latent(gains, self.latent_channels, height, width)], dim=1)
        return latent

    def decode(self, symbols: torch.Tensor, image_size, snr_db=10.0, reliability=None) -> torch.Tensor:
        snr = _snr_tensor(snr_db, symbols.shape[0], symbols.device)
        return run_network(self.decoder_net, self.decoder_input(symbols, image_size, reliability), snr, 1)

    def decode_tile_rows(self, symbols: torch.Tensor, image_size, tile_rows: range, snr_db=10.0,
                         reliability=None) -> torch.Tensor:
        """The band of image rows that the rows of tiles ``tile_rows`` of a tiled image cover, decoded from
        full-length symbols of which only those the band and its halo need must have arrived (a receiver shows
        the top of a photograph while the rest is still on the air); equal to those rows of ``decode``."""
        snr = _snr_tensor(snr_db, symbols.shape[0], symbols.device)
        tiles = list(network_tiles(self.decoder_net, self.decoder_input(symbols, image_size, reliability), snr, 1,
                                   tile_rows))
        band_rows = [[pixels for (top, *_), pixels in tiles if top == row_top]
                     for row_top in sorted({box[0] for box, _ in tiles})]
        return torch.cat([torch.cat(row, dim=-1) for row in band_rows], dim=-2)

    def decode_images(self, symbols: torch.Tensor, image_size, snr_db=10.0, reliability=None) -> tuple:
        """(images, the reason each one is lost or None): an analog decoder always makes an image."""
        return self.decode(symbols, image_size, snr_db, reliability), [None] * symbols.shape[0]

    def forward(self, images: torch.Tensor, channel, snr_db) -> torch.Tensor:
        symbols = self.encode(images, snr_db)
        received = channel(symbols, snr_db)
        received, reliability = received if isinstance(received, tuple) else (received, None)
        return self.decode(received, images.shape[-2:], snr_db, reliability)

    def config(self) -> dict:
        return {"arch": self.arch, "k_over_n": self.k_over_n}


class _BaselineEncoder(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 5, stride=2, padding=2), nn.PReLU(),
            nn.Conv2d(16, 32, 5, stride=2, padding=2), nn.PReLU(),
            nn.Conv2d(32, 32, 5, padding=2), nn.PReLU(),
            nn.Conv2d(32, 32, 5, padding=2), nn.PReLU(),
            nn.Conv2d(32, c, 5, padding=2), nn.PReLU(),
        )

    def forward(self, x, snr):
        return self.net(x)


class _BaselineDecoder(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(c, 32, 5, padding=2), nn.PReLU(),
            nn.ConvTranspose2d(32, 32, 5, padding=2), nn.PReLU(),
            nn.ConvTranspose2d(32, 32, 5, padding=2), nn.PReLU(),
            nn.ConvTranspose2d(32, 16, 5, stride=2, padding=2, output_padding=1), nn.PReLU(),
            nn.ConvTranspose2d(16, 3, 5, stride=2, padding=2, output_padding=1), nn.Sigmoid(),
        )

    def forward(self, z, snr):
        return self.net(z)


class BaselineJSCC(JSCCModel):
    """The original deep JSCC (Bourtsoulatze, Kurka, Gunduz 2019): conv 16/32/32/32/c, PReLU, sigmoid.

    It ignores the SNR: the paper trains one model per channel SNR.
    """

    arch = "baseline"

    def __init__(self, k_over_n: float):
        super().__init__(k_over_n)
        self.encoder_net = _BaselineEncoder(self.latent_channels)
        self.decoder_net = _BaselineDecoder(self.latent_channels)


class _AdaptiveEncoder(nn.Module):
    def __init__(self, width: int, c: int, blocks: int):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 5, stride=2, padding=2), GDN(width))
        self.stage1 = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)])
        self.att1 = SNRAttention(width)
        self.down = nn.Sequential(nn.Conv2d(width, width, 3, stride=2, padding=1), GDN(width))
        self.stage2 = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)])
        self.att2 = SNRAttention(width)
        self.head = nn.Conv2d(width, c, 3, padding=1)

    def forward(self, x, snr):
        x = self.att1(self.stage1(self.stem(x)), snr)
        x = self.att2(self.stage2(self.down(x)), snr)
        return self.head(x)


class _AdaptiveDecoder(nn.Module):
    def __init__(self, width: int, inputs: int, blocks: int):
        super().__init__()
        self.head = nn.Sequential(nn.Conv2d(inputs, width, 3, padding=1), GDN(width, inverse=True))
        self.stage2 = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)])
        self.att2 = SNRAttention(width)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(width, width, 3, stride=2, padding=1, output_padding=1), GDN(width, inverse=True)
        )
        self.stage1 = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)])
        self.att1 = SNRAttention(width)
        self.out = nn.Sequential(
            nn.ConvTranspose2d(width, 3, 5, stride=2, padding=2, output_padding=1), nn.Sigmoid()
        )

    def forward(self, z, snr):
        x = self.att2(self.stage2(self.head(z)), snr)
        x = self.att1(self.stage1(self.up(x)), snr)
        return self.out(x)


class AdaptiveJSCC(JSCCModel):
    """The project's main codec: GDN + residual stages + SNR attention (ADJSCC-style).

    One model serves the whole SNR range it was trained on; the decoder is
    given the (estimated) SNR, the encoder the SNR fed back or planned for.
    """

    arch = "adaptive"

    def __init__(self, k_over_n: float, width: int = 64, blocks: int = 1, csi: bool = False):
        super().__init__(k_over_n)
        self.width = width
        self.blocks = blocks
        self.csi = bool(csi)
        self.encoder_net = _AdaptiveEncoder(width, self.latent_channels, blocks)
        self.decoder_net = _AdaptiveDecoder(width, self.decoder_inputs(), blocks)

    def decoder_inputs(self) -> int:
        """Maps the decoder's head reads: the latent, and with ``csi`` the per-value channel gains."""
        return 2 * self.latent_channels if self.csi else self.latent_channels

    def config(self) -> dict:
        config = {**super().config(), "width": self.width, "blocks": self.blocks}
        return {**config, "csi": True} if self.csi else config


class RateAdaptiveJSCC(AdaptiveJSCC):
    """The main codec at many rates: nested latent groups sent per concept (``codec.rate``).

    The encoder is the same for every budget (a shorter allocation is a prefix of a longer one);
    the unsent values are zero and the sent ones have average power 1.  The decoder reads the
    masked latent plus one map of the sent depth, so it knows what is missing where.
    """

    arch = "rate-adaptive"
    allocates = True
    streams_tiles = False  # its symbols follow the concepts' maps

    def __init__(self, k_over_n: float, width: int = 64, blocks: int = 1, groups: int = 4, region: int = 2):
        self.groups = groups
        self.region = region
        super().__init__(k_over_n, width=width, blocks=blocks)
        if self.latent_channels % groups:
            raise ValueError(f"{self.latent_channels} latent channels cannot be split into {groups} equal groups")
        if region % 2:
            raise ValueError(f"a concept spans an even number of latent pixels (a symbol pairs two), not {region}")

    def concepts(self, height: int, width: int) -> tuple:
        """(rows, columns) of concepts of an image of ``height`` x ``width`` (padded) pixels."""
        return concept_grid(height, width, self.region)

    def symbol_mask(self, depth: torch.Tensor) -> torch.Tensor:
        """(batch, symbols) bool: which of the full-length symbols a depth map sends."""
        return self.mask(depth)[..., ::2].reshape(depth.shape[0], -1).bool()

    def symbols_sent(self, depth: torch.Tensor) -> torch.Tensor:
        return symbols_sent(depth, self.latent_channels, self.groups, self.region)

    def decoder_inputs(self) -> int:
        return self.latent_channels + 1

    def full_depth(self, batch: int, height: int, width: int, device="cpu") -> torch.Tensor:
        return uniform_depth(batch, height, width, self.region, self.groups, device)

    def mask(self, depth: torch.Tensor) -> torch.Tensor:
        return latent_mask(depth, self.latent_channels, self.groups, self.region)

    def encode(self, images: torch.Tensor, snr_db=10.0, depth=None) -> torch.Tensor:
        """Full-length symbols, zero where the depth map sends nothing, power 1 over the sent ones."""
        height, width = images.shape[-2:]
        check_image_size(height, width)
        depth = self.full_depth(images.shape[0], height, width, images.device) if depth is None else depth
        check_depth(depth, self.groups, concept_grid(height, width, self.region))
        snr = _snr_tensor(snr_db, images.shape[0], images.device)
        return self.symbols_from_latent(run_network(self.encoder_net, images, snr, DOWNSAMPLE), depth)

    def symbols_from_latent(self, latent: torch.Tensor, depth: torch.Tensor) -> torch.Tensor:
        """What ``encode`` sends for an encoder output: one encoder pass serves every allocation of an image."""
        symbols = latent_to_symbols(latent * self.mask(depth).to(latent.dtype))
        sent = self.symbols_sent(depth).clamp_min(1)
        power = symbols.abs().pow(2).sum(dim=-1, keepdim=True) / sent[:, None]
        return symbols / torch.sqrt(power + 1e-12)

    def decode(self, symbols: torch.Tensor, image_size, snr_db=10.0, reliability=None, depth=None) -> torch.Tensor:
        height, width = image_size
        depth = self.full_depth(symbols.shape[0], height, width, symbols.device) if depth is None else depth
        check_depth(depth, self.groups, concept_grid(height, width, self.region))
        mask = self.mask(depth)
        latent = symbols_to_latent(symbols, self.latent_channels, height // DOWNSAMPLE, width // DOWNSAMPLE)
        mask = mask.to(latent.dtype)
        fraction = (depth.to(latent.dtype) / self.groups)[:, None]
        fraction = fraction.repeat_interleave(self.region, dim=2).repeat_interleave(self.region, dim=3)
        snr = _snr_tensor(snr_db, symbols.shape[0], symbols.device)
        return run_network(self.decoder_net, torch.cat([latent * mask, fraction], dim=1), snr, 1)

    def decode_images(self, symbols: torch.Tensor, image_size, snr_db=10.0, reliability=None, depth=None) -> tuple:
        return self.decode(symbols, image_size, snr_db, depth=depth), [None] * symbols.shape[0]

    def forward(self, images: torch.Tensor, channel, snr_db, depth=None) -> torch.Tensor:
        """Encode, send, decode.  A stack of depth maps (allocations, batch, rows, columns) sends one encoder
        pass under each allocation and returns the decoded images stacked the same way (training every budget
        on the same images costs one encoder pass, not one per budget)."""
        if depth is None or depth.dim() == 3:
            return self._send(self.encode(images, snr_db, depth), images.shape[-2:], channel, snr_db, depth)
        snr = _snr_tensor(snr_db, images.shape[0], images.device)
        latent = run_network(self.encoder_net, images, snr, DOWNSAMPLE)
        return torch.stack([self._send(self.symbols_from_latent(latent, allocation), images.shape[-2:], channel,
                                       snr_db, allocation) for allocation in depth])

    def _send(self, symbols: torch.Tensor, image_size, channel, snr_db, depth) -> torch.Tensor:
        received = channel(symbols, snr_db)
        received = received[0] if isinstance(received, tuple) else received
        return self.decode(received, image_size, snr_db, depth=depth)

    def config(self) -> dict:
        return {**super().config(), "groups": self.groups, "region": self.region}


class _GenerativeDecoder(_AdaptiveDecoder):
    """The main decoder with a global-context attention module after each stage."""

    def __init__(self, width: int, inputs: int, blocks: int, grid: int, heads: int):
        super().__init__(width, inputs, blocks)
        self.context2 = GlobalContext(width, grid, heads)
        self.context1 = GlobalContext(width, grid, heads)

    def forward(self, z, snr):
        x = self.context2(self.att2(self.stage2(self.head(z)), snr))
        x = self.context1(self.att1(self.stage1(self.up(x)), snr))
        return self.out(x)


class GenerativeJSCC(AdaptiveJSCC):
    """A main codec whose decoder was trained as a GAN generator (``train.gan``) for perceptual quality.

    The encoder is a frozen copy of a shipped main codec's, so every transmitter of that codec can
    be received with this decoder; the decoder adds attention modules that fuse local features with
    the image's global context (``layers.GlobalContext``).
    """

    arch = "adaptive-gan"

    def __init__(self, k_over_n: float, width: int = 64, blocks: int = 1, csi: bool = False, grid: int = 4,
                 heads: int = 4):
        super().__init__(k_over_n, width=width, blocks=blocks, csi=csi)
        if width % heads:
            raise ValueError(f"{heads} attention heads do not divide width {width}")
        self.grid, self.heads = grid, heads
        self.decoder_net = _GenerativeDecoder(width, self.decoder_inputs(), blocks, grid, heads)

    def config(self) -> dict:
        return {**super().config(), "grid": self.grid, "heads": self.heads}


ARCHITECTURES = {"baseline": BaselineJSCC, "adaptive": AdaptiveJSCC, "rate-adaptive": RateAdaptiveJSCC,
                 "adaptive-gan": GenerativeJSCC}


CONFIG_BOUNDS = {"width": (1, 1024), "blocks": (0, 16), "groups": (1, 64), "region": (1, 64), "grid": (1, 32),
                 "heads": (1, 64)}


def build_model(config: dict) -> JSCCModel:
    """Instantiate a codec from its JSON config (the ``model`` entry of a checkpoint); sizes outside sane
    bounds are refused before anything is allocated."""
    config = dict(config)
    arch = config.pop("arch", None)
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown model architecture {arch!r}; known: {sorted(ARCHITECTURES)}")
    check_bounds(config, CONFIG_BOUNDS)
    latent_channels(float(config.get("k_over_n", 0)))  # a bandwidth ratio no codec here realises fails here
    return ARCHITECTURES[arch](**config)
