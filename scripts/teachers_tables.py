"""Write the question tables of docs/teachers.md from the answer key (gan_lessons/answer_key.py).

Each lesson's section holds a block between ``<!-- questions NN -->`` and ``<!-- end questions NN -->``;
this script rewrites what is between them, so the page and the key never drift apart
(tests/test_checks.py checks the page is up to date). Run it after changing the key:

    python scripts/teachers_tables.py          # rewrite docs/teachers.md
    python scripts/teachers_tables.py --check  # exit 1 when the page is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gan_lessons.answer_key import BLOCKS, Exercise, Question

PAGE = Path(__file__).resolve().parents[1] / "docs" / "teachers.md"
BLOCK = re.compile(r"(<!-- questions (\d\d) -->\n)(.*?)(<!-- end questions \2 -->)", re.S)


def _cell(text: str) -> str:
    """TEXT made safe for one cell of a Markdown table."""
    return " ".join(str(text).split()).replace("|", "\\|")


def shown_answer(entry: Question | Exercise) -> str:
    """The right answer as the teacher's page shows it."""
    if isinstance(entry, Exercise):
        return f"`{entry.answer}` (write the code)"
    value = entry.answer
    text = f'"{value}"' if isinstance(value, str) else f"{value:,}" if isinstance(value, int) and not isinstance(
        value, bool) else str(value)  # fmt: skip
    return text + (f" (± {entry.tolerance:g})" if entry.tolerance >= 1e-6 else "")


def table(lesson: str) -> str:
    """The Markdown table of lesson LESSON's questions (or a line saying it has none yet)."""
    block = BLOCKS.get(lesson, {})
    if not block:
        return "_No questions in the key yet._\n"
    rows = ["| id | question | answer | why |", "|---|---|---|---|"]
    rows += [f"| {qid} | {_cell(e.ask)} | {_cell(shown_answer(e))} | {_cell(e.why)} |" for qid, e in block.items()]
    return "\n".join(rows) + "\n"


def render(page: str) -> str:
    """PAGE with every question block rewritten from the key."""
    return BLOCK.sub(lambda m: m.group(1) + table(m.group(2)) + m.group(4), page)


def main(argv: list[str]) -> int:
    page = PAGE.read_text(encoding="utf-8")
    new = render(page)
    if "--check" in argv:
        if new != page:
            print(f"{PAGE} is out of date: run python scripts/teachers_tables.py", file=sys.stderr)
            return 1
        return 0
    if new != page:
        PAGE.write_text(new, encoding="utf-8")
    print(f"{PAGE}: {len(BLOCK.findall(new))} question tables")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
