"""Nothing a learner writes stops a lesson: every exercise and self-check cell of every lesson (both editions),
run in a real kernel with typical typos and wrong answers in place of ``...``, prints a hint, never a traceback,
and the cells after it run (docs/teachers.md promises it; gan_lessons.checks and gan_lessons.slips keep it).

One kernel per edition runs every lesson's import and parameter cells (fast mode), a few names the exercise
cells use from earlier cells, then each exercise cell once per variant, each followed by a cell that uses
what the exercise cell made. nbclient stops at the first cell that raises, so a traceback fails the test.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from gan_lessons import slips
from gan_lessons.answer_key import KEY, Exercise

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = {"en": ROOT / "notebooks", "zh-CN": ROOT / "notebooks" / "zh-CN"}
HAN = re.compile(r"[\u4e00-\u9fff]")

# What the exercise cells use from earlier cells of their lesson (made small here).
EARLIER = {
    "03": "p_real, p_fake = torch.rand(4, 1), torch.rand(4, 1)",
    "04": "bce = nn.BCELoss()\np_fake = torch.tensor([[0.05], [0.3], [0.8]])",
    "06": "from gan_lessons.models import ClassicGenerator\n"
    "torch.manual_seed(0)\ngenerator = ClassicGenerator().eval()",
    "08": "features = torch.randn(64, 128)",
    "09": "calm = torch.tensor(0.37)",
    "10": "labels = torch.tensor([3, 0, 7])",
}

# Per code exercise: the learner's lines to try, and what each must print: ✅ right, ❌ wrong (with a hint),
# 🤔 a slip (the line raised, or Python cannot read it).
CODE = {
    "02.1": [("nn.Tanh()", "✅"), ("nn.tanh()", "🤔"), ("nn.Sigmoid()", "❌"), ("nn.Tanh(", "🤔"), ("Tanh()", "🤔")],
    "03.4": [("-torch.log(1 - p)", "✅"), ("-torch.log(p)", "❌"), ("-math.log(1 - p)", "🤔"),
             ("-torch.log(1 - p]", "🤔"), ("-torch.Log(1 - p)", "🤔")],
    "04.4": [("bce(p_fake, torch.ones_like(p_fake))", "✅"), ("bce(p_fake, torch.zeros_like(p_fake))", "❌"),
             ("bce(p_fake, 1)", "🤔"), ("bce(p_fake, torch.ones_like(p_fake)", "🤔")],
    "05.1": [("nn.BCELoss()", "✅"), ("nn.BCEloss()", "🤔"), ("nn.MSELoss()", "❌"), ("nn.BCELoss", "❌")],
    "05.3": [("fake.detach()", "✅"), ("fake.detach", "❌"), ("fake.Detach()", "🤔"), ("fake", "❌")],
    "06.3": [("(z_a + z_b) / 2", "✅"), ("z_a + z_b", "❌"), ("（z_a + z_b）/ 2", "🤔"), ("(z_a + z_b) / 2)", "🤔"),
             ("2(z_a + z_b)", "🤔")],
    "07.2": [("nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False)", "✅"), ("nn.ConvTranspose2d(64, 32, 4, 2, 1)", "❌"),
             ("nn.ConvTranspose2D(64, 32, 4, 2, 1, bias=False)", "🤔"), ("nn.ConvTranspose2d(64 32, 4, 2, 1)", "🤔")],
    "08.4": [("(a.mean() - b.mean()) ** 2 + (a.std() - b.std()) ** 2", "✅"),
             ("(a.mean() - b.mean()) ** 2 + (a.var() - b.var()) ** 2", "❌"),
             ("(a.mean() - b.mean()) ** 2 + (a.std() - b.std())", "❌"), ("(a.mean() - b.mean() ** 2", "🤔"),
             ("(a.mean - b.mean) ** 2", "🤔")],
    "09.3": [("weight / 2 * calm", "✅"), ("weight * calm", "❌"), ("weight / 2 calm", "🤔"),
             ("Weight / 2 * calm", "🤔")],
    "10.3": [("nn.Linear(10, 256, bias=False)", "✅"), ("nn.Linear(10, 256)", "❌"), ("nn.Embedding(10, 256)", "❌"),
             ("nn.Linear(10, 256, bias=false)", "🤔"), ("nn.linear(10, 256, bias=False)", "🤔")],
    "10.4": [("torch.randint(0, 10, (B,))", "✅"), ("torch.randint(0, 10, B)", "🤔"),
             ("torch.randint(0, 9, (B,))", "❌"), ("torch.arange(B) % 10", "❌"), ("torch.rand(B) * 10", "❌"),
             ("torch.randint(0, 10, (B,)", "🤔")],
}  # fmt: skip


def question_variants(qid: str) -> list[tuple[str, str]]:
    """Typical answers to self-check QID: right, the typical wrong one, and slips of the form it asks for."""
    entry = KEY[qid]
    right, wrong = entry.answer, entry.wrong
    found = [(repr(right), "✅"), (repr(wrong), "❌"), (f"({right!r}", "🤔")]
    if isinstance(right, bool):
        found.append((repr(right).lower(), "🤔"))  # true: Python cares about capital letters
    elif isinstance(right, str):
        found.append((wrong, "🤔"))  # text without its quotes
    elif isinstance(right, tuple):
        found.append(("（" + repr(right)[1:-1] + "）", "🤔"))  # brackets typed with a Chinese keyboard
    else:
        found.append((f"{right} x 1", "🤔"))  # x for times
    return found


def exercise_cells(folder: Path) -> list[tuple[str, str, str]]:
    """(lesson, question id, cell source) of every exercise and self-check cell in FOLDER's lessons."""
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            asked = slips.exercise_in(cell.source) if cell.cell_type == "code" else None
            if asked:
                found.append((path.name[:2], asked[0], cell.source))
    return found


def setup_cells(folder: Path, lesson: str) -> list[str]:
    """The lesson's import cell (the one that imports gan_lessons.checks) and its parameter cell."""
    path = next(folder.glob(f"{lesson}_*.ipynb"))
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    imports = next(s for s in code if "from gan_lessons.checks import" in s)
    parameters = next(s for s in code if s.startswith("# Parameters"))
    return [imports, parameters]


def with_answer(source: str, name: str, code: str) -> str:
    """SOURCE with the learner's `NAME = ...` written as `NAME = CODE`."""
    new, count = re.subn(rf"^{name} = \.\.\.", lambda _: f"{name} = {code}", source, count=1, flags=re.M)
    assert count == 1, f"no `{name} = ...` line in:\n{source}"
    return new


def after(source: str) -> str:
    """A cell that uses what the exercise cell SOURCE made (the name yours_or_ours gave to), or just runs."""
    made = re.search(r"^(\w+) = yours_or_ours\(", source, re.M)
    return f"print('next cell:', type({made.group(1)}).__name__)" if made else "print('next cell: runs')"


def build(folder: Path) -> tuple[nbformat.NotebookNode, list[tuple[int, str, str, str]]]:
    """One notebook running every exercise cell of FOLDER with each variant; and, per variant, what to expect."""
    cells, expected, lessons_done = [], [], set()
    for lesson, qid, source in exercise_cells(folder):
        if lesson not in lessons_done:
            lessons_done.add(lesson)
            cells += [nbformat.v4.new_code_cell(s) for s in setup_cells(folder, lesson)]
            cells.append(nbformat.v4.new_code_cell("import math\n" + EARLIER.get(lesson, "")))
        name = slips.exercise_in(source)[1]
        variants = CODE[qid] if isinstance(KEY[qid], Exercise) else question_variants(qid)
        for code, mark in variants:
            expected.append((len(cells), qid, code, mark))
            cells += [
                nbformat.v4.new_code_cell(with_answer(source, name, code)),
                nbformat.v4.new_code_cell(after(source)),
            ]
    return nbformat.v4.new_notebook(cells=cells), expected


def test_every_code_exercise_has_typical_slips_here():
    assert sorted(CODE) == sorted(q for q, e in KEY.items() if isinstance(e, Exercise))
    for qid, variants in CODE.items():
        assert {mark for _, mark in variants} == {"✅", "❌", "🤔"}, qid


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_typos_and_wrong_answers_give_hints_never_tracebacks(edition, monkeypatch):
    monkeypatch.setenv("GAN_LESSONS_FAST", "1")
    monkeypatch.setenv("GAN_LESSONS_OFFLINE", "1")
    nb, expected = build(EDITIONS[edition])
    assert len({qid for _, qid, _, _ in expected}) == len(KEY), "every question of the key is tried"
    NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=False, resources={"metadata": {"path": str(ROOT)}}
    ).execute()  # raises at the first traceback
    for index, qid, code, mark in expected:
        out = "".join(o.get("text", "") for o in nb.cells[index].outputs if o.output_type == "stream")
        assert "Traceback" not in out and "Error" not in out.replace("error", ""), (qid, code, out)
        assert mark in out, (qid, code, mark, out)
        if mark != "✅":
            hint = next(line for line in out.splitlines() if mark in line or "Hint" in line or "提示" in line)
            assert len(hint) > 12 and (edition == "en" or HAN.search(out)), (qid, code, out)
        following = "".join(o.get("text", "") for o in nb.cells[index + 1].outputs)
        assert following.startswith("next cell:"), (qid, code, following)
