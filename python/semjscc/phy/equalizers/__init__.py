"""Equalisers behind one interface (:class:`Equalizer`), chosen by name.

- ``pilot-ls``: one tap per symbol from smoothed LS estimates at the pilots (the payload stage);
- ``fse``: a T/2 fractionally spaced LS equaliser, optionally with taps drifting linearly over
  the block (the synchroniser's stage: fractional timing, multipath, sample-clock drift);
- ``ofdm-mmse``: per-subcarrier MMSE over an OFDM resource grid (the OFDM payload stage).

``modes`` says which link modes may use an equaliser for their payload.

A new equaliser: a module here with a subclass of :class:`Equalizer`, and its line below.
"""

from semjscc.phy.equalizers.base import Equalized, Equalizer
from semjscc.phy.equalizers.fse import FractionallySpacedEqualizer
from semjscc.phy.equalizers.ofdm import OfdmMmseEqualizer
from semjscc.phy.equalizers.pilot import PilotEqualizer, equalize_pilots

EQUALIZERS = {cls.name: cls for cls in (PilotEqualizer, FractionallySpacedEqualizer, OfdmMmseEqualizer)}


def make_equalizer(name: str, **options) -> Equalizer:
    """The equaliser registered as ``name``, built with ``options``."""
    if name not in EQUALIZERS:
        raise ValueError(f"unknown equaliser {name!r}; known: {', '.join(sorted(EQUALIZERS))}")
    return EQUALIZERS[name](**options)


__all__ = ["Equalized", "Equalizer", "EQUALIZERS", "FractionallySpacedEqualizer", "OfdmMmseEqualizer", "PilotEqualizer",
           "equalize_pilots", "make_equalizer"]
