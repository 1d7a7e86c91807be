"""docs/bad_inputs.md and the tests cannot drift: every row names a real test, every bad-input test has a row."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "bad_inputs.md"
TEST_NAME = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[([^\]`]+)\])?`")
# A row may name a test another engineer is still writing, but only while its file does not exist yet.
PENDING = {("tests/test_widgets.py", "test_bad_seed_is_explained")}
# What the issue asks the catalogue to cover at least: a word or two from each such row.
REQUIRED = ["noise of the wrong size", "not 28x28", "not in [-1, 1]", "`lr = 0`", "batch size 0", "negative epochs",
            "unknown architecture", "a missing file", "a truncated file", "a corrupt file",
            "a checkpoint of another architecture", "a text file", "would run code", "cannot be made or written",
            "fills up during training", "seed box"]  # fmt: skip


def rows(text: str) -> list[tuple[str, list[tuple[str, str, str | None]]]]:
    """The table rows of a catalogue: (the row's text, the tests it names as (file, function, id))."""
    found = []
    for line in text.splitlines():
        cells = line.strip().strip("|").split("|")
        if line.startswith("|") and len(cells) >= 4 and not set(line) <= set("|-: "):
            found.append((line, [(f, fn, i or None) for f, fn, i in TEST_NAME.findall(cells[-1])]))
    return [(line, tests) for line, tests in found if not line.startswith("| Input |")]


def _module(path: Path):
    """Import a test file by its path, under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"catalogue_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases_of(module) -> dict[str, set[str]]:
    """Each test function in MODULE and the ids of its cases (empty when it has no cases)."""
    tests = {}
    for name, func in vars(module).items():
        if not (name.startswith("test_") and callable(func)):
            continue
        ids = set()
        for mark in getattr(func, "pytestmark", []):
            if mark.name != "parametrize":
                continue
            given = mark.kwargs.get("ids")
            for i, value in enumerate(mark.args[1]):
                if getattr(value, "id", None) is not None:  # pytest.param(..., id="...")
                    ids.add(value.id)
                elif given is not None:
                    ids.add(given[i])
                elif isinstance(value, str):  # pytest names a case by its text
                    ids.add(value)
        tests[name] = ids
    return tests


def missing(catalogue_rows, root: Path = ROOT) -> list[str]:
    """The tests named in CATALOGUE_ROWS that do not exist under ROOT."""
    modules, problems = {}, []
    for _, tests in catalogue_rows:
        for file, func, case in tests:
            if not (root / file).exists():
                if (file, func) not in PENDING:
                    problems.append(f"{file} does not exist")
                continue
            if file not in modules:
                modules[file] = cases_of(_module(root / file))
            known = modules[file]
            if func not in known:
                problems.append(f"{file}::{func} does not exist")
            elif case is not None and case not in known[func]:
                problems.append(f"{file}::{func}[{case}] is not one of its cases")
    return problems


@pytest.fixture(scope="module")
def catalogue():
    return rows(CATALOGUE.read_text())


def test_every_row_names_a_test_that_exists(catalogue):
    assert len(catalogue) >= 90
    assert all(tests for _, tests in catalogue), [line for line, tests in catalogue if not tests]
    assert missing(catalogue) == []


def test_every_bad_input_test_has_a_row(catalogue):
    named = {(func, case) for _, tests in catalogue for file, func, case in tests if file == "tests/test_bad_inputs.py"}
    for func, ids in cases_of(_module(ROOT / "tests" / "test_bad_inputs.py")).items():
        for case in ids or [None]:
            assert (func, case) in named, f"tests/test_bad_inputs.py::{func}[{case}] has no row in {CATALOGUE.name}"


def test_the_issue_s_list_is_covered(catalogue):
    text = "\n".join(line for line, _ in catalogue)
    assert [what for what in REQUIRED if what not in text] == []


def test_a_row_naming_a_test_that_does_not_exist_is_caught(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('v', [pytest.param(1, id='one')])\ndef test_a(v):\n    pass\n"
    )
    table = "| Input | Bad value | Seen | Test |\n|---|---|---|---|\n" + "".join(
        f"| x | y | z | `{name}` |\n"
        for name in ("tests/test_x.py::test_a[one]", "tests/test_x.py::test_a[two]", "tests/test_x.py::test_b",
                     "tests/test_y.py::test_a", "tests/test_widgets.py::test_bad_seed_is_explained")
    )  # fmt: skip
    assert missing(rows(table), tmp_path) == [
        "tests/test_x.py::test_a[two] is not one of its cases",
        "tests/test_x.py::test_b does not exist",
        "tests/test_y.py does not exist",
    ]  # the widget row is pending only because this folder has no tests/test_widgets.py


def test_troubleshooting_guide_links_to_small_pictures_that_exist():
    guide = (ROOT / "docs" / "troubleshooting.md").read_text()
    pictures = re.findall(r"!\[[^\]]+\]\((img/[\w.-]+\.png)\)", guide)
    assert len(pictures) >= 5  # healthy, pure noise, mode collapse, D wins, too slow
    for name in pictures:
        data = (ROOT / "docs" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 100_000, name
    assert "(bad_inputs.md)" in guide and CATALOGUE.exists()
