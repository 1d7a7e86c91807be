"""Lesson 06's players: the noise they make, the pictures they draw, and their controls."""

import pytest
import torch

from gan_lessons.models import ClassicGenerator, make_noise
from gan_lessons.widgets import EntrySweep, Morph, NoiseExplorer, blend, check_seed, digits_png, sweep

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    return ClassicGenerator().eval()


def png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "7", True, None])
def test_bad_seed_is_explained(seed):
    with pytest.raises(ValueError, match=r"A seed is a whole number from 0 to 4,294,967,295"):
        check_seed(seed)


def test_digits_png_is_a_scaled_picture():
    png = digits_png(torch.zeros(3, 1, 28, 28), scale=5)
    assert png.startswith(PNG) and png_size(png) == (5 * (3 * 29 + 1), 5 * 30)


def test_blend_and_sweep():
    a, b = torch.zeros(1, 4), torch.ones(1, 4)
    assert torch.equal(blend(a, b, 0.0), a) and torch.equal(blend(a, b, 1.0), b)
    assert torch.allclose(blend(a, b, 0.25), torch.full((1, 4), 0.25))
    zs = sweep(torch.arange(4.0), 2, torch.tensor([-3.0, 0.0, 3.0]))
    assert zs.shape == (3, 4) and zs[:, 2].tolist() == [-3, 0, 3] and zs[:, 0].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="entry must be from 0 to 3"):
        sweep(torch.zeros(4), 4, torch.zeros(1))


def test_explorer_strength_and_entries_change_the_noise(generator):
    e = NoiseExplorer(generator, seed=3)
    assert torch.equal(e.noise(), make_noise(1, 100, seed=3))
    e.strength = 0.0
    assert torch.count_nonzero(e.noise()) == 0
    e.strength, e.values[0] = 2.0, 1.5
    assert e.noise()[0, 0] == 3.0
    first = e.png()
    e.values[1] = -3.0
    assert e.png() != first


def test_explorer_widget_redraws_when_a_slider_moves(generator):
    e = NoiseExplorer(generator, seed=0)
    view = e.widget()
    controls, image = view.children
    before = image.value
    controls.children[0].value = 2.5  # entry 0
    assert e.values[0] == 2.5 and image.value != before
    seed_box, message = controls.children[6], controls.children[8]
    seed_box.value = -5
    assert "whole number from 0" in message.value and e.seed == 0
    controls.children[7].click()  # "New random digit"
    assert e.seed == 1 and message.value == "" and image.value != before


def test_morph_goes_from_a_to_b(generator):
    m = Morph(generator, seed_a=1, seed_b=2, steps=5)
    start = m.png()
    m.t = 1.0
    end = m.png()
    assert start != end
    assert Morph(generator, seed_a=2, seed_b=9).png() == end  # t = 1 is digit B itself
    assert png_size(m.strip_png())[0] > png_size(end)[0]


def test_sweep_draws_a_row_per_entry(generator):
    s = EntrySweep(generator, seed=0, entry=0, steps=7)
    view = s.widget()
    picker, image = view.children[0], view.children[1]
    before = image.value
    picker.value = 10
    assert s.entry == 10 and image.value != before
    with pytest.raises(ValueError, match="entry must be from 0 to 99"):
        EntrySweep(generator, entry=100)
