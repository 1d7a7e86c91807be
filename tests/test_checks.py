"""gan_lessons.checks: self-checks say "✅ Correct!" or give the hint, return a bool, and are strict in fast mode."""

import pytest
import torch

from gan_lessons.checks import CORRECT, NOT_YET, check, check_choice, check_shape


@pytest.fixture(autouse=True)
def _learner_mode(monkeypatch):
    """By default a learner's notebook, not fast mode (the test command sets GAN_LESSONS_FAST=1)."""
    monkeypatch.delenv("GAN_LESSONS_FAST", raising=False)


@pytest.mark.parametrize(
    "answer, expected, tolerance",
    [(784, 784, 0), (784.0, 28 * 28, 0), (-0.6, -0.6000001, 0.01), (0.69, 0.6931, 0.01), ("Generator ", "generator", 0),
     (False, False, 0), ((16, 256), (16, 256), 0), ([1, 2.0], (1, 2), 0)],
)  # fmt: skip
def test_right_answers_pass(capsys, answer, expected, tolerance):
    assert check(answer, expected, hint="nope", tolerance=tolerance) is True
    assert capsys.readouterr().out.strip() == CORRECT


@pytest.mark.parametrize(
    "answer, expected, tolerance",
    [(783, 784, 0), (0.7, 0.6931, 0.001), ("discriminator", "generator", 0), (True, False, 0), (1, True, 0),
     (True, 1, 0), ("784", 784, 0), ((16, 256), (16, 256, 1), 0), ((256, 16), (16, 256), 0), (None, 3, 0)],
)  # fmt: skip
def test_wrong_answers_fail_with_the_hint(capsys, answer, expected, tolerance):
    assert check(answer, expected, hint="Count the pixels.", tolerance=tolerance) is False
    assert capsys.readouterr().out.strip() == f"{NOT_YET} Hint: Count the pixels."


def test_an_answer_left_blank_asks_for_one(capsys):
    assert check(..., 3, hint="h") is False
    out = capsys.readouterr().out
    assert "in place of ..." in out and "Hint: h" in out


def test_fast_mode_makes_a_wrong_answer_fail_the_run(monkeypatch, capsys):
    monkeypatch.setenv("GAN_LESSONS_FAST", "1")
    assert check(3, 3, hint="h") is True
    with pytest.raises(AssertionError, match="Hint: Count the pixels"):
        check(4, 3, hint="Count the pixels.")
    with pytest.raises(AssertionError):
        check_choice("a", "b", ["a", "b"], hint="h")
    assert check(4, 3, hint="h", strict=False) is False  # strict can be switched off


def test_strict_raises_even_outside_fast_mode():
    with pytest.raises(AssertionError):
        check(4, 3, hint="h", strict=True)


def test_bad_settings_are_explained():
    with pytest.raises(ValueError, match="tolerance must be a number >= 0"):
        check(1, 1, hint="h", tolerance=-1)
    with pytest.raises(TypeError, match="compares numbers"):
        check({1}, {1}, hint="h")
    with pytest.raises(ValueError, match="not among the choices"):
        check_choice("a", "d", ["a", "b"], hint="h")
    with pytest.raises(TypeError, match="real tensor"):
        check_shape((1, 2), (1, 2), hint="h")


def test_choices_ignore_case_and_spaces_and_explain_bad_answers(capsys):
    assert check_choice(" B", "b", ["a", "b", "c"], hint="h") is True
    assert check_choice("a", "b", ["a", "b", "c"], hint="think") is False
    assert "Hint: think" in capsys.readouterr().out
    assert check_choice("d", "b", ["a", "b", "c"], hint="h") is False
    assert "Answer with one of 'a', 'b', 'c'" in capsys.readouterr().out
    assert check_choice(2, "b", ["a", "b", "c"], hint="h") is False


def test_shapes_are_compared_with_the_real_tensor(capsys):
    x = torch.zeros(16, 256)
    assert check_shape((16, 256), x, hint="h") is True
    assert check_shape([16, 256], x, hint="h") is True
    assert check_shape(torch.Size([16, 256]), x, hint="h") is True
    assert check_shape((256, 16), x, hint="rows first") is False
    assert "Hint: rows first" in capsys.readouterr().out
    assert check_shape(7, torch.zeros(7), hint="h") is True  # one number may go without brackets
    assert check_shape("16, 256", x, hint="h") is False
