"""Lesson 08's "Is it copying?": the closest real digit, found in pieces, and the picture of the pairs."""

import pytest
import torch

from gan_lessons import nearest as N
from gan_lessons.data import to_model_range


def _real(n=50, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8)  # (n, 1, 28, 28) pixels


def _brute_force(queries, real):
    d = ((queries.reshape(len(queries), 1, -1) - real.reshape(1, len(real), -1)) ** 2).sum(-1)  # (N, M)
    return d.argmin(dim=1)


def test_a_copy_is_found_at_its_place_with_difference_zero():
    real = _real()
    index, diff = N.nearest_real(to_model_range(real[[7, 3, 41]]), real, chunk=8)
    assert index.tolist() == [7, 3, 41]
    assert torch.allclose(diff, torch.zeros(3), atol=1e-6)


@pytest.mark.parametrize("chunk", [1, 7, 50, 4096])
def test_the_answer_does_not_depend_on_the_chunk(chunk):
    real = _real()
    queries = torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(1)) * 2 - 1
    index, diff = N.nearest_real(queries, real, chunk=chunk)
    assert index.tolist() == _brute_force(queries, to_model_range(real)).tolist()
    assert torch.allclose(diff, N.difference(queries, to_model_range(real)[index]))


def test_float_and_pixel_libraries_agree():
    real = _real(30)
    queries = to_model_range(_real(4, seed=5))
    assert N.nearest_real(queries, real)[0].tolist() == N.nearest_real(queries, to_model_range(real))[0].tolist()


def test_difference_is_zero_to_one():
    white, black = torch.ones(2, 1, 28, 28), -torch.ones(2, 1, 28, 28)
    assert N.difference(white, black).tolist() == [1.0, 1.0]
    assert N.difference(white, white).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="same size"):
        N.difference(white, black[:1])


@pytest.mark.parametrize(("digits", "real", "chunk", "word"), [
    ("digits", _real(3), 8, "digits"),
    (torch.zeros(2, 1, 28, 28), torch.zeros(3, 1, 14, 14), 8, "28x28"),
    (torch.zeros(2, 1, 28, 28), _real(3), 0, "chunk"),
    (torch.zeros(N.MAX_QUERIES + 1, 1, 28, 28), _real(3), 8, "at most"),
    (torch.full((2, 1, 28, 28), 3.0), _real(3), 8, r"\[-1, 1\]"),
], ids=["text", "small-pictures", "zero-chunk", "too-many", "out-of-range"])  # fmt: skip
def test_bad_inputs_are_explained(digits, real, chunk, word):
    with pytest.raises(ValueError, match=word):
        N.nearest_real(digits, real, chunk=chunk)


def test_the_shipped_generator_does_not_copy_the_shipped_sample():
    from gan_lessons.data import load_sample
    from gan_lessons.models import generate, make_noise
    from gan_lessons.pretrained import load_generator

    real = load_sample().images  # (6000, 1, 28, 28) real MNIST digits
    fakes = generate(load_generator("dcgan"), make_noise(8, seed=0))  # (8, 1, 28, 28)
    _, diff = N.nearest_real(fakes, real)
    assert bool((diff > 0.05).all()), diff  # no generated digit is a pixel-for-pixel copy


def test_the_pairs_figure_has_two_rows():
    import matplotlib

    matplotlib.use("Agg")
    real = to_model_range(_real(4))
    fig = N.pairs_figure(real, real, torch.zeros(4))
    assert len(fig.axes) == 8 and fig.axes[4].get_xlabel() == "0.00"
    with pytest.raises(ValueError, match="as many"):
        N.pairs_figure(real, real[:2])
