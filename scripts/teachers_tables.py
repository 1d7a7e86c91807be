"""Write the question tables of docs/teachers.md and docs/teachers.zh-CN.md from gan_lessons/answer_key.py.

Each lesson's section holds a block between ``<!-- questions NN -->`` and ``<!-- end questions NN -->``;
this script rewrites what is between them, so the pages and the key never drift apart
(tests/test_checks.py checks both pages are up to date). The Chinese page takes the key's texts from
the Chinese catalogue (gan_lessons/locale/zh-CN/*.json) and also shows each hint. Run it after changing
the key or its Chinese texts:

    python scripts/teachers_tables.py          # rewrite both pages
    python scripts/teachers_tables.py --check  # exit 1 when a page is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gan_lessons.answer_key import BLOCKS, Exercise, Question
from gan_lessons.i18n import catalogue

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGE = DOCS / "teachers.md"
PAGES = {"en": PAGE, "zh-CN": DOCS / "teachers.zh-CN.md"}
BLOCK = re.compile(r"(<!-- questions (\d\d) -->\n)(.*?)(<!-- end questions \2 -->)", re.S)
ALTERNATIVES = re.compile(r"\s{2,}or\s{2,}")  # "(z_a + z_b) / 2   or   0.5 * z_a + 0.5 * z_b"


def _cell(text: str) -> str:
    """TEXT made safe for one cell of a Markdown table."""
    return " ".join(str(text).split()).replace("|", "\\|")


def chinese(text: str) -> str:
    """The Chinese of one of the key's English TEXTS, from the catalogue; a clear error when it has none."""
    translated = catalogue("zh-CN").get(text)
    if translated is None:
        raise KeyError(f"No Chinese for {text!r} in gan_lessons/locale/zh-CN/answer_key.json: add it, then run "
                       "python scripts/teachers_tables.py again.")  # fmt: skip
    return translated


def shown_answer(entry: Question | Exercise, language: str = "en") -> str:
    """The right answer as the teacher's page in LANGUAGE shows it."""
    zh = language == "zh-CN"
    if isinstance(entry, Exercise):
        if zh:
            return " 或 ".join(f"`{code}`" for code in ALTERNATIVES.split(entry.answer)) + "（写代码）"
        return f"`{entry.answer}` (write the code)"
    value = entry.answer
    text = f'"{value}"' if isinstance(value, str) else f"{value:,}" if isinstance(value, int) and not isinstance(
        value, bool) else str(value)  # fmt: skip
    if entry.tolerance >= 1e-6:
        text += f"（± {entry.tolerance:g}）" if zh else f" (± {entry.tolerance:g})"
    return text


def table(lesson: str, language: str = "en") -> str:
    """The Markdown table of lesson LESSON's questions in LANGUAGE (or a line saying it has none yet)."""
    block = BLOCKS.get(lesson, {})
    if language == "zh-CN":
        if not block:
            return "_答案表里还没有这一课的题目。_\n"
        rows = ["| 编号 | 问题 | 答案 | 提示 | 讲解 |", "|---|---|---|---|---|"]
        rows += [f"| {qid} | {_cell(chinese(e.ask))} | {_cell(shown_answer(e, language))} | "
                 f"{_cell(chinese(e.hint))} | {_cell(chinese(e.why))} |" for qid, e in block.items()]  # fmt: skip
        return "\n".join(rows) + "\n"
    if not block:
        return "_No questions in the key yet._\n"
    rows = ["| id | question | answer | why |", "|---|---|---|---|"]
    rows += [f"| {qid} | {_cell(e.ask)} | {_cell(shown_answer(e))} | {_cell(e.why)} |" for qid, e in block.items()]
    return "\n".join(rows) + "\n"


def render(page: str, language: str = "en") -> str:
    """PAGE (the teacher's page in LANGUAGE) with every question block rewritten from the key."""
    return BLOCK.sub(lambda m: m.group(1) + table(m.group(2), language) + m.group(4), page)


def main(argv: list[str]) -> int:
    status = 0
    for language, path in PAGES.items():
        page = path.read_text(encoding="utf-8")
        try:
            new = render(page, language)
        except KeyError as err:
            print(f"{path}: {err.args[0]}", file=sys.stderr)
            status = 1
            continue
        if "--check" in argv:
            if new != page:
                print(f"{path} is out of date: run python scripts/teachers_tables.py", file=sys.stderr)
                status = 1
            continue
        if new != page:
            path.write_text(new, encoding="utf-8")
        print(f"{path}: {len(BLOCK.findall(new))} question tables")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
