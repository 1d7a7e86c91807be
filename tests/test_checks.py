"""gan_lessons.checks and the answer key: every question in the notebooks has a key entry and vice versa;
the key's answer gets "✅ Correct", a typical wrong answer gets its hint, a blank never raises; in 简体中文
the same, in Chinese; the teacher's pages (English and Chinese) show the key as it is."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
import torch
from test_notebook_style import question_ids
from torch import nn

from gan_lessons import answer_key, checks
from gan_lessons.answer_key import BLOCKS, KEY, Exercise, Question, layer_problem
from gan_lessons.checks import BLANK, BLANK_CODE, CORRECT, GOES_ON, NOT_YET, check, same, verdict, yours_or_ours
from gan_lessons.i18n import catalogue, set_language, tr

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
QUESTIONS = sorted(q for q, e in KEY.items() if isinstance(e, Question))
EXERCISES = sorted(q for q, e in KEY.items() if isinstance(e, Exercise))
ZH_PAGE = ROOT / "docs" / "teachers.zh-CN.md"
HAN = re.compile(r"[\u4e00-\u9fff]")  # a Chinese character


@pytest.fixture(autouse=True)
def first_tries():
    """Every test starts as if no question had been tried yet."""
    checks.TRIES.clear()
    yield
    checks.TRIES.clear()


def hint_for(entry: Question, answer: object) -> str:
    """The hint the key gives for ANSWER: its own, when the key lists that mistake, else the general one."""
    return tr(next((hint for wrong, hint in entry.mistakes if same(answer, wrong, entry.tolerance)), entry.hint))


@pytest.fixture
def chinese():
    """The helpers speak 简体中文 during the test (the Chinese catalogue is given); the default comes back after."""
    set_language("zh-CN")
    yield catalogue("zh-CN")
    set_language(None)


def ids_in_notebooks() -> dict[str, str]:
    """Every question id used in any notebook -> the notebook's name."""
    found = {}
    for path in NOTEBOOKS:
        for qid in question_ids(nbformat.read(path, as_version=4)):
            assert qid not in found, f"{qid} is used twice: in {found[qid]} and {path.name}"
            found[qid] = path.name
    return found


def test_every_question_in_the_notebooks_has_a_key_entry_and_vice_versa():
    used = ids_in_notebooks()
    assert sorted(set(used) - set(KEY)) == [], "questions without a key entry in gan_lessons/answer_key.py"
    assert sorted(set(KEY) - set(used)) == [], "key entries that no notebook asks"


def test_each_lesson_block_holds_its_own_lesson_only():
    for lesson, block in BLOCKS.items():
        for qid in block:
            assert re.fullmatch(rf"{lesson}\.[1-9]\d*", qid), f"{qid} is in the block of lesson {lesson}"


@pytest.mark.parametrize("qid", QUESTIONS)
def test_the_key_answer_is_correct_and_the_typical_wrong_one_gets_the_hint(qid, capsys):
    entry = KEY[qid]
    assert entry.ask and entry.hint and entry.why
    assert verdict(qid, entry.answer) is True
    assert capsys.readouterr().out.strip() == CORRECT
    assert verdict(qid, entry.wrong) is False
    assert f"{NOT_YET} Hint: {hint_for(entry, entry.wrong)}" in capsys.readouterr().out
    if entry.choices:
        assert entry.answer in entry.choices and entry.wrong in entry.choices


@pytest.mark.parametrize("qid", [q for q in QUESTIONS if KEY[q].computed is not None])
def test_the_key_agrees_with_what_the_package_computes(qid):
    entry = KEY[qid]
    assert same(entry.computed(), entry.answer, entry.tolerance)


@pytest.mark.parametrize("qid", QUESTIONS)
def test_a_blank_answer_never_raises_and_says_what_to_do(qid, capsys, monkeypatch):
    monkeypatch.setenv("GAN_LESSONS_FAST", "1")  # fast mode too: CI runs the notebooks blank
    assert verdict(qid, ...) is False
    assert capsys.readouterr().out.strip() == BLANK


@pytest.mark.parametrize("qid", EXERCISES)
def test_code_exercises_take_yours_when_right_and_ours_otherwise(qid, capsys):
    entry = KEY[qid]
    assert entry.ask and entry.answer and entry.hint and entry.why
    right, ours = entry.ours(), entry.ours()
    assert yours_or_ours(qid, right, ours=ours) is right
    assert capsys.readouterr().out.strip().startswith(CORRECT)
    assert yours_or_ours(qid, entry.wrong(), ours=ours) is ours
    out = capsys.readouterr().out
    assert NOT_YET in out and entry.hint in out and "package's version" in out
    assert yours_or_ours(qid, ..., ours=ours) is ours
    assert capsys.readouterr().out.strip() == BLANK_CODE
    assert type(yours_or_ours(qid, ...)) is type(ours)  # without ours=, the key makes the package's version


@pytest.mark.parametrize("qid", EXERCISES)
def test_code_that_crashes_or_is_not_code_never_raises(qid, capsys):
    ours = KEY[qid].ours()

    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")

    for yours in (Broken(), "nn.Tanh()", 3, None, nn.Tanh):
        assert yours_or_ours(qid, yours, ours=ours) is ours
        assert NOT_YET in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, expected, tolerance",
    [(784, 784, 0), (784.0, 28 * 28, 0), (-0.6, -0.6000001, 0.01), (0.69, 0.6931, 0.01), ("Generator ", "generator", 0),
     (False, False, 0), ((16, 256), (16, 256), 0), ([1, 2.0], (1, 2), 0), (torch.Size([3, 4]), (3, 4), 0),
     (7, (7,), 0)],
)  # fmt: skip
def test_same_accepts_equal_answers(answer, expected, tolerance):
    assert same(answer, expected, tolerance)


@pytest.mark.parametrize(
    "answer, expected, tolerance",
    [(783, 784, 0), (0.7, 0.6931, 0.001), ("discriminator", "generator", 0), (True, False, 0), (1, True, 0),
     (True, 1, 0), ("784", 784, 0), ((16, 256), (16, 256, 1), 0), ((256, 16), (16, 256), 0), (None, 3, 0)],
)  # fmt: skip
def test_same_rejects_different_answers(answer, expected, tolerance):
    assert not same(answer, expected, tolerance)


def test_answers_of_the_wrong_form_get_a_tip_and_the_hint(capsys):
    for qid, answer, tip in [("01.1", "784", "without quotes"), ("00.2", "d", "one of"), ("00.2", 2, "one of"),
                             ("00.3", "False", "True or False"), ("01.4", "128, 1, 28, 28", "brackets")]:  # fmt: skip
        assert verdict(qid, answer) is False
        out = capsys.readouterr().out
        assert tip in out and hint_for(KEY[qid], answer) in out, (qid, out)


def test_choices_and_text_ignore_case_and_spaces(capsys):
    assert verdict("00.2", " B") is True
    assert verdict("00.1", "Generator") is True


def test_a_question_that_is_not_in_the_key_is_a_lesson_bug():
    with pytest.raises(ValueError, match="answer_key.py; the ids it knows are 00.1, 00.2"):
        check("99.9", 1)
    with pytest.raises(ValueError, match="No question None"):
        check(None, 1)
    with pytest.raises(TypeError, match="yours_or_ours"):
        check(EXERCISES[0], 1)
    with pytest.raises(TypeError, match="check"):
        yours_or_ours(QUESTIONS[0], 1, ours=2)


def test_layer_problem_says_what_differs():
    x = torch.linspace(-1, 1, 3)
    assert layer_problem(nn.Tanh(), nn.Tanh(), x) is None
    assert "brackets" in layer_problem(nn.Tanh, nn.Tanh(), x)
    assert "should give" in layer_problem(nn.Sigmoid(), nn.Tanh(), x)
    assert "shape" in layer_problem(nn.Linear(3, 2), nn.Linear(3, 3), x)
    assert "Write a layer" in layer_problem("tanh", nn.Tanh(), x)


def test_the_key_module_documents_its_fields():
    for field in ("ask", "hint", "why", "wrong", "choices", "tolerance", "checker", "ours"):
        assert f"``{field}" in answer_key.__doc__, field


def _teachers_tables():
    spec = importlib.util.spec_from_file_location("teachers_tables", ROOT / "scripts" / "teachers_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_teachers_page_shows_the_key_as_it_is():
    tables = _teachers_tables()
    page = (ROOT / "docs" / "teachers.md").read_text(encoding="utf-8")
    assert tables.render(page) == page, "docs/teachers.md is out of date: run python scripts/teachers_tables.py"
    for qid in KEY:
        assert f"| {qid} |" in page


def test_the_teachers_page_has_a_section_for_every_lesson():
    page = (ROOT / "docs" / "teachers.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        lesson = path.name[:2]
        assert re.search(rf"^## Lesson {lesson}\b", page, re.M), f"no '## Lesson {lesson}' section"
        assert f"<!-- questions {lesson} -->" in page, f"no question table for lesson {lesson}"
        assert re.search(rf"## Lesson {lesson}\b.*?\*\*Time", page, re.S), f"lesson {lesson}: no time"


def test_the_page_is_rewritten_when_the_key_changes():
    tables = _teachers_tables()
    stale = "<!-- questions 00 -->\n| old |\n<!-- end questions 00 -->"
    assert "| 00.1 |" in tables.render(stale) and "| old |" not in tables.render(stale)


def test_check_returns_nothing_so_a_notebook_shows_only_the_verdict(capsys):
    assert check("01.1", 784) is None
    assert capsys.readouterr().out.strip() == CORRECT
    assert check("01.1", ...) is None


def test_the_chinese_teachers_page_shows_the_key_as_it_is():
    tables = _teachers_tables()
    zh = catalogue("zh-CN")
    page = ZH_PAGE.read_text(encoding="utf-8")
    assert tables.render(page, "zh-CN") == page, (
        "docs/teachers.zh-CN.md is out of date: run python scripts/teachers_tables.py"
    )
    for qid, entry in KEY.items():
        assert f"| {qid} |" in page
        for text in (entry.ask, entry.hint, entry.why):
            assert f"| {tables._cell(zh[text])} |" in page, (qid, text)


def test_the_chinese_teachers_page_has_a_section_for_every_lesson():
    page = ZH_PAGE.read_text(encoding="utf-8")
    assert "(teachers.md)" in page and "(../README.zh-CN.md)" in page, "links back to the English page and README"
    for path in NOTEBOOKS:
        lesson = path.name[:2]
        assert re.search(rf"^## 第 {lesson} 课", page, re.M), f"no '## 第 {lesson} 课' section"
        assert f"(../notebooks/zh-CN/{path.name})" in page, f"lesson {lesson}: no link to the Chinese notebook"
        assert f"<!-- questions {lesson} -->" in page, f"no question table for lesson {lesson}"
        assert re.search(rf"## 第 {lesson} 课.*?\*\*时间\*\*", page, re.S), f"lesson {lesson}: no time"


def test_the_chinese_page_is_rewritten_when_the_key_changes():
    tables = _teachers_tables()
    stale = "<!-- questions 00 -->\n| old |\n<!-- end questions 00 -->"
    new = tables.render(stale, "zh-CN")
    assert "| 编号 | 问题 | 答案 | 提示 | 讲解 |" in new and "| 00.1 |" in new and "| old |" not in new
    assert "（写代码）" in tables.table("02", "zh-CN") and "（± 0.01）" in tables.table("01", "zh-CN")


@pytest.mark.parametrize("qid", QUESTIONS)
def test_in_chinese_check_prints_the_chinese_verdict_and_hint(qid, capsys, chinese):
    entry = KEY[qid]
    assert check(qid, entry.answer) is None
    assert capsys.readouterr().out.strip() == "✅ 答对了！"
    check(qid, entry.wrong)
    assert f"❌ 还不对。提示：{hint_for(entry, entry.wrong)}" in capsys.readouterr().out
    check(qid, ...)
    assert capsys.readouterr().out.strip() == chinese[BLANK] and HAN.search(chinese[BLANK])


def test_in_chinese_answers_of_the_wrong_form_get_a_chinese_tip(capsys, chinese):
    for qid, answer, tip in [("01.1", "784", "不带引号的数"), ("00.2", "d", '"a", "b", "c"'),
                             ("00.3", "False", "True 或 False"), ("01.4", "128, 1, 28, 28", "括号")]:  # fmt: skip
        assert verdict(qid, answer) is False
        out = capsys.readouterr().out
        assert out.startswith("🤔 ") and tip in out and hint_for(KEY[qid], answer) in out, (qid, out)


@pytest.mark.parametrize("qid", EXERCISES)
def test_in_chinese_yours_or_ours_speaks_chinese(qid, capsys, chinese):
    entry = KEY[qid]
    right, ours = entry.ours(), entry.ours()
    assert yours_or_ours(qid, right, ours=ours) is right
    assert capsys.readouterr().out.strip() == "✅ 答对了！接下来课程就用你写的版本。"
    assert yours_or_ours(qid, entry.wrong(), ours=ours) is ours
    verdict_line, hint_line, goes_on_line = capsys.readouterr().out.strip().split("\n")
    assert verdict_line.startswith("❌ 还不对。") and HAN.search(verdict_line[len("❌ 还不对。") :]), verdict_line
    assert hint_line == f"提示：{chinese[entry.hint]}"
    assert goes_on_line == chinese[GOES_ON] and HAN.search(goes_on_line)
    assert yours_or_ours(qid, ..., ours=ours) is ours
    assert capsys.readouterr().out.strip() == chinese[BLANK_CODE] and HAN.search(chinese[BLANK_CODE])


def test_in_chinese_code_that_crashes_is_explained_in_chinese(capsys, chinese):
    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")

    ours = KEY["02.1"].ours()
    assert yours_or_ours("02.1", Broken(), ours=ours) is ours
    assert "❌ 还不对。运行时出错了：boom" in capsys.readouterr().out


# Issue 21: answers in the learner's words, answers that break things, hints per mistake, no answer given away ---


@pytest.mark.parametrize("qid, words", [("00.1", "生成器"), ("00.1", " 生成器 "), ("00.3", "错"), ("00.3", "否"),
                                        ("02.5", "对"), ("02.5", "是"), ("03.5", "对")])  # fmt: skip
def test_answers_in_chinese_words_are_right(qid, words, capsys, chinese):
    assert verdict(qid, words) is True
    assert "✅" in capsys.readouterr().out


def test_chinese_words_that_are_wrong_stay_wrong(capsys):
    assert verdict("00.1", "判别器") is False
    assert verdict("00.3", "对") is False


@pytest.mark.parametrize(
    "answer", [10**5000, float("nan"), object(), [[1] * 10_000], b"784"], ids=["huge", "nan", "object", "long", "bytes"]
)
def test_answers_nobody_expected_never_raise(answer, capsys):
    class BrokenRepr:
        def __repr__(self):
            raise RuntimeError("no repr")

    for qid in ("00.1", "01.1", "01.4", "00.3", "03.3"):
        for given in (answer, BrokenRepr()):
            assert verdict(qid, given) is False
            out = capsys.readouterr().out
            assert NOT_YET in out and len(out) < 600, (qid, out)


def test_no_message_shows_a_python_type_name(capsys):
    for qid in QUESTIONS:
        for answer in ("784", 3, None, 2.5, (1, 2), True):
            verdict(qid, answer)
    for qid in EXERCISES:
        for yours in ("nn.Tanh()", 3, None, (1, 2), True):
            yours_or_ours(qid, yours, ours=KEY[qid].ours())
    out = capsys.readouterr().out
    for name in ("str", "int", "float", "NoneType", "tuple", "bool", "Tensor'>", "type "):
        assert not re.search(rf"\b{re.escape(name)}\b", out), name


@pytest.mark.parametrize("qid", [q for q in QUESTIONS if KEY[q].mistakes])
def test_each_listed_mistake_gets_its_own_hint(qid, capsys):
    entry = KEY[qid]
    for wrong, hint in entry.mistakes:
        assert not same(wrong, entry.answer, entry.tolerance), (qid, wrong)
        assert verdict(qid, wrong) is False
        out = capsys.readouterr().out
        assert hint in out and entry.hint not in out, (qid, out)


@pytest.mark.parametrize("qid", sorted(KEY))
def test_no_hint_gives_the_answer_away(qid):
    entry = KEY[qid]
    hints = [entry.hint] + [hint for _, hint in getattr(entry, "mistakes", ())]
    if isinstance(entry, Exercise):
        answers = re.split(r"\s{2,}or\s{2,}", entry.answer)
    elif isinstance(entry.answer, (int, float)) and not isinstance(entry.answer, bool):
        answers = [f"{entry.answer:g}", f"{entry.answer:,}"]
    elif isinstance(entry.answer, tuple):
        answers = [str(entry.answer)]
    else:
        answers = []  # a letter or True/False: the hint's words are checked by reading the key
    for hint in hints:
        for answer in answers:
            assert answer not in hint.replace(" ", "") and answer not in hint, (qid, answer, hint)
    if isinstance(entry.answer, bool):  # a hint must not state the fact the question asks about
        assert not re.search(r"\bnever\b|\balways\b", entry.hint), (qid, entry.hint)


@pytest.mark.parametrize("qid", [q for q in QUESTIONS if KEY[q].choices])
def test_a_right_choice_after_a_wrong_one_also_says_why(qid, capsys):
    entry = KEY[qid]
    assert verdict(qid, entry.wrong) is False
    capsys.readouterr()
    assert verdict(qid, entry.answer) is True
    out = capsys.readouterr().out
    assert "try 2" in out and entry.why in out
    assert checks.TRIES[qid] == [(repr(entry.wrong), False), (repr(entry.answer), True)]


def test_a_right_first_try_is_just_correct(capsys):
    assert verdict("00.2", "b") is True
    assert verdict("00.2", "b") is True
    assert capsys.readouterr().out.split() == [CORRECT.split()[0], CORRECT.split()[1]] * 2


def test_a_number_written_with_a_thousands_comma_gets_a_tip(capsys):
    assert verdict("09.1", (1, 875)) is False
    assert "60000, not 60,000" in capsys.readouterr().out


def test_10_4_is_not_beaten_by_an_off_by_one_or_by_counting(capsys):
    from gan_lessons.answer_key import Seen

    ours = KEY["10.4"].ours()
    checker = KEY["10.4"].checker
    assert checker(torch.randint(0, 10, (32,)), ours, Seen(again=lambda: torch.randint(0, 10, (32,)))) is None
    nine = Seen(again=lambda: torch.randint(0, 9, (32,)))
    assert "never asked for 9" in checker(torch.randint(0, 9, (32,)), ours, nine)
    zero = Seen(again=lambda: torch.randint(1, 10, (32,)))
    assert "never asked for 0" in checker(torch.randint(1, 10, (32,)), ours, zero)
    assert "in order" in checker(torch.arange(32) % 10, ours, Seen())
    fixed = torch.randint(0, 10, (32,), generator=torch.Generator().manual_seed(1))
    assert "same digits every time" in checker(fixed, ours, Seen(again=lambda: fixed.clone()))
    yours = torch.randint(0, 10, (32,))
    state = torch.random.get_rng_state()
    checker(yours, ours, Seen(again=lambda: torch.randint(0, 10, (32,))))
    assert torch.equal(state, torch.random.get_rng_state()), "running the line again leaves the lesson's randomness"


def test_08_4_names_the_usual_slips():
    a, b = answer_key._two_bunches()
    ours = KEY["08.4"].ours()
    checker = KEY["08.4"].checker
    means = a.mean() - b.mean()
    assert checker(float(means**2 + (a.std() - b.std()) ** 2), ours, None) is None
    assert ".var()" in checker(float(means**2 + (a.var() - b.var()) ** 2), ours, None)
    assert "spreads is not squared" in checker(float(means**2 + a.std() - b.std()), ours, None)
    assert "Check each part" in checker(123.0, ours, None)


@pytest.mark.parametrize(
    "code, error_type, words",
    [("nn.tanh()", AttributeError, "Did you mean `nn.Tanh`? Python cares about capital letters"),
     ("nn.ConvTranspose2D(1, 1, 4)", AttributeError, "`nn.ConvTranspose2d`"),
     ("nn.Linear(10, 4, bias=false)", NameError, "Did you mean `False`?"),
     ("torch.randint(0, 10, 32)", TypeError, "add brackets, like (B,)"),
     ("nn.Linear(10)", TypeError, "needs more numbers"),
     ("math.log(torch.tensor([0.1, 0.5]))", ValueError, "torch's version"),
     ("math.log(0)", ValueError, "above 0"),
     ("nn.Tanh(", SyntaxError, "( is opened but never closed"),
     ("28 x 28", SyntaxError, "not with x"),
     ("(1 - p]", SyntaxError, "do not match"),
     ("nn.Tanh())", SyntaxError, ") too many"),
     ("（1, 2）", SyntaxError, "English keyboard"),
     ('"generator', SyntaxError, "quote is opened"),
     ("nn.Linear(10 256)", SyntaxError, "comma")],
)  # fmt: skip
def test_a_slip_gets_a_hint_that_names_it(code, error_type, words):
    import math

    from gan_lessons import slips

    try:
        eval(compile(code, "<your line>", "eval"), {"nn": nn, "torch": torch, "math": math, "p": torch.ones(2)})
    except error_type as err:
        assert words in slips.hint(err, code, {"nn": nn, "torch": torch}), slips.hint(err, code)
    else:
        pytest.fail(f"{code} did not raise {error_type.__name__}")


def test_text_without_quotes_gets_the_quotes_hint():
    from gan_lessons import slips

    err = NameError("name 'generator' is not defined", name="generator")
    assert 'Text goes in quotes, like "generator"' in slips.hint(err, "generator", {}, wants_text=True)
    assert "run the cells above" in slips.hint(NameError("x", name="p_fake"), "p_fake", {})


def test_only_the_learners_own_line_is_guarded():
    import ast

    from gan_lessons import slips

    cell = 'p = torch.ones(2)\nmy_x = nn.tanh()\nx = yours_or_ours("02.1", my_x)\nprint(x)\n'
    tree = slips.guard(ast.parse(cell))
    assert [type(n).__name__ for n in tree.body] == ["Assign", "Try", "Assign", "Expr"]
    plain = "my_x = nn.tanh()\nprint(my_x)\n"
    assert [type(n).__name__ for n in slips.guard(ast.parse(plain)).body] == ["Assign", "Expr"]
    assert slips.mend('my_x = nn.Tanh(\nx = yours_or_ours("02.1", my_x)\n').startswith("my_x = __import__")
    assert slips.mend('p = torch.ones(2\nmy_x = nn.Tanh()\nx = yours_or_ours("02.1", my_x)\n') is None
    assert slips.mend('my_x = nn.Tanh()\nx = yours_or_ours("02.1", my_x)\n') is None
    assert slips.mend("x = (1,\n") is None


def test_importing_the_package_never_imports_ipython():
    import subprocess
    import sys

    code = ("import sys, gan_lessons.checks, gan_lessons.slips, gan_lessons.answer_key; "
            "print('IPython' in sys.modules, gan_lessons.checks.enable_exercises())")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
