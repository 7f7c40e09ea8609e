"""``from gnuradio import semjscc``: the GNU Radio face of gr-semjscc.

CMake installs this file as ``gnuradio/semjscc/__init__.py``; the blocks
themselves live in the ``semjscc.gr`` package.
"""

import semjscc.gr as _blocks
from semjscc.gr import *  # noqa: F401,F403  (re-export every block)
from semjscc.gr import __all__  # noqa: F401


def __getattr__(name):
    """Blocks loaded on first use (the Qt display) come from ``semjscc.gr`` too."""
    return getattr(_blocks, name)
