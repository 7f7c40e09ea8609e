"""The README's commands run as written: every `semjscc ...` and flowgraph command line in its shell blocks
parses with the options that command really has."""

import re
import shlex
from pathlib import Path

import pytest

from semjscc.cli import build_parser

REPO = Path(__file__).resolve().parents[1]


def shell_commands() -> list:
    """The command lines of the README's ```sh blocks (continuations joined, comments dropped)."""
    text = (REPO / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def words_after(command: str, marker: str) -> list:
    words = shlex.split(command.replace("$HOME", "/home/user"))
    index = next(i for i, word in enumerate(words) if word.endswith(marker))
    words = words[index + 1:]
    return words[:words.index("&&")] if "&&" in words else words


def test_the_readme_has_commands_to_check():
    commands = shell_commands()
    assert sum(re.search(r"(^|/)semjscc ", c) is not None for c in commands) >= 8
    assert sum("gr-semjscc/" in c for c in commands) >= 4


@pytest.mark.parametrize("command", [c for c in shell_commands() if re.search(r"(^|/)semjscc ", c)])
def test_every_semjscc_command_in_the_readme_parses(command):
    build_parser().parse_args(words_after(command, "semjscc"))  # argparse exits on an unknown option


@pytest.mark.parametrize("command", [c for c in shell_commands() if "gr-semjscc/" in c and ".py" in c])
def test_every_flowgraph_command_in_the_readme_parses(command):
    from semjscc.run.flowgraphs import load_flowgraph

    name = re.search(r"gr-semjscc/(\w+)\.py", command).group(1)
    load_flowgraph(name).argument_parser().parse_args(words_after(command, f"{name}.py"))
