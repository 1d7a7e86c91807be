"""Every lesson notebook (notebooks/*.ipynb and the Chinese notebooks/zh-CN/*.ipynb) follows the house style.

The rules, for anyone who writes a lesson:

1. The file is named ``NN_name.ipynb`` (two digits, then lower-case words joined by ``_``).
2. The first cell is markdown with the Colab badge: the image ``COLAB_BADGE`` linking to
   ``https://colab.research.google.com/github/<REPOSITORY>/blob/main/notebooks/<file name>``,
   where REPOSITORY is ``gan_lessons.lesson.REPOSITORY`` (the one place the address lives).
3. The first code cell starts by installing the package when it is missing:
   ``try: import gan_lessons`` / ``except ImportError: %pip install -q "gan-lessons @ git+https://github.com/<REPOSITORY>"``.
4. The cell right before every code cell is a markdown cell.
5. A code cell has at most ``MAX_LINES`` (15) lines, not counting blank lines.
6. Exactly one code cell is the parameter cell: its first line starts with ``# Parameters``, and it
   reads fast mode with ``is_fast()``.
7. At least three "Try it" prompts: markdown cells that contain ``**Try it``.
8. At least three self-checks: calls of ``check`` or ``yours_or_ours`` (``gan_lessons.checks.__all__``;
   how to write them: the docstrings of gan_lessons/checks.py and gan_lessons/answer_key.py).
9. The last cell is markdown whose heading says "Recap" (like ``## Recap``).
10. No outputs and no execution counts are committed.
11. Every self-check names its question by a literal id ``"NN.k"``: NN is the notebook's number, k counts
    1, 2, 3... in order of appearance. Its answer ships blank: ``check("02.3", answer)`` with
    ``answer = ...`` in the same cell (never a value: the learner writes it; the key is in
    gan_lessons/answer_key.py).
12. From lesson 02 on, at least one "write the code" exercise: a call of ``yours_or_ours``.
14. The parameter cell sets the language: ``LANGUAGE = set_language("en")`` (``"zh-CN"`` in notebooks/zh-CN/).
15. The Chinese lessons follow the same rules in Chinese: the badge opens ``notebooks/zh-CN/<file name>``,
    "Try it" is ``**动手试试`` and the last heading says "小结".
13. A notebook that shows widgets (it mentions ``ipywidgets``, ``gan_lessons.widgets`` or ``interact(``)
    calls ``enable_widgets()`` from gan_lessons.lesson (it switches on Colab's widget manager).
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from gan_lessons import checks
from gan_lessons.lesson import REPOSITORY

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHINESE = sorted((ROOT / "notebooks" / "zh-CN").glob("*.ipynb"))
WORDS = {
    "": {"try": "**Try it", "recap": "Recap", "language": "en"},  # by folder under notebooks/
    "zh-CN": {"try": "**动手试试", "recap": "小结", "language": "zh-CN"},
}
MAX_LINES = 15
MIN_TRY_IT = 3
MIN_CHECKS = 3
CHECKS = ("check", "yours_or_ours")
WRITE_THE_CODE = "yours_or_ours"
# Lessons whose writer still has to add their first "write the code" exercise (issue #11, helper
# lessons-b):
# remove a lesson from here when it has one; the test fails if a listed lesson already has one.
CODE_EXERCISE_PENDING: set[str] = set()
WIDGET_SIGNS = ("ipywidgets", "gan_lessons.widgets", "interact(")
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
NAME = re.compile(r"^\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")


def colab_link(name: str) -> str:
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{name}"


def install_line() -> str:
    return f'%pip install -q "gan-lessons @ git+https://github.com/{REPOSITORY}"'


def _python(source: str) -> ast.Module:
    """A code cell as Python, with IPython's %magics turned into ordinary calls."""
    return ast.parse(TransformerManager().transform_cell(source))


def _check_calls(source: str) -> list[ast.Call]:
    """The calls of check or yours_or_ours in a code cell (as check(...) or checks.check(...)), in order."""
    calls = []
    for node in ast.walk(_python(source)):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name in CHECKS:
                calls.append(node)
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def count_checks(source: str) -> int:
    """How many self-checks (calls of check or yours_or_ours) a code cell makes."""
    return len(_check_calls(source))


def _call_name(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else call.func.attr


def _blank_names(tree: ast.Module) -> dict[str, bool]:
    """Each name a cell assigns -> True when every assignment of it is `...` (a blank answer)."""
    names: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            blank = isinstance(node.value, ast.Constant) and node.value.value is Ellipsis
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = names.get(target.id, True) and blank
    return names


def check_problems(source: str, lesson: str) -> tuple[list[str], list[str]]:
    """The question ids a code cell checks, and what is wrong with its checks (ids, blank answers)."""
    tree, ids, found = _python(source), [], []
    blanks = _blank_names(tree)
    for call in _check_calls(source):
        name = _call_name(call)
        if len(call.args) < 2 or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
            found.append(f'{name}() must name its question first, like {name}("{lesson}.1", answer)')
            continue
        qid, given = call.args[0].value, call.args[1]
        ids.append(qid)
        if not re.fullmatch(rf"{lesson}\.[1-9]\d*", qid):
            found.append(f'question id {qid!r} is not like "{lesson}.1" (this lesson\'s number, a dot, a count)')
        is_blank = (isinstance(given, ast.Constant) and given.value is Ellipsis) or (
            isinstance(given, ast.Name) and blanks.get(given.id, False)
        )
        if not is_blank:
            found.append(f"the answer to {qid} does not ship blank: assign `{ast.unparse(given)} = ...` in its cell")
    return ids, found


def question_ids(nb) -> list[str]:
    """The question ids a notebook checks, in order of appearance."""
    return [qid for c in nb.cells if c.cell_type == "code" for qid in check_problems(c.source, "")[0]]


def _installs(source: str) -> bool:
    """True when SOURCE starts as the install cell: try to import gan_lessons, else %pip install it."""
    lines = [line.split("#")[0].strip() for line in source.splitlines()]
    lines = [line for line in lines if line]
    return lines[:4] == ["try:", "import gan_lessons", "except ImportError:", install_line()]


def problems(nb, name: str, folder: str = "") -> list[str]:
    """Everything in notebook NB (file NAME, in notebooks/FOLDER) that breaks the house style, in words."""
    found, words = [], WORDS[folder]
    link = colab_link(f"{folder}/{name}" if folder else name)
    cells = nb.cells
    code = [c for c in cells if c.cell_type == "code"]
    if not NAME.match(name):
        found.append(f"the file name {name!r} is not like 00_what_is_a_gan.ipynb")
    if not cells or cells[0].cell_type != "markdown" or f"]({link})" not in cells[0].source \
            or COLAB_BADGE not in cells[0].source:  # fmt: skip
        found.append(f"the first cell is not markdown with the Colab badge linking to {link}")
    if not code or not _installs(code[0].source):
        found.append(f"the first code cell is not the install cell (try: import gan_lessons / except ImportError: "
                     f"{install_line()})")  # fmt: skip
    for i, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        if i == 0 or cells[i - 1].cell_type != "markdown":
            found.append(f"code cell {i} has no markdown cell right before it")
        lines = [line for line in cell.source.splitlines() if line.strip()]
        if len(lines) > MAX_LINES:
            found.append(f"code cell {i} has {len(lines)} lines (at most {MAX_LINES}, not counting blank lines)")
        if cell.get("outputs") or cell.get("execution_count") is not None:
            found.append(f"code cell {i} holds outputs or an execution count: clear them before committing")
    parameters = [c for c in code if c.source.lstrip().startswith("# Parameters")]
    if len(parameters) != 1:
        found.append(f"{len(parameters)} parameter cells (code cells starting with '# Parameters'); need exactly 1")
    elif "is_fast()" not in parameters[0].source:
        found.append("the parameter cell does not read fast mode with is_fast()")
    elif (setting := f'LANGUAGE = set_language("{words["language"]}")') not in parameters[0].source:
        found.append(f"the parameter cell does not set {setting}")
    tries = sum(c.cell_type == "markdown" and words["try"] in c.source for c in cells)
    if tries < MIN_TRY_IT:
        found.append(f"{tries} 'Try it' prompts (markdown cells with {words['try']}); need at least {MIN_TRY_IT}")
    try:
        n_checks = sum(count_checks(c.source) for c in code)
    except SyntaxError as err:
        found.append(f"a code cell is not valid Python: {err}")
        n_checks = MIN_CHECKS
    if n_checks < MIN_CHECKS:
        found.append(f"{n_checks} self-checks (calls of {CHECKS}); need at least {MIN_CHECKS}")
    if NAME.match(name):
        found += _question_problems(code, name[:2])
    sources = "\n".join(c.source for c in code)
    if any(sign in sources for sign in WIDGET_SIGNS) and "enable_widgets()" not in sources:
        found.append("it shows widgets but never calls enable_widgets() (from gan_lessons.lesson)")
    last = cells[-1] if cells else None
    if last is None or last.cell_type != "markdown" or not re.search(rf"^#+ .*{words['recap']}", last.source, re.M):
        found.append(f"the last cell is not markdown with a {words['recap']} heading (like '## {words['recap']}')")
    return found


def _question_problems(code: list, lesson: str) -> list[str]:
    """What is wrong with a notebook's self-checks: ids, order, blank answers, a "write the code" exercise."""
    ids, found = [], []
    try:
        for cell in code:
            cell_ids, cell_found = check_problems(cell.source, lesson)
            ids += cell_ids
            found += cell_found
    except SyntaxError:
        return []  # reported above
    expected = [f"{lesson}.{k}" for k in range(1, len(ids) + 1)]
    if ids != expected and not found:
        found.append(f"question ids {ids} are not {expected}: number them 1, 2, 3... in order of appearance")
    has_code = any(_call_name(c) == WRITE_THE_CODE for cell in code for c in _check_calls(cell.source))
    if lesson.isdigit() and int(lesson) >= 2:
        if lesson in CODE_EXERCISE_PENDING and has_code:
            found.append(f"lesson {lesson} has a 'write the code' exercise now: remove it from CODE_EXERCISE_PENDING")
        elif lesson not in CODE_EXERCISE_PENDING and not has_code:
            found.append(f"no 'write the code' exercise (a call of {WRITE_THE_CODE}); lessons from 02 on need one")
    return found


LESSONS = ["00_what_is_a_gan.ipynb", "01_the_data.ipynb", "02_the_generator.ipynb", "03_the_discriminator.ipynb",
           "04_watch_the_game.ipynb", "05_training.ipynb", "06_play_with_the_noise.ipynb",
           "07_convolutional_gan.ipynb", "08_judging.ipynb", "09_better_training.ipynb",
           "10_choose_your_digit.ipynb"]  # fmt: skip


def test_the_series_is_these_lessons_in_both_editions():
    """A lesson added, renamed or lost in one edition fails here: update LESSONS (and the READMEs) on purpose."""
    assert [p.name for p in NOTEBOOKS] == LESSONS
    assert [p.name for p in CHINESE] == LESSONS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_follows_the_house_style(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert problems(nb, path.name) == []


@pytest.mark.parametrize("path", CHINESE, ids=[p.name for p in CHINESE])
def test_chinese_notebook_follows_the_house_style(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert problems(nb, path.name, "zh-CN") == []


# The checker itself: a good notebook passes, and each broken rule is caught.


def _md(text):
    return nbformat.v4.new_markdown_cell(text)


def _code(text):
    return nbformat.v4.new_code_cell(text)


def good_notebook(name="09_sample.ipynb"):
    install = f"try:\n    import gan_lessons  # noqa: F401\nexcept ImportError:\n    {install_line()}\n"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _md(f"[![Open In Colab]({COLAB_BADGE})]({colab_link(name)})\n\n# Lesson"),
        _code(install),
        _md("Parameters"),
        _code('# Parameters\nLANGUAGE = set_language("en")\nFAST = is_fast()\nSEED = 0'),
        _md("**Try it:** one. **Try it:** again in the same cell counts once."),
        _code("answer = ...  # your answer\ncheck('09.1', answer)"),
        _md("**Try it:** two"),
        _code("from gan_lessons import checks\n\nmine = ...\nlayer = checks.yours_or_ours('09.2', mine, ours=1)"),
        _md("**Try it:** three"),
        _code("x = ...  # check(, in a comment, does not count\ncheck('09.3', x)"),
        _md("## Recap\n\n- done"),
    ]
    return nb


def test_a_good_notebook_passes():
    assert problems(good_notebook(), "09_sample.ipynb") == []


def _second_parameter_cell(nb):
    nb.cells[4:4] = [_md("More parameters"), _code("# Parameters\nN = 2")]


BREAKAGES = {  # rule (as named in its message): how to break it
    "file name": lambda nb: None,  # the notebook is fine, its name is not
    "Colab badge": lambda nb: nb.cells[0].update(source="# Lesson"),
    "install cell": lambda nb: nb.cells[1].update(source="import gan_lessons"),
    "markdown cell right before": lambda nb: nb.cells.insert(3, _code("x = 1")),
    "lines": lambda nb: nb.cells[5].update(source=nb.cells[5].source + "\nx = 1\n" * 15),
    "parameter cells": _second_parameter_cell,
    "is_fast": lambda nb: nb.cells[3].update(source="# Parameters\nFAST = True"),
    "set_language": lambda nb: nb.cells[3].update(source="# Parameters\nFAST = is_fast()"),
    "'Try it' prompts": lambda nb: nb.cells[8].update(source="Try this"),
    "self-checks": lambda nb: nb.cells[9].update(source="print('check(1, 1)')"),
    "does not ship blank": lambda nb: nb.cells[5].update(source="answer = 'b'\ncheck('09.1', answer)"),
    "not like": lambda nb: nb.cells[9].update(source="x = ...\ncheck('08.3', x)"),
    "in order of appearance": lambda nb: nb.cells[5].update(source="answer = ...\ncheck('09.4', answer)"),
    "'write the code'": lambda nb: nb.cells[7].update(source="answer = ...\ncheck('09.2', answer)"),
    "enable_widgets": lambda nb: nb.cells[9].update(source=nb.cells[9].source + "\nimport ipywidgets"),
    "Recap": lambda nb: nb.cells.append(_md("The end.")),
    "outputs": lambda nb: nb.cells[5].update(execution_count=3),
}


@pytest.mark.parametrize("rule", BREAKAGES)
def test_each_broken_rule_is_caught(rule):
    name = "Sample.ipynb" if rule == "file name" else "09_sample.ipynb"
    nb = good_notebook(name)
    BREAKAGES[rule](nb)
    found = problems(nb, name)
    assert len(found) == 1 and rule in found[0], found


def test_the_badge_must_point_at_this_notebook():
    assert any("Colab badge" in p for p in problems(good_notebook("09_sample.ipynb"), "10_other.ipynb"))


def test_a_chinese_lesson_is_held_to_the_same_rules_in_chinese():
    nb = good_notebook()
    english = problems(nb, "09_sample.ipynb", "zh-CN")
    assert any("zh-CN/09_sample" in p for p in english) and any('set_language("zh-CN")' in p for p in english)
    assert any("动手试试" in p for p in english) and any("小结" in p for p in english)
    nb.cells[0].source = nb.cells[0].source.replace("notebooks/09_sample", "notebooks/zh-CN/09_sample")
    nb.cells[3].source = nb.cells[3].source.replace('"en"', '"zh-CN"')
    for i in (4, 6, 8):
        nb.cells[i].source = nb.cells[i].source.replace("**Try it", "**动手试试")
    nb.cells[-1].source = "## 小结\n\n- 完成"
    assert problems(nb, "09_sample.ipynb", "zh-CN") == []


def test_the_counted_calls_are_the_checks_functions():
    assert set(CHECKS) == set(checks.__all__)


def test_a_blank_name_reassigned_with_a_value_is_not_blank():
    _, found = check_problems("answer = ...\nanswer = 3\ncheck('09.1', answer)", "09")
    assert found and "blank" in found[0]
    assert check_problems("check('09.1', ...)", "09") == (["09.1"], [])
