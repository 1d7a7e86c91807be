"""The main path of the long lessons stays short; the rest waits in "Going deeper" cells (issue 21).

A "Going deeper" block is optional reading for the curious and for teachers. It is:

1. a markdown cell that is only a heading, ``### Going deeper (optional): ...`` (in the Chinese
   lessons ``### 深入一点（选读）：...``), tagged ``going-deeper`` and saved collapsed for JupyterLab
   (cell metadata ``"jp-MarkdownHeadingCollapsed": true``), then
2. the cells under that heading, up to the next heading of level 1 to 3 (what JupyterLab hides when
   the heading is collapsed): markdown cells tagged ``going-deeper``, and, rarely, code cells that
   the main path does not need.

The main path is every markdown cell not tagged ``going-deeper``. Lessons 04, 05 and 10 keep it at
most MAX_WORDS words (a word: a piece of text between spaces that holds a letter or a digit).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALL = ENGLISH + sorted((ROOT / "notebooks" / "zh-CN").glob("[0-9][0-9]_*.ipynb"))
TAG = "going-deeper"
HEADINGS = {"en": "### Going deeper (optional)", "zh-CN": "### 深入一点（选读）"}
COLLAPSED = "jp-MarkdownHeadingCollapsed"
SHORT_LESSONS = ("04", "05", "10")
MAX_WORDS = 2100
SECTION = re.compile(r"^#{1,3} ")  # a heading JupyterLab's collapse stops at


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"])


def tagged(cell: dict) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def words(markdown: str) -> int:
    """How many words MARKDOWN holds: pieces between spaces with a letter or a digit (not `-`, `|`, `**`)."""
    return sum(1 for piece in markdown.split() if re.search(r"[^\W_]", piece))


def main_path_words(notebook: list[dict]) -> int:
    """The words of the markdown cells outside Going-deeper blocks."""
    return sum(words(text(c)) for c in notebook if c["cell_type"] == "markdown" and not tagged(c))


def block_problems(notebook: list[dict], language: str = "en") -> list[str]:
    """What is wrong with the Going-deeper blocks of a notebook, in words (empty when all is well)."""
    found, inside, heading = [], False, HEADINGS[language]
    for i, cell in enumerate(notebook):
        source = text(cell).strip()
        if cell["cell_type"] == "markdown" and source.startswith(heading):
            if "\n" in source:
                found.append(f"cell {i}: a Going-deeper heading must be alone in its cell (collapsing it hides "
                             "the cells below it, not its own text)")  # fmt: skip
            if not tagged(cell) or cell.get("metadata", {}).get(COLLAPSED) is not True:
                found.append(f"cell {i}: a Going-deeper heading needs the tag {TAG!r} and {COLLAPSED}: true")
            inside = True
            continue
        if cell["cell_type"] == "markdown" and SECTION.match(source):
            inside = False  # a new section: the block has ended
        if inside and cell["cell_type"] == "markdown" and not tagged(cell):
            found.append(f"cell {i}: inside a Going-deeper block but not tagged {TAG!r}; end the block with a "
                         "heading (## or ###) before main-path text")  # fmt: skip
        if not inside and tagged(cell):
            found.append(f"cell {i}: tagged {TAG!r} but not under a {heading!r} heading")
    return found


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_going_deeper_blocks_are_well_formed(path):
    language = "zh-CN" if path.parent.name == "zh-CN" else "en"
    assert block_problems(cells(path), language) == []


@pytest.mark.parametrize("lesson", SHORT_LESSONS)
def test_the_main_path_of_the_long_lessons_is_short(lesson):
    (path,) = [p for p in ENGLISH if p.name.startswith(lesson)]
    count = main_path_words(cells(path))
    assert count <= MAX_WORDS, f"{path.name}: {count} words on the main path (at most {MAX_WORDS}); move " \
        "teacher-level asides into Going-deeper blocks"  # fmt: skip


@pytest.mark.parametrize("lesson", SHORT_LESSONS)
def test_the_long_lessons_have_going_deeper_blocks_in_both_editions(lesson):
    for path in ALL:
        if path.name.startswith(lesson):
            assert any(tagged(c) for c in cells(path)), f"{path} has no Going-deeper block"


# The checker itself can fail.


def _md(source: str, tags=(), collapsed=False) -> dict:
    metadata = {"tags": list(tags)} if tags else {}
    if collapsed:
        metadata[COLLAPSED] = True
    return {"cell_type": "markdown", "metadata": metadata, "source": [source]}


def _good() -> list[dict]:
    return [_md("## Main\n\nFirst words here."), _md("### Going deeper (optional): more", [TAG], True),
            _md("An aside of five words.", [TAG]), _md("## Next\n\nMain again.")]  # fmt: skip


def test_words_are_counted_as_a_reader_counts_them():
    assert words("## The game: **one** score, V = 0 - | 1,500 rounds.") == 8
    assert main_path_words(_good()) == 7


@pytest.mark.parametrize("breakage", ["untagged-aside", "not-collapsed", "heading-with-text", "stray-tag", "no-end"])
def test_a_broken_block_is_caught(breakage):
    nb = _good()
    if breakage == "untagged-aside":
        nb[2]["metadata"] = {}
    elif breakage == "not-collapsed":
        del nb[1]["metadata"][COLLAPSED]
    elif breakage == "heading-with-text":
        nb[1]["source"] = ["### Going deeper (optional): more\n\nText."]
    elif breakage == "stray-tag":
        nb[0]["metadata"] = {"tags": [TAG]}
    else:
        nb[3]["source"] = ["Main again, but no heading ends the block."]
    assert block_problems(_good()) == []
    assert len(block_problems(nb)) == 1, block_problems(nb)
