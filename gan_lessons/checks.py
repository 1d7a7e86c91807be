"""Self-checks for the notebooks: the learner answers, the package says "✅ Correct!" or gives a hint (lesson 00).

A question is named by its id, like ``"02.3"`` (lesson 02, third question); its answer, hint and
explanation live in ``gan_lessons.answer_key``, never in the notebook. Two kinds:

    answer = ...                      # the learner writes e.g. "b", 784, (16, 256), True
    check("02.3", answer)             # ✏️ when blank, ✅ Correct!, or ❌ Not quite + the hint

    my_layer = ...                    # "write the code": the learner writes e.g. a layer
    last = yours_or_ours("02.1", my_layer)   # the learner's object when right, else the package's

Neither ever raises because of what the learner wrote (a blank, a typo, code that crashes):
a lesson always runs on. Only a question id that is not in the key raises, since that is a bug
of the lesson, not of the learner.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

from .answer_key import KEY, Exercise, Question
from .i18n import N_, tr

__all__ = ["check", "yours_or_ours"]

T = TypeVar("T")

# Printed with tr(...) at the moment they are shown, so they follow set_language.
CORRECT = N_("✅ Correct!")
NOT_YET = N_("❌ Not quite.")
BLANK = N_("✏️ Write your answer in place of ... and run the cell again.")
BLANK_CODE = N_("✏️ Left blank, so the lesson goes on with the package's version. Write yours in place of ... to try.")
GOES_ON = N_("The lesson goes on with the package's version; fix yours and run the cell again.")


def _entry(question: str, kind: type) -> Any:
    """The key's entry for QUESTION, which must be of KIND (a lesson bug raises, with what to fix)."""
    entry = KEY.get(question)
    if entry is None:
        raise KeyError(f"No question {question!r} in gan_lessons/answer_key.py; ids look like '02.3'.")
    if not isinstance(entry, kind):
        use = "yours_or_ours" if isinstance(entry, Exercise) else "check"
        raise TypeError(f"Question {question!r} is checked with {use}(), not with this function.")
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


def _form_tip(answer: object, entry: Question) -> str:
    """A tip about how to write the answer when its form is wrong (text for a number, ...), else ''."""
    expected = entry.answer
    if entry.choices:
        letters = ", ".join(f'"{c}"' for c in entry.choices)
        if not isinstance(answer, str) or answer.strip().lower() not in [c.lower() for c in entry.choices]:
            return tr("🤔 Answer with one of {letters} (with the quotes); you wrote {answer!r}.", letters=letters,
                      answer=answer)
        return ""
    if isinstance(expected, bool) and not isinstance(answer, bool):
        return tr("🤔 Answer True or False (no quotes); you wrote {answer!r}.", answer=answer)
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(answer, str):
        return tr("🤔 Write a number without quotes, like 12 or 3 * 4; you wrote {answer!r}.", answer=answer)
    if isinstance(expected, (tuple, list)) and not isinstance(answer, (tuple, list, int)):
        return tr("🤔 Write it in brackets, like (3, 50); you wrote {answer!r}.", answer=answer)
    return ""


def check(question: str, answer: object) -> None:
    """Lesson 00: check the learner's ANSWER to QUESTION (an id like "02.3"); print ✅ or a hint; never raises.

    It returns nothing, so a notebook shows only the printed verdict (``verdict`` gives it as True/False).
    """
    verdict(question, answer)


def verdict(question: str, answer: object) -> bool:
    """Lesson 00: like check, and return True when ANSWER is right."""
    entry: Question = _entry(question, Question)
    if answer is ...:
        print(tr(BLANK))
        return False
    tip = _form_tip(answer, entry)
    try:
        ok = not tip and same(answer, entry.answer, entry.tolerance)
    except Exception:  # an answer of a kind nobody expected: it is simply not right
        ok = False
    if tip:
        print(tip)
    print(tr(CORRECT) if ok else tr("{not_yet} Hint: {hint}", not_yet=tr(NOT_YET), hint=tr(entry.hint)))
    return ok


def yours_or_ours(question: str, yours: object, ours: T | None = None) -> T:
    """Lesson 02: return the learner's code (YOURS) when the key's checker accepts it, else OURS; never raises.

    OURS is the package's version; when left out, the key makes it. Blank or wrong, the lesson goes on with
    OURS and says so.
    """
    entry: Exercise = _entry(question, Exercise)
    if ours is None:
        ours = entry.ours()
    if yours is ...:
        print(tr(BLANK_CODE))
        return ours
    try:
        problem = entry.checker(yours, ours)
    except Exception as err:  # the learner's code crashed inside the checker
        problem = tr("running it raised {error}: {message}", error=type(err).__name__, message=err)
    if problem is None:
        print(tr("{correct} The lesson goes on with yours.", correct=tr(CORRECT)))
        return yours  # type: ignore[return-value]
    print(tr("{not_yet} {problem}\nHint: {hint}\n{goes_on}", not_yet=tr(NOT_YET), problem=problem,
             hint=tr(entry.hint), goes_on=tr(GOES_ON)))
    return ours
