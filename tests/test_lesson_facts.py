"""What lessons 02, 03 and 06 say about the package is true (issue #11, section 6: every sentence true)."""

import math

import pytest
import torch
from torch import nn

from gan_lessons.checkpoints import CheckpointError
from gan_lessons.models import ClassicDiscriminator, ClassicGenerator, generate, make_noise
from gan_lessons.pretrained import generator_for_lesson, load_generator, save_generator
from gan_lessons.widgets import VISIBLE, blend, change, entry_changes, far_seed, most_visible_entries, sweep


@pytest.fixture(scope="module")
def shipped():
    return {name: load_generator(name) for name in ("dcgan", "classic")}


# Lesson 02: batch normalization


def _recipe_in_two_batches(generator, companions=7):
    recipe = make_noise(1, seed=0)
    batches = [torch.cat([recipe, make_noise(companions, seed=s)]) for s in (1, 2)]
    with torch.no_grad():
        a, b = (generator(batch)[:1] for batch in batches)
    return (a - b).abs().max().item()


def test_in_training_mode_a_picture_depends_on_its_batch_and_in_evaluation_mode_not():
    torch.manual_seed(0)
    generator = ClassicGenerator()
    assert _recipe_in_two_batches(generator.train()) > 0.1  # lesson 02 shows it: clearly different
    assert _recipe_in_two_batches(generator.eval()) == 0.0
    generator.train()
    assert _recipe_in_two_batches(generator, 63) < _recipe_in_two_batches(generator, 7)  # the Try-it's answer


def test_the_classic_generator_s_running_averages_weigh_each_new_batch_at_80_percent():
    """Lesson 02: each batch normalization of our ClassicGenerator: new running average = 80% batch + 20% old."""
    torch.manual_seed(0)
    generator = ClassicGenerator().train()
    norms = [m for m in generator.modules() if isinstance(m, nn.BatchNorm1d)]
    assert len(norms) == 3, "the three batch normalizations lesson 02 builds"
    seen = {}
    for norm in norms:
        norm.register_forward_hook(lambda module, args, out: seen.__setitem__(module, args[0].detach()))
    for seed in (1, 2):  # the second batch finds a running average that is not 0 any more
        before = [norm.running_mean.clone() for norm in norms]
        with torch.no_grad():
            generator(make_noise(16, seed=seed))
        for norm, old in zip(norms, before, strict=True):
            batch_average = seen[norm].mean(dim=0)  # (features,): this batch's average of each number
            assert torch.allclose(norm.running_mean, 0.8 * batch_average + 0.2 * old, atol=1e-5)


def test_eval_alone_does_not_stop_learning():
    torch.manual_seed(0)
    generator = ClassicGenerator().eval()
    before = [p.clone() for p in generator.parameters()]
    optimizer = torch.optim.SGD(generator.parameters(), lr=0.1)
    generator(make_noise(4)).mean().backward()  # evaluation mode still keeps the notes for learning
    optimizer.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, generator.parameters(), strict=True))


# Lesson 03: the logarithm counts halvings


def test_each_halving_adds_the_same_step_to_the_loss():
    losses = [-math.log(0.5**k) for k in range(6)]
    steps = [b - a for a, b in zip(losses, losses[1:], strict=False)]
    assert all(s == pytest.approx(0.693, abs=1e-3) for s in steps)
    assert -math.log(0.01) == pytest.approx(math.log2(100) * 0.693, abs=0.01) == pytest.approx(4.6, abs=0.01)


def test_our_discriminator_ends_with_the_sigmoid_formula():
    """Lesson 03: the discriminator's last step turns its score x into 1 / (1 + e^-x), between 0 and 1."""
    torch.manual_seed(0)
    detective = ClassicDiscriminator().eval()
    digits = torch.rand(6, 1, 28, 28) * 2 - 1  # (6, 1, 28, 28)
    with torch.no_grad():
        scores = detective.net[:-1](digits)  # (6, 1): everything before the last layer
        p_real = detective(digits)  # (6, 1)
    assert torch.allclose(p_real, 1 / (1 + torch.exp(-scores)))
    assert ((p_real > 0) & (p_real < 1)).all()


# Lesson 06: measured, visible demos


def test_change_measures_from_0_to_1():
    black, white = torch.full((1, 1, 28, 28), -1.0), torch.ones(1, 1, 28, 28)
    assert change(torch.cat([black, black])) == 0.0
    assert change(torch.cat([black, white])) == 1.0
    with pytest.raises(ValueError, match="at least 2"):
        change(black)


def test_a_change_below_visible_looks_the_same_and_the_old_demo_was_one(shipped):
    values = torch.linspace(-3, 3, 7)
    z = make_noise(1, seed=0)[0]
    old_demo = change(generate(shipped["classic"], sweep(z, 0, values)))  # the first edition's entry 0
    assert old_demo < VISIBLE / 4, "the comment on VISIBLE quotes this measurement"


@pytest.mark.parametrize("name", ["dcgan", "classic"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_the_chosen_entries_visibly_change_the_digit(shipped, name, seed):
    generator = shipped[name]
    values = torch.linspace(-3, 3, 7)
    entries = most_visible_entries(generator, seed, k=5)
    changes = entry_changes(generator, make_noise(1, seed=seed)[0], values)
    assert len(set(entries)) == 5
    for e in entries:
        assert changes[e] >= VISIBLE, f"{name} seed {seed}: entry {e} changes by only {changes[e]:.3f}"
        assert changes[e] >= changes.median()


@pytest.mark.parametrize("name", ["dcgan", "classic"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_the_morph_goes_to_a_visibly_different_digit(shipped, name, seed):
    generator = shipped[name]
    seed_b = far_seed(generator, seed)
    assert seed_b != seed and 1 <= seed_b <= 20
    z_a, z_b = make_noise(1, seed=seed), make_noise(1, seed=seed_b)
    steps = generate(generator, blend(z_a, z_b, torch.linspace(0, 1, 8).unsqueeze(1)))  # (8, 1, 28, 28)
    assert change(steps) >= VISIBLE
    assert change(steps[[0, -1]]) >= 5 * VISIBLE  # A and B are clearly different digits


def test_the_default_strength_row_visibly_changes(shipped):
    z = make_noise(1, seed=0)
    row = generate(shipped["dcgan"], torch.cat([s * z for s in (0.0, 0.5, 1.0, 2.0, 3.0)]))
    assert change(row) >= VISIBLE


@pytest.mark.parametrize("name", ["dcgan", "classic"])
def test_strength_0_is_not_the_average_digit(shipped, name):
    generator = shipped[name]
    at_zero = generate(generator, torch.zeros(1, generator.z_dim))
    average = generate(generator, make_noise(500, seed=0)).mean(dim=0, keepdim=True)
    assert change(torch.cat([at_zero, average])) >= VISIBLE


# Lesson 06 (and any lesson that reads an earlier lesson's checkpoint): yours, or a shipped one, and which


def test_your_generator_is_used_when_its_file_is_there(tmp_path):
    torch.manual_seed(0)
    mine = ClassicGenerator()
    path = save_generator(mine, "classic", tmp_path / "checkpoint.pt", half=False)
    generator, which = generator_for_lesson(path)
    assert "your own" in which and str(path) in which
    z = make_noise(2)
    assert torch.equal(generate(generator, z), generate(mine, z))


def test_a_shipped_generator_is_used_and_named_when_yours_is_missing_or_damaged(tmp_path):
    generator, which = generator_for_lesson(tmp_path / "nothing.pt")
    assert "shipped 'dcgan'" in which and "there is no" in which
    assert generator.training is False
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(b"not a checkpoint")
    generator, which = generator_for_lesson(damaged, shipped="classic")
    assert "shipped 'classic'" in which and "could not be read" in which
    assert isinstance(generator, ClassicGenerator)
    _, which = generator_for_lesson(None)
    assert "no checkpoint was given" in which


def test_a_damaged_checkpoint_is_a_checkpoint_error(tmp_path):
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        load_generator(damaged)
