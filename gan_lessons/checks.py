"""Self-checks for the notebooks: the learner answers, a check says "✅ Correct" or gives a hint (lesson 00).

Each check prints its verdict and returns True or False. In fast mode (``GAN_LESSONS_FAST=1``,
what CI uses) a wrong answer raises an AssertionError instead, so a notebook whose committed
answer is wrong fails its test run. The committed answers are right; learners are invited to
change them and see what happens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from .lesson import is_fast

__all__ = ["check", "check_choice", "check_shape"]

CORRECT = "✅ Correct!"
NOT_YET = "❌ Not quite."
BLANK = "✏️ Write your answer in place of ... and run the cell again."


def _verdict(ok: bool, hint: str, strict: bool | None) -> bool:
    """Print the verdict; in strict mode (default: fast mode) a wrong answer raises."""
    print(CORRECT if ok else f"{NOT_YET} Hint: {hint}")
    if not ok and (is_fast() if strict is None else strict):
        raise AssertionError(f"A self-check failed in fast mode; the committed answer must be right. Hint: {hint}")
    return ok


def _same(answer: object, expected: object, tolerance: float) -> bool:
    """True when ANSWER equals EXPECTED: numbers within TOLERANCE, text ignoring case and spaces."""
    if isinstance(expected, bool) or isinstance(answer, bool):
        return isinstance(answer, bool) and isinstance(expected, bool) and answer == expected
    if isinstance(expected, (int, float)):
        return isinstance(answer, (int, float)) and math.isclose(answer, expected, rel_tol=0, abs_tol=tolerance)
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    if isinstance(expected, (tuple, list)):
        return (isinstance(answer, (tuple, list)) and len(answer) == len(expected)
                and all(_same(a, e, tolerance) for a, e in zip(answer, expected, strict=True)))  # fmt: skip
    raise TypeError(f"check() compares numbers, True/False, text, or tuples of them; got {type(expected).__name__}.")


def check(answer: object, expected: object, hint: str, tolerance: float = 0.0, strict: bool | None = None) -> bool:
    """Lesson 00: print "✅ Correct!" when ANSWER equals EXPECTED (numbers within TOLERANCE), else HINT."""
    if answer is ...:
        print(BLANK)
        return _verdict(False, hint, strict)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance >= 0:
        raise ValueError(f"tolerance must be a number >= 0, e.g. 0.01; got {tolerance!r}.")
    return _verdict(_same(answer, expected, tolerance), hint, strict)


def check_choice(answer: object, correct: str, choices: Sequence[str], hint: str, strict: bool | None = None) -> bool:
    """Lesson 00: a multiple-choice check; ANSWER must be one of CHOICES (like "a", "b", "c")."""
    allowed = [str(c).strip().lower() for c in choices]
    if str(correct).strip().lower() not in allowed:
        raise ValueError(f"The correct choice {correct!r} is not among the choices {list(choices)}.")
    if answer is ...:
        print(BLANK)
        return _verdict(False, hint, strict)
    if not isinstance(answer, str) or answer.strip().lower() not in allowed:
        print(f"🤔 Answer with one of {', '.join(repr(c) for c in choices)} (in quotes); you wrote {answer!r}.")
        return _verdict(False, hint, strict)
    return _verdict(answer.strip().lower() == str(correct).strip().lower(), hint, strict)


def check_shape(answer: object, tensor: torch.Tensor, hint: str, strict: bool | None = None) -> bool:
    """Lesson 02: check a predicted shape, like (16, 256), against the real TENSOR's shape."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"check_shape needs the real tensor to compare with; got {type(tensor).__name__}.")
    if answer is ...:
        print(BLANK)
        return _verdict(False, hint, strict)
    if isinstance(answer, int) and not isinstance(answer, bool):
        answer = (answer,)  # a shape of one number may be written without the brackets
    ok = isinstance(answer, (tuple, list, torch.Size)) and tuple(answer) == tuple(tensor.shape)
    return _verdict(ok, hint, strict)
