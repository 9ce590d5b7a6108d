"""The README keeps up with the code (sqlite-utils' test_docs idea): every `parallax` command and each of
its long options appears in README.md, and its "Layout" block lists every package folder and top-level
module of parallax/ and nothing that does not exist."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from parallax.cli.main import build_parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
PACKAGE = REPO / "parallax"


def commands(parser: argparse.ArgumentParser, prefix: str = "parallax") -> dict[str, argparse.ArgumentParser]:
    """'parallax X [Y]' -> its parser, for every subcommand at any depth."""
    out = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[f"{prefix} {name}"] = sub
                out |= commands(sub, f"{prefix} {name}")
    return out


def long_options(parser: argparse.ArgumentParser) -> list[str]:
    return sorted({o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"})


COMMANDS = commands(build_parser())
OPTIONS = [pytest.param(command, option, id=f"{command} {option}")
           for command, sub in COMMANDS.items() for option in long_options(sub)]


def sections(text: str) -> dict[str, str]:
    """'## heading' (or '###') -> the text under it, up to the next heading of any level."""
    parts = re.split(r"^(#{2,3} .+)$", text, flags=re.M)
    return {heading.lstrip("# ").strip(): body for heading, body in zip(parts[1::2], parts[2::2])}


def mentions(text: str, words: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", text) is not None


def test_the_parser_has_commands():
    assert "parallax compare" in COMMANDS and len(COMMANDS) > 5


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_is_documented(command):
    assert mentions(README, command), f"README.md never shows `{command}`"


@pytest.mark.parametrize("command,option", OPTIONS)
def test_option_is_documented(command, option):
    home = [body for body in sections(README).values() if mentions(body, command)]
    if any(mentions(body, option) for body in home):
        return                          # in the command's own section: where it belongs
    assert mentions(README, option), f"README.md never mentions `{option}` of `{command}`"


# ---- Layout ------------------------------------------------------------------------------------------

def layout_paths(text: str) -> list[str]:
    """The paths the README's Layout block lists: the first word of each unindented line."""
    body = sections(text).get("Layout", "")
    block = re.search(r"^```[^\n]*\n(.*?)^```", body, flags=re.M | re.S)
    assert block, "README.md has no fenced block under '## Layout'"
    return [line.split()[0] for line in block.group(1).splitlines() if line.strip() and not line[0].isspace()]


def package_parts(package: Path) -> list[str]:
    """Every package folder below the package (any depth) that holds a module, and every top-level module,
    as README paths. (A data folder with nothing but an empty __init__.py is no package to list.)"""
    root = package.parent
    folders = [f"{p.parent.relative_to(root)}/" for p in sorted(package.rglob("__init__.py"))
               if p.parent != package and any(f.name != "__init__.py" for f in p.parent.glob("*.py"))]
    modules = [str(p.relative_to(root)) for p in sorted(package.glob("*.py")) if p.name != "__init__.py"]
    return folders + modules


LISTED = layout_paths(README)


@pytest.mark.parametrize("path", package_parts(PACKAGE))
def test_layout_lists_every_package_and_module(path):
    assert path in LISTED, f"README.md's Layout block does not list {path}"


@pytest.mark.parametrize("path", LISTED)
def test_layout_lists_only_what_exists(path):
    assert (REPO / path).exists() and not path.endswith("…"), f"README.md's Layout lists {path}, which does not exist"


def test_layout_reader_on_a_made_up_readme(tmp_path):
    text = "# X\n\n## Layout\n\n```\npkg/a.py   one\n           more words\npkg/sub/   two\n```\n\n## Next\n"
    assert layout_paths(text) == ["pkg/a.py", "pkg/sub/"]
    _ = [(tmp_path / p).mkdir(parents=True) for p in ("pkg/sub/inner", "pkg/data")]
    for name in ("pkg/__init__.py", "pkg/a.py", "pkg/b.py", "pkg/sub/__init__.py", "pkg/sub/c.py",
                 "pkg/sub/inner/__init__.py", "pkg/sub/inner/d.py", "pkg/data/__init__.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert package_parts(tmp_path / "pkg") == ["pkg/sub/", "pkg/sub/inner/", "pkg/a.py", "pkg/b.py"]
