"""Self-checks for the notebooks: the learner answers, the package says "✅ Correct!" or gives a hint (lesson 00).

A question is named by its id, like ``"02.3"`` (lesson 02, third question); its answer, hints and
explanation live in ``gan_lessons.answer_key``, never in the notebook. Two kinds:

    answer = ...                      # the learner writes e.g. "b", 784, (16, 256), True
    check("02.3", answer)             # ✏️ when blank, ✅ Correct!, or ❌ Not quite + a hint for that mistake

    my_layer = ...                    # "write the code": the learner writes e.g. a layer
    last = yours_or_ours("02.1", my_layer)   # the learner's object when right, else the package's

Neither ever raises because of what the learner wrote (a blank, a typo, code that crashes):
a lesson always runs on. In a notebook, importing this module also calls ``enable_exercises``:
when the learner's own line in such a cell raises (``nn.tanh()``) or cannot be read (a bracket
left open), a one-sentence hint names the slip (gan_lessons.slips) and the cell goes on with the
package's version, instead of a traceback. Only a question id that is not in the key raises,
since that is a bug of the lesson, not of the learner.

A multiple-choice question answered right after a wrong try also says why the answer is right,
so trying every letter still teaches the reason; ``TRIES`` keeps every answer given in this session.
"""

from __future__ import annotations

import ast
import copy
import math
import sys
from typing import Any, TypeVar

from . import slips
from .answer_key import KEY, Exercise, Question, Seen, as_written
from .i18n import N_, tr
from .validate import describe

__all__ = ["check", "yours_or_ours"]  # what notebooks call; enable_exercises runs on import

T = TypeVar("T")

# Printed with tr(...) at the moment they are shown, so they follow set_language.
CORRECT = N_("✅ Correct!")
NOT_YET = N_("❌ Not quite.")
BLANK = N_("✏️ Write your answer in place of ... and run the cell again.")
BLANK_CODE = N_("✏️ Left blank, so the lesson goes on with the package's version. Write yours in place of ... to try.")
GOES_ON = N_("The lesson goes on with the package's version; fix yours and run the cell again.")
FIX_IT = N_("✏️ Fix your line and run the cell again.")
WHY = N_("✅ Correct, on try {count}. Here is why: {why}")

# Answers in the learner's words: in the Chinese lessons 生成器 is "generator", 对 is True, ...
IN_WORDS: dict[str, object] = {"生成器": "generator", "判别器": "discriminator", "对": True, "是": True,
                               "正确": True, "错": False, "否": False, "不对": False, "不是": False,
                               "错误": False}  # fmt: skip
TRIES: dict[str, list[tuple[str, bool]]] = {}  # question id -> (answer as shown, right?) for each try so far


class _Slipped:
    """What the learner's name holds when their line raised or could not be read (a hint is already shown)."""

    def __repr__(self) -> str:
        return "SLIPPED"


SLIPPED = _Slipped()


def _entry(question: str, kind: type) -> Any:
    """The key's entry for QUESTION, which must be of KIND (a lesson bug raises, with what to fix)."""
    if not isinstance(question, str) or question not in KEY:
        raise ValueError(tr("No question {question} in gan_lessons/answer_key.py; the ids it knows are {ids}.",
                            question=describe(question), ids=", ".join(sorted(KEY))))  # fmt: skip
    entry = KEY[question]
    if not isinstance(entry, kind):
        use = "yours_or_ours" if isinstance(entry, Exercise) else "check"
        raise TypeError(tr("Question {question!r} is checked with {use}(), not with this function.",
                           question=question, use=use))  # fmt: skip
    return entry


def same(answer: object, expected: object, tolerance: float = 0.0) -> bool:
    """Lesson 00: True when ANSWER equals EXPECTED: numbers within TOLERANCE, text ignoring case and spaces."""
    if isinstance(expected, bool) or isinstance(answer, bool):
        return isinstance(answer, bool) and isinstance(expected, bool) and answer == expected
    if isinstance(expected, (int, float)):
        return isinstance(answer, (int, float)) and math.isclose(answer, expected, rel_tol=0, abs_tol=tolerance)
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    if isinstance(expected, (tuple, list)):
        if isinstance(answer, int) and len(expected) == 1:
            answer = (answer,)  # a shape of one number may be written without brackets
        return (isinstance(answer, (tuple, list)) and len(answer) == len(expected)
                and all(same(a, e, tolerance) for a, e in zip(answer, expected, strict=True)))  # fmt: skip
    raise TypeError(f"The key compares numbers, True/False, text, or tuples of them; got {type(expected).__name__}.")


def _in_words(answer: object) -> object:
    """ANSWER with a word of the learner's language put as the key writes it ("生成器" -> "generator")."""
    if isinstance(answer, str) and answer.strip() in IN_WORDS:
        return IN_WORDS[answer.strip()]
    return answer


def _form_tip(answer: object, entry: Question) -> str:
    """A tip about how to write the answer when its form is wrong (text for a number, ...), else ''."""
    expected = entry.answer
    if entry.choices:
        letters = ", ".join(f'"{c}"' for c in entry.choices)
        if not isinstance(answer, str) or answer.strip().lower() not in [c.lower() for c in entry.choices]:
            return tr(
                "🤔 Answer with one of {letters} (with the quotes); you wrote {answer}.",
                letters=letters,
                answer=as_written(answer),
            )
        return ""
    if isinstance(expected, bool) and not isinstance(answer, bool):
        return tr("🤔 Answer True or False (no quotes); you wrote {answer}.", answer=as_written(answer))
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if isinstance(answer, str):
            return tr(
                "🤔 Write a number without quotes, like 12 or 3 * 4; you wrote {answer}.", answer=as_written(answer)
            )
        if isinstance(answer, tuple):
            return tr("🤔 A comma cuts a number in two for Python: write 60000, not 60,000.")
    if isinstance(expected, (tuple, list)) and not isinstance(answer, (tuple, list, int)):
        return tr("🤔 Write it in brackets, like (3, 50); you wrote {answer}.", answer=as_written(answer))
    return ""


def _hint_for(answer: object, entry: Question) -> str:
    """The key's hint for this very mistake when it lists one, else its general hint (translated)."""
    for wrong, hint in entry.mistakes:
        try:
            if same(answer, wrong, entry.tolerance):
                return tr(hint)
        except Exception:  # an answer of a kind nobody expected
            continue
    return tr(entry.hint)


def check(question: str, answer: object) -> None:
    """Lesson 00: check the learner's ANSWER to QUESTION (an id like "02.3"); print ✅ or a hint; never raises.

    It returns nothing, so a notebook shows only the printed verdict (``verdict`` gives it as True/False).
    """
    verdict(question, answer)


def _nothing_to_check(answer: object, blank: str, slip: str) -> bool:
    """Print BLANK when ANSWER was left as ..., SLIP when its cell stopped on a slip; True in both cases."""
    if answer is ...:
        print(tr(blank))
        return True
    if answer is SLIPPED:
        print(tr(slip))
        return True
    return False


def verdict(question: str, answer: object) -> bool:
    """Lesson 00: like check, and return True when ANSWER is right."""
    entry: Question = _entry(question, Question)
    if _nothing_to_check(answer, BLANK, FIX_IT):
        return False
    try:
        answer = _in_words(answer)
        tip = _form_tip(answer, entry)
        ok = not tip and same(answer, entry.answer, entry.tolerance)
    except Exception:  # an answer of a kind nobody expected (10**5000, a broken object): simply not right
        tip, ok = "", False
    tries = TRIES.setdefault(question, [])
    tries.append((as_written(answer), ok))
    if tip:
        print(tip)
    if ok and entry.choices and not all(right for _, right in tries):
        print(tr(WHY, count=len(tries), why=tr(entry.why)))
    elif ok:
        print(tr(CORRECT))
    else:
        print(tr("{not_yet} Hint: {hint}", not_yet=tr(NOT_YET), hint=_hint_for(answer, entry)))
    return ok


def yours_or_ours(question: str, yours: object, ours: T | None = None) -> T:
    """Lesson 02: return the learner's code (YOURS) when the key's checker accepts it, else OURS; never raises.

    OURS is the package's version; when left out, the key makes it. Blank or wrong, the lesson goes on with
    OURS and says so.
    """
    entry: Exercise = _entry(question, Exercise)
    if ours is None:
        ours = entry.ours()
    seen = _SEEN.pop(question, Seen())
    if _nothing_to_check(yours, BLANK_CODE, GOES_ON):
        return ours
    try:
        problem = entry.checker(yours, ours, seen) if entry.sees else entry.checker(yours, ours)
    except Exception as err:  # the learner's code crashed inside the checker
        problem = tr("running it stopped with an error: {message}", message=err)
    if problem is None:
        print(tr("{correct} The lesson goes on with yours.", correct=tr(CORRECT)))
        return yours  # type: ignore[return-value]
    print(
        tr(
            "{not_yet} {problem}\nHint: {hint}\n{goes_on}",
            not_yet=tr(NOT_YET),
            problem=problem,
            hint=tr(entry.hint),
            goes_on=tr(GOES_ON),
        )
    )
    return ours


# Slips in exercise cells (gan_lessons.slips): a hint instead of a traceback --------------------------------

_SEEN: dict[str, Seen] = {}  # question id -> how to run the learner's line again, and the notebook's names


def _names() -> dict:
    """The notebook's variables, when running in IPython; else {}."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell.user_ns if shell is not None else {}


def _wants_text(question: str) -> bool:
    entry = KEY.get(question)
    return isinstance(entry, Question) and isinstance(entry.answer, str)


def slipped(question: str, error: BaseException, code: str) -> _Slipped:
    """Lesson 00: print the hint for the learner's line CODE of QUESTION, which raised ERROR; never raises."""
    try:
        print("🤔 " + slips.hint(error, code, _names(), _wants_text(question)))
    except Exception:  # a hint must never stop the lesson
        print("🤔 " + tr("Your line stopped with an error: {message}", message=str(error)[:160]))
    return SLIPPED


def unreadable(question: str, code: str) -> _Slipped:
    """Lesson 00: print the hint for the learner's line CODE of QUESTION, which Python cannot read."""
    try:
        compile(code, "<your line>", "exec")
        error: BaseException = SyntaxError("invalid syntax")
    except SyntaxError as err:  # the reason the cell could not be read
        error = err
    return slipped(question, error, code)


class _Guard(slips.Guard):
    """slips.Guard that also keeps how to run the learner's line again, for checkers that need it."""

    def __init__(self, names: dict) -> None:
        self.names = names

    def visit_Module(self, tree: ast.Module) -> ast.Module:  # noqa: N802 (the ast visitor's name)
        """TREE with the learner's line guarded; the line and the notebook's names are kept for the checker."""
        try:
            tree = super().visit_Module(tree)
            if self.found is not None:
                qid, _, value = self.found
                _SEEN[qid] = Seen(again=_again(copy.deepcopy(value), self.names), names=self.names)
        except Exception:  # never stop a cell: IPython would drop a transformer that raises
            pass
        return tree


def _again(value: ast.expr, names: dict) -> Any:
    code = compile(ast.fix_missing_locations(ast.Expression(body=value)), "<your line>", "eval")
    return lambda: eval(code, names)  # noqa: S307 (the learner's own line, run again by its checker)


def _mend_lines(lines: list[str]) -> list[str]:
    """An exercise cell Python cannot read, with the learner's line replaced by its hint (gan_lessons.slips)."""
    source = "".join(lines)
    if "check(" not in source and "yours_or_ours(" not in source:
        return lines
    try:
        mended = slips.mend(source)
    except Exception:
        mended = None
    return lines if mended is None else mended.splitlines(keepends=True)


def enable_exercises(shell: Any = None) -> bool:
    """Lesson 00: in a notebook, make a slip in an exercise cell a hint and go on; True when switched on.

    SHELL is the IPython shell (the running one when left out); outside IPython this does nothing.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")  # never imported here: only used when it already runs
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "ast_transformers"):
        return False
    if not any(isinstance(t, _Guard) for t in shell.ast_transformers):
        shell.ast_transformers.append(_Guard(shell.user_ns))
    if not any(getattr(t, "__name__", "") == "_mend_lines" for t in shell.input_transformers_post):
        shell.input_transformers_post.append(_mend_lines)
    return True


enable_exercises()
