"""Fewer glibc malloc arenas in a GNU Radio process, so a large image's memory goes back when it is freed.

glibc gives threads their own malloc arenas (up to 8 per core) and returns little of an arena's free space
to the system.  A flowgraph's block threads each handle image-sized buffers (a 4K photograph's symbols,
frames and bursts): with the default, about 450 MB of one 3840x2160 image stayed resident after use.
Two arenas keep the peak near what is alive.  ``MALLOC_ARENA_MAX`` in the environment wins.
"""

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """True when the limit was set (glibc only; elsewhere the allocator is left as it is)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        return bool(_libc().mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def release_free_memory() -> bool:
    """Hand the allocator's free pages back to the system (glibc's ``malloc_trim``): after a flowgraph that
    carried a large image, before the next large job in the same process."""
    try:
        return bool(_libc().malloc_trim(0))
    except (OSError, AttributeError):
        return False


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
