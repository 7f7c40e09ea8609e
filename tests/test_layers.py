"""The house rules, checked: arrows point down, and nothing below ``semjscc.gr`` imports GNU Radio.

cli -> workflows (train, evaluate, bench, run) -> gr -> link -> codec / semantic / digital / channel
-> phy / data / store (the training channels run the radio's own numpy OFDM numerology and estimator).  A module may import its own layer or a lower one, never a higher one.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "semjscc"
LAYER = {"phy": 0, "data": 0, "store": 0, "channel": 1, "codec": 1, "semantic": 1, "digital": 1, "link": 2,
         "gr": 3, "train": 4, "evaluate": 4, "bench": 4, "run": 4, "cli": 5, "__main__": 5, "__init__": 0}
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def imported(path: Path) -> set:
    """Every module name ``path`` imports, at any depth (imports inside functions count too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def layer_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_point_down(path):
    own = LAYER[layer_of(path)]
    for name in imported(path):
        parts = name.split(".")
        if parts[0] == "semjscc" and len(parts) > 1:
            assert LAYER[parts[1]] <= own, f"{path.relative_to(PACKAGE)} imports {name} from a higher layer"
        if parts[0] in ("gnuradio", "pmt", "uhd"):
            assert own >= LAYER["gr"], f"{path.relative_to(PACKAGE)} imports {name} below the blocks"


def test_the_package_names_every_layer():
    assert {layer_of(path) for path in MODULES} <= set(LAYER)
