"""Lesson 04's one-weight gradient descent: the maths, the words, the picture and the sliders."""

import math

import pytest
import torch

from gan_lessons import descent as D


def test_the_slope_is_the_gradient_torch_works_out():
    for value in (-1.0, 0.5, 3.0, 7.25):
        w = torch.tensor(value, requires_grad=True)
        D.loss(w).backward()
        assert math.isclose(float(w.grad), D.slope(value), rel_tol=1e-6)


def test_small_steps_roll_down_to_the_bottom():
    weights = D.descend(D.START, 0.1, 50)
    assert len(weights) == 51 and weights[0] == D.START
    losses = [D.loss(w) for w in weights]
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False)), "every step goes down"
    assert abs(weights[-1] - D.TARGET) < 1e-3
    assert all(w < D.TARGET for w in weights), "small steps never jump across the valley"
    assert "rolls down" in D.verdict(weights)


def test_a_step_of_one_half_lands_at_the_bottom_in_one_step():
    assert D.descend(-1.0, 0.5, 1) == [-1.0, D.TARGET]


def test_steps_between_one_half_and_one_jump_across_but_still_arrive():
    weights = D.descend(-1.0, 0.8, 30)
    sides = [w > D.TARGET for w in weights[1:6]]
    assert sides == [True, False, True, False, True]
    assert abs(weights[-1] - D.TARGET) < 1e-3
    assert "side to side" in D.verdict(weights)


def test_steps_above_one_fly_off():
    weights = D.descend(-1.0, 1.1, 20)
    assert abs(weights[-1] - D.TARGET) > 10 * abs(weights[0] - D.TARGET)
    assert "flew off" in D.verdict(weights)
    assert "not moved" in D.verdict(weights[:1])


@pytest.mark.parametrize(("args", "word"), [
    ((float("nan"), 0.1, 5), "start"), ((1e9, 0.1, 5), "start"), ((0.0, 0.0, 5), "step_size"),
    ((0.0, -0.1, 5), "step_size"), ((0.0, 3.0, 5), "step_size"), ((0.0, "0.1", 5), "step_size"),
    ((0.0, 0.1, -1), "steps"), ((0.0, 0.1, 2.5), "steps"), ((0.0, 0.1, 10**6), "steps"),
], ids=["nan-start", "far-start", "zero-step", "negative-step", "huge-step", "text-step", "negative-steps",
        "half-steps", "too-many-steps"])  # fmt: skip
def test_bad_settings_are_explained(args, word):
    with pytest.raises(ValueError, match=word):
        D.descend(*args)


def test_the_picture_draws_even_a_ball_that_flew_off():
    png = D.descent_png(D.descend(-1.0, 1.1, 30), 1.1)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    fig = D.descent_figure(D.descend(-1.0, 0.1, 5), 0.1)
    assert "5 steps" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="list of weights"):
        D.descent_figure([])


def test_the_player_follows_its_sliders():
    pytest.importorskip("ipywidgets")
    player = D.DescentPlayer(step_size=0.1, steps=0)
    view = player.widget()
    size, steps = view.children[0].children
    image, words = view.children[1], view.children[2]
    first = image.value
    steps.value = 10
    assert player.steps == 10 and image.value != first and "rolls down" in words.value
    size.value = 1.05
    assert player.step_size == 1.05 and "flew off" in words.value
    with pytest.raises(ValueError, match="step_size"):
        D.DescentPlayer(step_size=0)


def test_messages_follow_the_language(monkeypatch):
    from gan_lessons import i18n

    monkeypatch.setattr(i18n, "_chosen", "zh-CN")
    assert "球" in D.verdict(D.descend(-1.0, 0.1, 5))
    with pytest.raises(ValueError, match="step_size"):
        D.descend(0.0, 0.0, 5)
