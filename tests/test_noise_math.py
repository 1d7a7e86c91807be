"""Lesson 06's arithmetic on the noise: a direction from examples, added to a new digit."""

import pytest
import torch

from gan_lessons import noise_math as M
from gan_lessons.models import generate, make_noise


def test_the_direction_is_the_difference_of_the_averages():
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = torch.tensor([[0.0, 0.0], [0.0, 2.0], [0.0, 1.0]])
    assert M.direction(a, b).tolist() == [2.0, 2.0]


def test_along_adds_each_amount_times_the_direction():
    z, way = torch.zeros(3), torch.tensor([1.0, -1.0, 0.5])
    rows = M.along(z, way, torch.tensor([-2.0, 0.0, 1.0]))
    assert rows.shape == (3, 3)
    assert rows.tolist() == [[-2.0, 2.0, -1.0], [0.0, 0.0, 0.0], [1.0, -1.0, 0.5]]


def test_ink_and_by_ink():
    images = -torch.ones(4, 1, 28, 28)
    images[1, :, :14] = 1  # half ink
    images[2, :, :7] = 1  # a quarter
    assert M.ink(images).tolist() == [0.0, 0.5, 0.25, 0.0]
    assert M.by_ink(images, 1) == ([1], [3])
    with pytest.raises(ValueError, match="k"):
        M.by_ink(images, 3)
    with pytest.raises(ValueError, match="at least 2"):
        M.by_ink(images[:1], 1)


@pytest.mark.parametrize(("a", "b", "word"), [
    ([[1.0]], torch.zeros(1, 1), "noise rows"), (torch.zeros(0, 3), torch.zeros(1, 3), "noise rows"),
    (torch.zeros(2, 3), torch.zeros(2, 4), "same number"), (torch.full((1, 3), float("nan")), torch.zeros(1, 3), "NaN"),
    (torch.zeros(2, 3, dtype=torch.long), torch.zeros(1, 3), "float"),
], ids=["list", "empty", "sizes", "nan", "whole-numbers"])  # fmt: skip
def test_bad_noise_is_explained(a, b, word):
    with pytest.raises(ValueError, match=word):
        M.direction(a, b)


def test_the_ink_direction_thickens_new_digits_of_the_shipped_dcgan():
    from gan_lessons.pretrained import load_generator

    g = load_generator("dcgan")
    z = make_noise(24, seed=0)  # (24, 100): the digits the learner picks from
    thick, thin = M.by_ink(generate(g, z), 4)
    way = M.direction(z[thick], z[thin])  # (100,)
    new = make_noise(32, seed=100)  # (32, 100): other digits
    less, same, more = (float(M.ink(generate(g, new + a * way)).mean()) for a in (-1.0, 0.0, 1.0))
    assert less < same < more, (less, same, more)


def test_the_player_and_its_sliders():
    pytest.importorskip("ipywidgets")
    from gan_lessons.pretrained import load_generator

    g = load_generator("dcgan")
    player = M.NoiseArithmetic(g, torch.ones(g.z_dim), seed=3)
    assert player.noise(torch.tensor([0.0, 1.0])).shape == (2, g.z_dim)
    view = player.widget()
    amount, seed = view.children[0].children[0].children
    image, row = view.children[0].children[1], view.children[1]
    before, strip = image.value, row.value
    amount.value = 2.0
    assert player.amount == 2.0 and image.value != before and row.value == strip
    seed.value = 4
    assert player.seed == 4 and row.value != strip
    with pytest.raises(ValueError, match="100 noise numbers"):
        M.NoiseArithmetic(g, torch.ones(5))
    with pytest.raises(ValueError, match="amount"):
        M.NoiseArithmetic(g, torch.ones(g.z_dim), amount=9)


def test_numbered_figure_numbers_each_digit():
    import matplotlib

    matplotlib.use("Agg")
    fig = M.numbered_figure(torch.zeros(10, 1, 28, 28), nrow=4)
    assert [ax.get_title() for ax in fig.axes[:10]] == [str(i) for i in range(10)]
    assert len(fig.axes) == 12


def test_rows_at_and_direction_from_take_the_learners_lists():
    z = torch.arange(12.0).reshape(4, 3)  # (4, 3)
    assert M.rows_at(z, [3, 0], "THICK").tolist() == [[9.0, 10.0, 11.0], [0.0, 1.0, 2.0]]
    assert M.direction_from(z, [2, 3], [0, 1]).tolist() == [6.0, 6.0, 6.0]


@pytest.mark.parametrize(
    "places",
    [[], [4], [-1], [1.5], "0, 1", ..., [True]],
    ids=["empty", "too-big", "negative", "half", "text", "blank", "bool"],
)
def test_a_bad_list_of_places_is_explained(places):
    with pytest.raises(ValueError, match=r"THICK must be a list of the digits' numbers, from 0 to 3"):
        M.direction_from(torch.zeros(4, 3), places, [0])


def test_thick_and_thin_pairs_digits_of_the_same_kind():
    images = -torch.ones(5, 1, 28, 28)
    for i, rows in enumerate([10, 2, 6, 20, 4]):  # how many rows of ink each digit has
        images[i, :, :rows] = 1
    kinds = torch.tensor([3, 3, 7, 7, 1])  # the lone 1 has no partner
    assert M.thick_and_thin(images, kinds) == ([0, 3], [1, 2])
    with pytest.raises(ValueError, match="one whole number per digit"):
        M.thick_and_thin(images, kinds[:4])
    with pytest.raises(ValueError, match="at least two digits of one kind"):
        M.thick_and_thin(images, torch.arange(5))
