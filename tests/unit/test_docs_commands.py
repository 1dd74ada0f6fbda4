"""Every command line the documentation shows names a command and options that exist, and the README's set-up and
test commands are the Makefile's and CI's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer

from forceplan.cli.app import app

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

INLINE = re.compile(r"`((?:\.venv/bin/)?forceplan(?: [^`]*)?)`")
FENCE = re.compile(r"^```")


def command_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, command) for each ``forceplan ...`` in a fenced block (a line of its own, continuations
    joined) or in an inline code span; ``a && b`` gives both."""
    found: list[tuple[int, str]] = []
    fenced = False
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line, no = lines[i], i + 1
        if FENCE.match(line):
            fenced = not fenced
        elif fenced and re.match(r"(\.venv/bin/)?forceplan\b", line):
            while line.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line.rstrip()[:-1] + " " + lines[i].strip()
            found.append((no, line.split("#")[0]))
        elif not fenced:
            found += [(no, m.group(1)) for m in INLINE.finditer(line)]
        i += 1
    return [(no, " ".join(part.split())) for no, cmd in found for part in cmd.split("&&") if part.strip()]


def check(cmd: str) -> str | None:
    """What is wrong with a documented command line (an unknown command or option), else None."""
    try:
        tokens = shlex.split(cmd)
    except ValueError:
        tokens = cmd.split()
    tokens = [t for t in tokens[1:] if t not in ("…", "...")]
    node = typer.main.get_command(app)
    ctx = node.context_class(node)
    path = ["forceplan"]
    while hasattr(node, "list_commands") and tokens and not tokens[0].startswith("-"):
        name = tokens[0].split("|")[0]  # `schema forcegen|stationing|...`: a choice of words
        sub = node.get_command(ctx, name)
        if sub is None:
            return None if name.isupper() else f"{' '.join(path)} has no command {name}"  # COMMAND: a placeholder
        path.append(tokens.pop(0))
        node = sub
    options = {o for p in node.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    for t in tokens:
        flag = re.match(r"--?[A-Za-z][\w-]*", t)
        if flag and t.startswith("-") and flag.group(0) not in options:
            return f"{' '.join(path)} has no option {flag.group(0)}"
    return None


def test_command_lines_are_found() -> None:
    lines = [cmd for no, cmd in command_lines(ROOT / "README.md")]
    assert "forceplan monitor keygen --name coalition" in lines
    assert any(c.startswith("forceplan monitor checkpoint --log ceasefire-log --key") for c in lines)  # joined
    assert len(lines) >= 30


def test_check_finds_stale_commands() -> None:
    assert check("forceplan plan ukraine-2025 --out x --no-cache") is None
    assert check("forceplan monitor verify --log L --trust a=b.pub") is None
    assert check("forceplan plan ukraine-2025 --no-such-option") == "forceplan plan has no option --no-such-option"
    assert check("forceplan monitor nosuch --log L") == "forceplan monitor has no command nosuch"
    assert check("forceplan nosuchcommand x") == "forceplan has no command nosuchcommand"
    assert check("forceplan COMMAND --help") is None


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_documented_command_exists(doc: Path) -> None:
    wrong = [f"{doc.name}:{no}: {cmd!r}: {why}" for no, cmd in command_lines(doc) if (why := check(cmd))]
    assert not wrong, "\n".join(wrong)


def test_readme_setup_commands_are_the_makefiles() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    targets = re.findall(r"^make (\w+)", quick, re.M)
    assert targets == ["demo", "test"]
    for t in targets:
        assert re.search(rf"^{t}:", makefile, re.M), f"the Makefile has no target {t}"
    demo = re.search(r"^demo:.*\n\t(.+)", makefile, re.M)
    assert demo and "forceplan plan ukraine-2025 --out out/ukraine-2025" in demo.group(1)
    assert "out/ukraine-2025/report.html" in quick
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == "make test", "CI runs the README's test command"
