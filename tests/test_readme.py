"""The README's promises, checked against the code."""

from __future__ import annotations

from pathlib import Path

from sieuapp.core.demo.accounts import markdown_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_demo_accounts_table_is_the_one_the_demo_creates():
    assert markdown_table() in README


def test_the_two_commands_are_the_ones_ci_runs():
    assert "uv run sieuapp demo" in README
    assert "uv run pytest" in README
    assert "uv run pytest" in (ROOT / ".ci" / "run").read_text()


def test_every_folder_in_the_map_exists():
    block = README.split("## Where things are", 1)[1].split("```")[1]
    for line in block.splitlines():
        name = line.split(" ", 1)[0].strip()
        if name:
            assert (ROOT / name).exists(), name
