"""Channel taps from text, for flowgraph parameters and the command line."""


def parse_taps(text: str) -> list:
    """'1, 0.3j, 0.1+0.05j' -> [1+0j, 0.3j, (0.1+0.05j)]; Python complex literals."""
    try:
        taps = [complex(part.replace(" ", "")) for part in str(text).split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"cannot read channel taps {text!r}: use comma-separated Python complex literals") from None
    if not taps:
        raise ValueError("channel taps are empty")
    return taps
