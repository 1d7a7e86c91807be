"""gan_lessons.game: the "you be the discriminator" rounds, and the widget around them."""

import numpy as np
import pytest
import torch
from torch import nn

from gan_lessons.data import to_model_range
from gan_lessons.game import new_round, play, verdict


class Blank(nn.Module):
    """A generator that always draws the same grey square, easy to tell from real digits."""

    z_dim = 100

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, z):
        return torch.zeros(len(z), 1, 28, 28) + self.dummy  # (B, 1, 28, 28), all 0: mid-grey


class Brightness(nn.Module):
    """A 'discriminator' that calls a picture real in proportion to its black background."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return (x < -0.9).float().mean(dim=(1, 2, 3)).unsqueeze(1) + self.dummy  # (B, 1)


@pytest.fixture
def real(sample):
    return to_model_range(sample.images[:50])  # (50, 1, 28, 28)


def test_a_round_hides_one_fake_among_real_digits(real):
    seen = set()
    for seed in range(12):
        r = new_round(real, Blank(), n=4, seed=seed)
        assert r.images.shape == (4, 1, 28, 28) and r.p_real is None
        assert torch.all(r.images[r.fake] == 0)  # the grey square is where the round says
        others = [i for i in range(4) if i != r.fake]
        assert all(any(torch.equal(r.images[i], x) for x in real) for i in others)
        seen.add(r.fake)
    assert seen == {0, 1, 2, 3}  # the fake moves around
    assert torch.equal(new_round(real, Blank(), seed=5).images, new_round(real, Blank(), seed=5).images)


def test_verdict_tells_the_player_and_shows_the_discriminators_view(real):
    r = new_round(real, Blank(), Brightness(), n=3, seed=0)
    assert len(r.p_real) == 3 and min(r.p_real) == r.p_real[r.fake]
    right = verdict(r, r.fake)
    assert right.startswith(f"Right! You found the fake: it was picture {r.fake + 1}.")
    assert f"It would have picked picture {r.fake + 1} as the fake: it was right." in right
    wrong = verdict(r, (r.fake + 1) % 3)
    assert wrong.startswith("Fooled!") and "discriminator's 'how real?'" in wrong
    with pytest.raises(ValueError, match="from 0 to 2"):
        verdict(r, 3)


def test_bad_rounds_are_refused(real):
    with pytest.raises(ValueError, match="2 to 10 pictures"):
        new_round(real, Blank(), n=1)
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        new_round(real[:, :, :14], Blank())


def test_the_widget_plays_and_keeps_score(real):
    pytest.importorskip("ipywidgets")
    game = play(real, Blank(), Brightness(), n=4, seed=3)
    pictures, buttons, message, _ = game.children
    assert len(pictures.children) == 4 and pictures.children[0].value[:4] == b"\x89PNG"
    fake = game.state["round"].fake
    buttons.children[fake].click()
    assert message.value.startswith("Right!") and "Your score: 1 of 1." in message.value
    assert all(b.disabled for b in buttons.children)
    game.start()
    wrong = (game.state["round"].fake + 1) % 4
    game.choose(wrong)
    assert message.value.startswith("Fooled!") and "Your score: 1 of 2." in message.value


def test_numpy_whole_numbers_make_the_same_round(real):
    a, b = new_round(real, Blank(), n=np.int64(3), seed=np.uint32(4)), new_round(real, Blank(), n=3, seed=4)
    assert torch.equal(a.images, b.images) and a.fake == b.fake


def test_each_picture_is_an_84_pixel_png(real):
    from gan_lessons.game import _png

    png = _png(new_round(real, Blank(), seed=0).images[0])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (84, 84)
