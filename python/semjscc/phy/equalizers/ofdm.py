"""Per-subcarrier MMSE equalisation of an OFDM resource grid from its known elements.

The block is a grid flattened row by row (OFDM symbols x used subcarriers);
the known elements tell the equaliser what it may learn from:

- fully known rows (the LTFs, a decoded header, training rows) are anchors:
  consecutive ones are averaged (each row's common phase aligned first) into
  one delay-window-smoothed estimate placed at their mean time;
- each row's channel follows the anchors in time: the weighted least-squares
  line through all of them when they fit one within their noise (a static or
  slowly drifting channel: every training row then cuts the noise of every
  row), else linear interpolation between the two around it (Doppler);
- the known elements of partly known rows (pilots) give each row's common
  phase (residual CFO, phase noise);
- the noise variance comes from the anchors' residuals, unbiased for the fit.

The output is the MMSE estimate conj(H) y / (|H|^2 + N0) of every element,
and each element's channel power relative to the frame's mean (for decoders
that read it: ``JSCCModel.csi``).
"""

import numpy as np

from semjscc.phy.equalizers.base import Equalized, Equalizer
from semjscc.phy.ofdm.estimation import common_phase, mmse, smoothing_matrix
from semjscc.phy.ofdm.numerology import OfdmConfig


def _anchor_groups(full_rows: np.ndarray) -> list:
    """Runs of consecutive fully known rows, as arrays of row indices."""
    rows = np.flatnonzero(full_rows)
    if not len(rows):
        return []
    return np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)


class OfdmMmseEqualizer(Equalizer):
    name = "ofdm-mmse"
    modes = ("ofdm",)

    def __init__(self, config: OfdmConfig = OfdmConfig(), phase_smoothing: int = 3):
        self.config = config
        self.phase_smoothing = int(phase_smoothing)

    def equalize(self, received, known_index, known, count=None) -> Equalized:
        width = len(self.config.used)
        received = np.asarray(received, dtype=np.complex128)
        if len(received) % width:
            raise ValueError(f"an OFDM block holds whole rows of {width} subcarriers, not {len(received)} values")
        grid = received.reshape(-1, width)
        values = np.zeros(grid.size, dtype=np.complex128)
        values[known_index] = known
        mask = np.zeros(grid.size, dtype=bool)
        mask[known_index] = True
        values, mask = values.reshape(grid.shape), mask.reshape(grid.shape)
        groups = _anchor_groups(mask.all(axis=1))
        if not groups:
            raise ValueError("an OFDM block needs at least one fully known row to estimate the channel")
        # Common phase first (against the first anchor), so that anchors interpolate in magnitude, not in phase.
        first = self._anchor(grid, values, groups[0])
        grid = grid * np.conj(self._row_phases(grid, np.broadcast_to(first, grid.shape), values, mask))[:, None]
        anchors, times, residual, dof = [], [], 0.0, 0.0
        for rows in groups:
            estimate = self._anchor(grid, values, rows)
            anchors.append(estimate)
            times.append(rows.mean())
            if len(rows) > 1:
                ls = grid[rows] / values[rows]
                residual += np.sum(np.abs(ls - estimate) ** 2 * np.abs(values[rows]) ** 2)
                dof += ls.size * (1 - (self.config.cp_length + 1) / (len(rows) * width))
        anchors, times = np.array(anchors), np.array(times)
        noise_var = residual / dof if dof else self._pilot_noise(grid, values, mask, anchors[0])
        noise_var = max(float(noise_var), 1e-12)
        counts = np.array([len(rows) for rows in groups])
        channel = self._tracked(anchors, times, counts, noise_var, len(grid))
        partial = mask & ~mask.all(axis=1, keepdims=True)
        channel = channel * self._row_phases(grid, channel, values, partial)[:, None]
        out = mmse(grid, channel, noise_var)
        out[mask.all(axis=1)] = (grid / channel)[mask.all(axis=1)]  # anchors: unbiased, only for display
        estimation_noise = noise_var * (self.config.cp_length + 1) / (width * max(len(g) for g in groups))
        gain = max(float(np.mean(np.abs(anchors) ** 2)) - estimation_noise, 1e-12)
        reliability = (np.abs(channel) ** 2 / np.mean(np.abs(anchors) ** 2)).reshape(-1)
        return Equalized(out.reshape(-1), float(10 * np.log10(gain / noise_var)), noise_var, gain, reliability)

    def _anchor(self, grid, values, rows) -> np.ndarray:
        """Smoothed estimate from fully known ``rows``, each row's common phase aligned to the first's."""
        ls = grid[rows] / values[rows]
        phases = np.sum(ls * np.conj(ls[0]), axis=1)
        ls = ls * np.conj(phases / np.maximum(np.abs(phases), 1e-20))[:, None]
        return smoothing_matrix(self.config) @ ls.mean(axis=0)

    def _tracked(self, anchors, times, counts, noise_var: float, rows: int) -> np.ndarray:
        """(rows, used) channel over the block.

        If the anchors lie on a straight line in time within their noise (a static or slowly drifting
        channel), the weighted least-squares line through all of them: every anchor then lowers the
        estimation noise of every row.  Otherwise (Doppler) linear interpolation between neighbours.
        """
        if len(anchors) > 2:
            design = np.stack([np.ones(len(times)), times - times.mean()], axis=1) * np.sqrt(counts)[:, None]
            coefficients, *_ = np.linalg.lstsq(design, anchors * np.sqrt(counts)[:, None], rcond=None)
            misfit = np.sum(np.abs(design @ coefficients - anchors * np.sqrt(counts)[:, None]) ** 2)
            expected = (self.config.cp_length + 1) * noise_var * (len(anchors) - 2)
            if misfit < 2 * expected + 3 * (self.config.cp_length + 1) * noise_var:
                line = np.stack([np.ones(rows), np.arange(rows) - times.mean()], axis=1)
                return line @ coefficients
        return self._interpolated(anchors, times, rows)

    @staticmethod
    def _interpolated(anchors: np.ndarray, times: np.ndarray, rows: int) -> np.ndarray:
        """(rows, used) channel: linear in time between anchors, held outside them."""
        if len(anchors) == 1:
            return np.repeat(anchors, rows, axis=0)
        position = np.clip(np.interp(np.arange(rows), times, np.arange(len(times))), 0, len(times) - 1)
        low = np.minimum(np.floor(position).astype(int), len(times) - 2)
        weight = (position - low)[:, None]
        return (1 - weight) * anchors[low] + weight * anchors[low + 1]

    def _row_phases(self, grid, channel, values, known) -> np.ndarray:
        """Each row's common phase from its known elements (pilots smoothed over neighbouring rows)."""
        full = known.all(axis=1)
        phases = np.ones(len(grid), dtype=np.complex128)
        if full.any():
            phases[full] = common_phase(grid[full], channel[full], values[full], 0)
        partial = np.flatnonzero(known.any(axis=1) & ~full)
        if len(partial):
            columns = self.config.pilot_index
            phases[partial] = common_phase(grid[partial][:, columns], channel[partial][:, columns],
                                           values[partial][:, columns], self.phase_smoothing)
        return phases

    @staticmethod
    def _pilot_noise(grid, values, mask, channel) -> float:
        """Noise from known elements when no anchor has two rows (a coarse fallback)."""
        return float(np.mean(np.abs(grid[mask] - (channel[None, :] * values)[mask]) ** 2))
