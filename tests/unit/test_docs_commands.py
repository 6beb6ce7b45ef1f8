"""Every `helpline-bot ...` and `helpline-admin ...` line in the README and docs/ names a real
command and real options: an operator without a developer follows them literally."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator

import pytest

from bot.cli import _parser
from bot.config import REPO_ROOT

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
PROGRAMS = ("helpline-bot", "helpline-admin")
ADMIN_OWN = {"unlock", "lock"}  # deploy/helpline-admin's own words; the rest go to helpline-bot
STOP = {"|", "||", "&&", ";", "#", ">", "2>&1", "<"}
SPAN = re.compile(r"`([^`\n]+)`")


def _snippets(text: str) -> Iterator[str]:
    """Inline code spans and the lines of fenced code blocks."""
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            yield line
        else:
            yield from SPAN.findall(line)


def documented() -> Iterator[tuple[str, list[str]]]:
    """(where, the words after the program name) for every documented command line."""
    for path in DOCS:
        for snippet in _snippets(path.read_text(encoding="utf-8")):
            for program in PROGRAMS:
                for match in re.finditer(rf"(?:^\s*|sudo\s+|\$\s+|/){program}\s+(\S.*)", snippet):
                    line = match.group(1).split("$(", 1)[0]  # a shell substitution: not ours
                    try:
                        words = shlex.split(line, comments=True)
                    except ValueError:
                        words = line.split()
                    where = f"{path.relative_to(REPO_ROOT)}: {snippet.strip()}"
                    if program == "helpline-admin" and words[:1] and words[0] in ADMIN_OWN:
                        continue
                    yield where, words


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


def problems(words: list[str]) -> list[str]:
    """What in `words` the real parser does not know: a command, or an option of it."""
    parser, found = _parser(), []
    rest = list(words)
    while (choices := _subcommands(parser)) and rest:
        word = rest.pop(0)
        if word not in choices:
            return [f"no command {word!r}"] if re.fullmatch(r"[a-z][a-z-]*", word) else []
        parser = choices[word]
    for word in rest:
        if word in STOP or word.startswith("$("):
            break
        flag = word.strip("[]()").split("=", 1)[0]
        if re.fullmatch(r"--?[a-z][a-z-]*", flag) and flag not in _options(parser):
            found.append(f"{parser.prog} has no option {flag}")
    return found


def test_the_docs_show_command_lines() -> None:
    assert sum(1 for _ in documented()) > 50


def test_a_wrong_command_or_option_is_found() -> None:
    assert problems(["restore", "b1", "--key", "k"]) == []
    assert problems(["restore", "b1", "--keyfile", "k"]) == [
        "helpline-bot restore has no option --keyfile"
    ]
    assert problems(["keys", "backup", "--out", "f"]) == ["no command 'backup'"]


@pytest.mark.parametrize(("where", "words"), list(documented()))
def test_every_documented_command_is_real(where: str, words: list[str]) -> None:
    assert problems(words) == [], where


UNIT = re.compile(r"(?:systemctl \w[\w-]* (?:--\S+ )*|journalctl -u )([a-z][\w@.-]*)")


def test_every_documented_service_name_is_the_installed_unit() -> None:
    units = {path.stem for path in (REPO_ROOT / "deploy").glob("*.service")}
    wrong = [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path in DOCS
        for name in UNIT.findall(path.read_text(encoding="utf-8"))
        if name.removesuffix(".service") not in units
    ]
    assert wrong == []
