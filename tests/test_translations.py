"""The Chinese edition stays in step with the English one (issue 14).

- parity: every English lesson has a Chinese twin in notebooks/zh-CN/ with the same cells, and code that
  is the same once comments and string literals are set aside;
- catalogue: every message the helpers can show has a Chinese twin with the same placeholders;
- glossary: the Chinese lessons use docs/glossary.md's terms, never the words it rules out;
- rendering: every Chinese figure text can be drawn by the shipped font, and drawing warns of no missing glyph.
"""

from __future__ import annotations

import ast
import io
import json
import re
import string
import tokenize
from pathlib import Path

import pytest

from gan_lessons import i18n
from gan_lessons.answer_key import KEY

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHINESE_DIR = ROOT / "notebooks" / "zh-CN"
CJK = re.compile(r"[\u3400-\u9fff]")
PAGES = ("README.zh-CN.md", "docs/teachers.zh-CN.md", "docs/troubleshooting.zh-CN.md")  # read, never drawn
BADGE = "https://colab.research.google.com/github/gan-lessons/gan-lessons/blob/main/notebooks/{}"


def cells(path: Path) -> list[dict]:
    """The cells of the notebook at PATH."""
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def twin(path: Path) -> Path:
    return CHINESE_DIR / path.name


def code_tokens(code: str) -> list[str]:
    """CODE's tokens with comments dropped and every string literal (f-strings too) as one STR token.

    Lines of IPython magic (%pip ...) and shell (!...) are kept whole, since Python cannot read them.
    """
    kept, python = [], []
    for line in code.splitlines():
        if line.lstrip().startswith(("%", "!")):
            kept.append("MAGIC " + line.strip())
            python.append("")
        else:
            python.append(line)
    out, depth = [], 0
    for tok in tokenize.generate_tokens(io.StringIO("\n".join(python) + "\n").readline):
        name = tokenize.tok_name[tok.type]
        if name == "FSTRING_START":  # Python 3.12+: an f-string comes in pieces; keep it as one
            depth += 1
        elif name == "FSTRING_END":
            depth -= 1
            if depth == 0:
                out.append("STR")
        elif depth or name in ("COMMENT", "NL", "INDENT", "DEDENT", "ENDMARKER"):
            continue
        elif name == "STRING":
            out.append("STR")
        elif name == "NEWLINE":
            out.append("\\n")
        else:
            out.append(tok.string)
    return kept + out


def first_difference(english: list[str], chinese: list[str]) -> str:
    """Where two token lists first part, shown with a little context."""
    for i, (a, b) in enumerate(zip(english, chinese, strict=False)):
        if a != b:
            return f"token {i}: English has {' '.join(english[max(0, i - 4):i + 4])!r}, " \
                   f"Chinese has {' '.join(chinese[max(0, i - 4):i + 4])!r}"  # fmt: skip
    return f"the English cell has {len(english)} tokens, the Chinese one {len(chinese)}"


# Parity ---------------------------------------------------------------------------------------------------


def test_tokens_ignore_comments_and_strings_but_not_code():
    same = code_tokens('x = f(1)  # the answer\nprint(f"{x:.2f} digits")\n')
    assert same == code_tokens('x = f(1)  # 答案\nprint(f"{x:.2f} 个数字")\n')
    assert same != code_tokens('x = f(2)\nprint(f"{x:.2f} digits")\n')
    assert code_tokens("%pip install a\nx = 1") != code_tokens("%pip install b\nx = 1")


def test_every_english_lesson_has_a_chinese_twin():
    assert ENGLISH, "no English lessons found"
    missing = [p.name for p in ENGLISH if not twin(p).exists()]
    assert not missing, f"no Chinese twin in notebooks/zh-CN/ for: {', '.join(missing)}"
    extra = sorted({p.name for p in CHINESE_DIR.glob("*.ipynb")} - {p.name for p in ENGLISH})
    assert not extra, f"Chinese lessons without an English twin: {', '.join(extra)}"


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_parity_same_cells_and_same_code(english: Path):
    chinese = twin(english)
    if not chinese.exists():
        pytest.fail(f"{chinese.relative_to(ROOT)} is missing")
    en, zh = cells(english), cells(chinese)
    where = f"{chinese.relative_to(ROOT)} vs {english.relative_to(ROOT)}"
    assert [c["cell_type"] for c in zh] == [c["cell_type"] for c in en], \
        f"{where}: the cells differ in number or kind ({len(zh)} vs {len(en)} cells)"  # fmt: skip
    for i, (a, b) in enumerate(zip(en, zh, strict=True)):
        assert a.get("metadata", {}).get("tags", []) == b.get("metadata", {}).get("tags", []), \
            f"{where}: cell {i} has other tags"  # fmt: skip
        if a["cell_type"] == "code":
            ta, tb = code_tokens(source(a)), code_tokens(source(b))
            assert ta == tb, f"{where}: code cell {i} differs, {first_difference(ta, tb)}"
            assert not b.get("outputs"), f"{where}: code cell {i} was saved with outputs"


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_parity_same_questions_and_language_line(english: Path):
    chinese = twin(english)
    if not chinese.exists():
        pytest.fail(f"{chinese.relative_to(ROOT)} is missing")
    ids = re.compile(r"""(?:check|yours_or_ours)\(\s*["'](\d\d\.\d+)["']""")
    for a, b in zip(cells(english), cells(chinese), strict=True):
        assert ids.findall(source(a)) == ids.findall(source(b)), f"{chinese.name}: other question ids in a cell"
    code = "\n".join(source(c) for c in cells(chinese) if c["cell_type"] == "code")
    assert 'set_language("zh-CN")' in code, f'{chinese.name}: the parameter cell must say set_language("zh-CN")'


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_badge_opens_the_chinese_notebook(english: Path):
    chinese = twin(english)
    if not chinese.exists():
        pytest.fail(f"{chinese.relative_to(ROOT)} is missing")
    first = source(cells(chinese)[0])
    assert BADGE.format("zh-CN/" + english.name) in first, f"{chinese.name}: its Colab badge must open itself"
    assert BADGE.format(english.name) + ")" not in first, f"{chinese.name}: its badge opens the English lesson"


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_every_text_cell_is_in_chinese(english: Path):
    chinese = twin(english)
    if not chinese.exists():
        pytest.fail(f"{chinese.relative_to(ROOT)} is missing")
    for i, (a, b) in enumerate(zip(cells(english), cells(chinese), strict=True)):
        words = re.findall(r"\b[a-z]{3,}\b", re.sub(r"`[^`]*`|\([^)]*\)|\$[^$]*\$", "", source(a)))
        if a["cell_type"] == "markdown" and len(words) >= 3:
            assert CJK.search(source(b)), f"{chinese.name}: markdown cell {i} is not translated"


def test_relative_links_of_the_chinese_lessons_exist():
    link = re.compile(r"\]\((?!https?:|#|mailto:)([^)\s#]+)")
    broken = []
    for path in sorted(CHINESE_DIR.glob("*.ipynb")):
        for cell in cells(path):
            if cell["cell_type"] == "markdown":
                broken += [f"{path.name}: {t}" for t in link.findall(source(cell)) if not (path.parent / t).exists()]
    assert not broken, "links to files that do not exist:\n" + "\n".join(broken)


# Catalogue ------------------------------------------------------------------------------------------------


def code_messages() -> dict[str, str]:
    """Every literal message given to tr() or N_() in gan_lessons/*.py -> where it is."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "gan_lessons").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tr", "N_"):
                first = node.args[0] if node.args else None
                where = f"{path.name}:{node.lineno}"
                assert not isinstance(first, ast.JoinedStr), f"{where}: tr() takes a plain string, not an f-string"
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, where)
    return found


def key_messages() -> dict[str, str]:
    """The answer key's texts a learner or teacher reads -> which entry."""
    fields = ("ask", "hint", "why")
    found = {getattr(e, field): f"answer key {qid}.{field}" for qid, e in KEY.items() for field in fields}
    mistakes = {hint: f"answer key {qid}.mistakes" for qid, e in KEY.items() for _, hint in getattr(e, "mistakes", ())}
    return {**found, **mistakes}


def placeholders(text: str) -> list[tuple[str, str, str]]:
    """The {name!conversion:spec} fields of TEXT, sorted."""
    return sorted((f or "", c or "", s or "") for _, f, s, c in string.Formatter().parse(text) if f is not None)


def test_the_catalogue_files_are_valid_and_do_not_clash():
    seen: dict[str, tuple[str, str]] = {}
    parts = sorted((i18n.LOCALE_DIR / "zh-CN").glob("*.json"))
    assert parts, "no Chinese catalogue in gan_lessons/locale/zh-CN/"
    for part in parts:
        entries = json.loads(part.read_text(encoding="utf-8"))
        assert isinstance(entries, dict), f"{part.name} must hold one JSON object, English -> Chinese"
        for english, chinese in entries.items():
            assert isinstance(chinese, str) and chinese.strip(), f"{part.name}: empty translation of {english!r}"
            if english in seen and seen[english][1] != chinese:
                pytest.fail(f"{english!r} is translated in both {seen[english][0]} and {part.name}, differently")
            seen[english] = (part.name, chinese)


def test_every_message_has_a_chinese_twin_with_the_same_placeholders():
    zh = i18n.catalogue("zh-CN")
    wanted = {**code_messages(), **key_messages()}
    missing = [f"{where}: {msg!r}" for msg, where in wanted.items() if msg not in zh]
    assert not missing, f"{len(missing)} messages have no Chinese twin in gan_lessons/locale/zh-CN/:\n" + \
        "\n".join(missing[:40])  # fmt: skip
    wrong = [f"{where}: {msg!r} -> {zh[msg]!r}" for msg, where in wanted.items()
             if placeholders(msg) != placeholders(zh[msg])]  # fmt: skip
    assert not wrong, "placeholders differ between English and Chinese:\n" + "\n".join(wrong)
    untranslated = [m for m in wanted if zh[m] == m and re.search(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", "", m))]
    assert not untranslated, "messages whose 'Chinese' is the English text:\n" + "\n".join(untranslated)


def test_the_catalogue_holds_no_stale_messages():
    wanted = {**code_messages(), **key_messages()}
    stale = sorted(set(i18n.catalogue("zh-CN")) - set(wanted))
    assert not stale, "catalogue entries no code shows any more (remove them, or the English text changed):\n" + \
        "\n".join(stale[:40])  # fmt: skip


def test_tr_translates_fills_in_and_falls_back(monkeypatch):
    english = next(m for m in code_messages() if "{" not in m)
    monkeypatch.setattr(i18n, "_chosen", "zh-CN")
    assert i18n.tr(english) == i18n.catalogue("zh-CN")[english]
    assert i18n.tr("A message nobody translated, {n}.", n=3) == "A message nobody translated, 3."
    monkeypatch.setattr(i18n, "_chosen", "en")
    assert i18n.tr(english) == english


def test_one_setting_picks_the_language(monkeypatch, capsys):
    monkeypatch.setattr(i18n, "_chosen", None)
    monkeypatch.delenv(i18n.ENV_LANG, raising=False)
    assert i18n.get_language() == "en"
    monkeypatch.setenv(i18n.ENV_LANG, "zh-CN")
    assert i18n.get_language() == "zh-CN"
    assert i18n.set_language("en") == "en", "the notebook's setting wins over the environment"
    assert i18n.set_language(None) == "zh-CN"
    monkeypatch.setenv(i18n.ENV_LANG, "klingon")  # a typo in the environment: English, said once (issue #22)
    assert (i18n.get_language(), i18n.get_language()) == ("en", "en")
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1
    assert "GAN_LESSONS_LANG='klingon' is not a language gan-lessons speaks; using English" in said[0]
    with pytest.raises(ValueError, match="未知的语言"):
        i18n.set_language("fr")


# Glossary -------------------------------------------------------------------------------------------------


def glossary_rows() -> list[tuple[str, str, list[str], bool]]:
    """docs/glossary.md's rows: (English term, Chinese term, words ruled out, checked in every lesson)."""
    rows = []
    for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if len(parts) == 5 and not set(parts[0]) <= set("-") and parts[0] != "English":
            english = re.split(r" \(| /|,", parts[0])[0].strip()
            chinese = re.split(r"（| /|、", parts[1])[0].strip()
            avoid = [w.strip() for w in parts[2].split("、") if w.strip()]
            rows.append((english, chinese, avoid, parts[3] == "✔"))
    return rows


def chinese_texts() -> dict[str, str]:
    """The Chinese edition's text: each Chinese lesson, the catalogue, the Chinese README and teacher's page."""
    texts = {p.name: "\n".join(source(c) for c in cells(p)) for p in sorted(CHINESE_DIR.glob("*.ipynb"))}
    texts["gan_lessons/locale/zh-CN"] = "\n".join(i18n.catalogue("zh-CN").values())
    for page in PAGES:
        texts[page] = (ROOT / page).read_text(encoding="utf-8")
    return texts


def test_the_glossary_is_read_as_intended():
    rows = glossary_rows()
    assert len(rows) >= 40
    assert ("discriminator", "判别器", ["鉴别器", "辨别器"], True) in rows


def test_the_chinese_edition_never_uses_a_word_the_glossary_rules_out():
    found = [f"{name}: {word!r} (say {chinese!r})" for name, text in chinese_texts().items()
             for _, chinese, avoid, _ in glossary_rows() for word in avoid if word in text]  # fmt: skip
    assert not found, "words docs/glossary.md rules out:\n" + "\n".join(found)


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_a_chinese_lesson_uses_the_glossary_term_where_the_english_uses_the_term(english: Path):
    chinese = twin(english)
    if not chinese.exists():
        pytest.fail(f"{chinese.relative_to(ROOT)} is missing")
    en = "\n".join(source(c) for c in cells(english) if c["cell_type"] == "markdown")
    zh = "\n".join(source(c) for c in cells(chinese))
    missing = [f"{term} -> {word}" for term, word, _, checked in glossary_rows()
               if checked and re.search(rf"\b{re.escape(term)}s?\b", en, re.I) and word not in zh]  # fmt: skip
    assert not missing, f"{chinese.name} does not use these glossary terms: {', '.join(missing)}"


# Rendering ------------------------------------------------------------------------------------------------


def test_the_shipped_font_draws_every_character_of_the_chinese_edition():
    from gan_lessons.fonts import shipped_characters

    have = shipped_characters()
    texts = {name: text for name, text in chinese_texts().items() if name not in PAGES}
    lacking = {name: "".join(sorted({ch for ch in text if ord(ch) > 0x2000 and CJK.match(ch) and ch not in have}))
               for name, text in texts.items()}  # fmt: skip
    lacking = {k: v for k, v in lacking.items() if v}
    assert not lacking, f"characters the shipped font lacks (run python scripts/make_cjk_font.py): {lacking}"


def test_chinese_text_is_drawn_without_a_missing_glyph(monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan_lessons import fonts

    monkeypatch.setenv(fonts.ENV_STRICT, "1")
    with matplotlib.rc_context():
        assert fonts.use_cjk_font() == [fonts.LATIN, fonts.FAMILY], "strict mode uses the shipped font alone"
        fig, ax = plt.subplots()
        texts = [text for name, text in chinese_texts().items() if name not in PAGES]
        drawn = sorted({ch for text in texts for ch in text if CJK.match(ch)})
        for start in range(0, len(drawn), 400):  # every Chinese character of the edition, 400 at a time
            ax.set_title("\n".join("".join(drawn[i : i + 40]) for i in range(start, min(start + 400, len(drawn)), 40)))
            fig.canvas.draw()  # raises if a glyph were missing
        ax.set_title("\U00020000")  # a character of CJK Extension B, in no font here
        with pytest.raises(UserWarning, match="missing from font"):
            fig.savefig(tmp_path / "box.png")
        plt.close(fig)


def test_the_font_is_found_without_the_internet():
    from gan_lessons import fonts

    assert fonts.SHIPPED.is_file() and fonts.SHIPPED.stat().st_size < 2_000_000
    assert (fonts.FONT_DIR / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") == 1
    assert len(fonts.shipped_characters()) > 4000


def test_a_lessons_language_line_also_sets_the_font(monkeypatch):
    import matplotlib

    from gan_lessons import fonts, lesson

    monkeypatch.setattr(i18n, "_chosen", None)
    with matplotlib.rc_context():
        assert lesson.set_language("zh-CN") == "zh-CN" and i18n.get_language() == "zh-CN"
        assert fonts.FAMILY in matplotlib.rcParams["font.family"]
        assert lesson.set_language("en") == "en"
    with pytest.raises(ValueError, match="Unknown language"):
        lesson.set_language("zh-TW")


def test_the_environment_variable_alone_gives_chinese_messages_and_font():
    import os
    import subprocess
    import sys

    code = ("import matplotlib, gan_lessons.lesson; from gan_lessons.checks import check; "
            "check('01.1', ...); print(matplotlib.rcParams['font.family'])")  # fmt: skip
    env = {**os.environ, i18n.ENV_LANG: "zh-CN"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    from gan_lessons.checks import BLANK

    assert i18n.catalogue("zh-CN")[BLANK] in out, out
    assert "GAN Lessons Sans SC" in out


def test_the_font_and_the_catalogue_are_installed_with_the_package():
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and newer
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["gan_lessons"]
    package = ROOT / "gan_lessons"
    files = [p.relative_to(package).as_posix() for d in ("fonts", "locale") for p in (package / d).rglob("*")
             if p.is_file()]  # fmt: skip
    assert len(files) >= 3
    left_out = [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert not left_out, f"pyproject.toml's package-data leaves out {left_out}: pip (and Colab) would not install them"


def test_every_picture_of_the_package_gets_the_shipped_font_whatever_was_set(monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from gan_lessons import fonts
    from gan_lessons.plots import grid_figure

    monkeypatch.setenv(fonts.ENV_STRICT, "1")
    with matplotlib.rc_context():
        matplotlib.rcParams["font.family"] = ["serif"]  # a learner's own choice
        fig = grid_figure(torch.zeros(4, 1, 28, 28), title="电脑画的数字")
        assert matplotlib.rcParams["font.family"][0] == "serif", "the learner's font stays first"
        assert fonts.FAMILY in matplotlib.rcParams["font.family"]
        fig.savefig(tmp_path / "title.png")  # strict mode: a box would raise
        plt.close(fig)
        matplotlib.rcdefaults()  # everything reset: the next picture puts the font back
        fig = grid_figure(torch.zeros(4, 1, 28, 28), title="电脑画的数字")
        assert matplotlib.rcParams["font.family"] == [fonts.LATIN, fonts.FAMILY]
        fig.axes[0].set_title("\U00020000")  # in no font: strict mode makes it an error, outside pytest too
        with pytest.raises(UserWarning, match="missing from font"):
            fig.savefig(tmp_path / "box.png")
        plt.close(fig)
