"""Lesson 06's players: the noise they make, the pictures they draw, and their controls."""

import numpy as np
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


def test_numpy_whole_numbers_pick_entries_and_seeds(generator):
    e = NoiseExplorer(generator, entries=(np.int64(0), np.int32(5)), seed=np.uint32(3))
    assert e.entries == (0, 5) and all(type(i) is int for i in e.entries) and e.seed == 3
    assert EntrySweep(generator, entry=np.int64(10)).entry == 10
    assert torch.equal(sweep(torch.zeros(4), np.int64(2), torch.ones(1)), sweep(torch.zeros(4), 2, torch.ones(1)))
    for bad in (1.5, True, "2", 100):
        with pytest.raises(ValueError, match="entry must be from 0 to 99"):
            NoiseExplorer(generator, entries=(bad,))


def test_digits_png_takes_a_numpy_scale_and_refuses_scale_0():
    assert digits_png(torch.zeros(1, 1, 28, 28), scale=np.int64(2)) == digits_png(torch.zeros(1, 1, 28, 28), scale=2)
    with pytest.raises(ValueError, match="scale must be a whole number >= 1"):
        digits_png(torch.zeros(1, 1, 28, 28), scale=0)


def test_png_bytes_is_the_one_encoder_for_arrays_and_figures():
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    from gan_lessons.plots import png_bytes

    grey = np.arange(6, dtype=np.uint8).reshape(2, 3)  # (2, 3)
    back = np.asarray(Image.open(io.BytesIO(png_bytes(grey, scale=2))))
    assert back.shape == (4, 6) and np.array_equal(back[::2, ::2], grey) and np.array_equal(back[1::2, 1::2], grey)
    colour = np.zeros((5, 7, 3), dtype=np.uint8)
    assert png_size(png_bytes(colour)) == (7, 5)
    fig = plt.figure(figsize=(2, 1))
    try:
        assert png_size(png_bytes(fig, dpi=50)) == (100, 50)
    finally:
        plt.close(fig)
    for bad in (grey.astype(float), np.zeros(4, np.uint8), np.zeros((2, 2, 2), np.uint8), [[0, 1]]):
        with pytest.raises(ValueError, match="png_bytes expects a uint8 picture"):
            png_bytes(bad)
