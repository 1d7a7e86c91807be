"""Every lesson notebook (notebooks/*.ipynb, later lessons too) follows the house style.

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
8. At least three self-checks: calls of the functions in ``gan_lessons.checks.__all__``.
9. The last cell is markdown whose heading says "Recap" (like ``## Recap``).
10. No outputs and no execution counts are committed.
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
MAX_LINES = 15
MIN_TRY_IT = 3
MIN_CHECKS = 3
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
NAME = re.compile(r"^\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")


def colab_link(name: str) -> str:
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{name}"


def install_line() -> str:
    return f'%pip install -q "gan-lessons @ git+https://github.com/{REPOSITORY}"'


def _python(source: str) -> ast.Module:
    """A code cell as Python, with IPython's %magics turned into ordinary calls."""
    return ast.parse(TransformerManager().transform_cell(source))


def count_checks(source: str) -> int:
    """How many calls of gan_lessons.checks' functions a code cell makes (as check(...) or checks.check(...))."""
    count = 0
    for node in ast.walk(_python(source)):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            count += name in checks.__all__
    return count


def _installs(source: str) -> bool:
    """True when SOURCE starts as the install cell: try to import gan_lessons, else %pip install it."""
    lines = [line.split("#")[0].strip() for line in source.splitlines()]
    lines = [line for line in lines if line]
    return lines[:4] == ["try:", "import gan_lessons", "except ImportError:", install_line()]


def problems(nb, name: str) -> list[str]:
    """Everything in notebook NB (file NAME) that breaks the house style, in words."""
    found = []
    cells = nb.cells
    code = [c for c in cells if c.cell_type == "code"]
    if not NAME.match(name):
        found.append(f"the file name {name!r} is not like 00_what_is_a_gan.ipynb")
    if not cells or cells[0].cell_type != "markdown" or f"]({colab_link(name)})" not in cells[0].source \
            or COLAB_BADGE not in cells[0].source:  # fmt: skip
        found.append(f"the first cell is not markdown with the Colab badge linking to {colab_link(name)}")
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
    tries = sum(c.cell_type == "markdown" and "**Try it" in c.source for c in cells)
    if tries < MIN_TRY_IT:
        found.append(f"{tries} 'Try it' prompts (markdown cells with **Try it); need at least {MIN_TRY_IT}")
    try:
        n_checks = sum(count_checks(c.source) for c in code)
    except SyntaxError as err:
        found.append(f"a code cell is not valid Python: {err}")
        n_checks = MIN_CHECKS
    if n_checks < MIN_CHECKS:
        found.append(f"{n_checks} self-checks (calls of {checks.__all__}); need at least {MIN_CHECKS}")
    last = cells[-1] if cells else None
    if last is None or last.cell_type != "markdown" or not re.search(r"^#+ .*Recap", last.source, re.M):
        found.append("the last cell is not markdown with a Recap heading (like '## Recap')")
    return found


def test_there_are_lessons():
    assert len(NOTEBOOKS) >= 5, "lessons 00 to 05 at least"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_follows_the_house_style(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert problems(nb, path.name) == []


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
        _code("# Parameters\nFAST = is_fast()\nSEED = 0"),
        _md("**Try it:** one. **Try it:** again in the same cell counts once."),
        _code("check(1, 1, hint='h')"),
        _md("**Try it:** two"),
        _code("from gan_lessons import checks\n\nchecks.check_choice('a', 'a', ['a', 'b'], hint='h')"),
        _md("**Try it:** three"),
        _code("ok = check_shape((1,), x, hint='h')  # check(, in a comment, does not count"),
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
    "lines": lambda nb: nb.cells[5].update(source="check(1, 1, hint='h')" + "\nx = 1\n" * 15),
    "parameter cells": _second_parameter_cell,
    "is_fast": lambda nb: nb.cells[3].update(source="# Parameters\nFAST = True"),
    "'Try it' prompts": lambda nb: nb.cells[8].update(source="Try this"),
    "self-checks": lambda nb: nb.cells[5].update(source="print('check(1, 1)')"),
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
