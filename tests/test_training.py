"""gan_lessons.training: the reference's step, the engine, checkpoints and resuming."""

import copy
import importlib.util
import math
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from gan_lessons.checkpoints import CheckpointError
from gan_lessons.models import build_gan
from gan_lessons.training import (
    ConfigError,
    TrainConfig,
    Trainer,
    TrainingDiverged,
    make_optimizers,
    real_penalty,
    train_step,
)

FAST = dict(epochs=2, batch_size=64, max_batches=3, seed=7)


def test_one_step_changes_both_networks(small):
    from gan_lessons.data import to_model_range

    torch.manual_seed(0)
    g, d = build_gan("classic")
    opt_g, opt_d = make_optimizers(g, d, TrainConfig())
    before_g = [p.clone() for p in g.parameters()]
    before_d = [p.clone() for p in d.parameters()]
    d_loss, g_loss = train_step(g, d, opt_g, opt_d, to_model_range(small.images[:32]), torch.randn(32, 100))
    assert math.isfinite(d_loss.item()) and math.isfinite(g_loss.item())
    assert all(not torch.equal(a, b) for a, b in zip(before_g, g.parameters(), strict=True))
    assert all(not torch.equal(a, b) for a, b in zip(before_d, d.parameters(), strict=True))


def _reference_step():
    """The benchmark's copy of the reference program's step, written as the reference wrote it."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "train_speed.py"
    spec = importlib.util.spec_from_file_location("train_speed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reference_step


@pytest.mark.parametrize("arch", ["classic", "dcgan"])
def test_train_step_is_the_reference_step_exactly(small, arch):
    from gan_lessons.data import to_model_range

    torch.manual_seed(0)
    pairs = [build_gan(arch) for _ in range(2)]
    pairs[1][0].load_state_dict(pairs[0][0].state_dict())
    pairs[1][1].load_state_dict(pairs[0][1].state_dict())
    opts = [make_optimizers(g, d, TrainConfig()) for g, d in pairs]
    reference_step = _reference_step()
    images = to_model_range(small.images[:96])
    for step, real in enumerate(images.split(32)):
        z = torch.randn(32, 100, generator=torch.Generator().manual_seed(step))
        ours = train_step(*pairs[0], *opts[0], real, z)
        plain = reference_step(*pairs[1], *opts[1], real, z)
        assert [x.item() for x in ours] == list(plain)
    for a, b in zip(pairs[0], pairs[1], strict=True):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    assert all(p.requires_grad for p in pairs[0][1].parameters()), "train_step must give D its gradients back"


class _LinearJudge(nn.Module):
    """A discriminator whose answer before the sigmoid is w . x + b: its slope is w everywhere."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


def test_penalty_is_the_squared_slope():
    torch.manual_seed(0)
    d, x = _LinearJudge(), torch.randn(5, 1, 28, 28)
    logit, penalty = real_penalty(d, x)
    w, b = d.net[1].weight, d.net[1].bias  # (1, 784), (1,)
    assert torch.allclose(logit, x.flatten(1) @ w.T + b)
    assert torch.allclose(penalty, w.square().sum())


@pytest.mark.parametrize("arch", ["classic", "dcgan"])
def test_penalty_step_follows_its_loss(small, arch):
    from gan_lessons.data import to_model_range

    torch.manual_seed(0)
    g, d = build_gan(arch)
    twin = copy.deepcopy(d)
    real, z = to_model_range(small.images[:16]), torch.randn(16, 100)
    ones, zeros = torch.ones(16, 1), torch.zeros(16, 1)
    with torch.no_grad():
        fake = g(z)  # (16, 1, 28, 28): what train_step's G draws from Z
    opt_g, opt_d = torch.optim.SGD(g.parameters(), lr=0.0), torch.optim.SGD(d.parameters(), lr=1.0)
    d_loss, _ = train_step(g, d, opt_g, opt_d, real, z, r1=2.0)  # with lr 1, each weight moves by -gradient
    x = real.clone().requires_grad_(True)
    logit = twin.net[:-1](x)  # (16, 1)
    (slope,) = torch.autograd.grad(logit.sum(), x, create_graph=True)
    plain = F.binary_cross_entropy_with_logits(logit, ones) + F.binary_cross_entropy(twin(fake), zeros)
    with_penalty = torch.autograd.grad(plain + slope.square().sum((1, 2, 3)).mean(), list(twin.parameters()),
                                       retain_graph=True)  # fmt: skip
    without = torch.autograd.grad(plain, list(twin.parameters()))
    for before, after, grad in zip(twin.parameters(), d.parameters(), with_penalty, strict=True):
        assert torch.allclose(before - after, grad, atol=1e-5)
    assert any(not torch.allclose(a, b, atol=1e-5) for a, b in zip(with_penalty, without, strict=True))
    assert d_loss.item() == pytest.approx(plain.item(), rel=1e-5), "the reported loss leaves the penalty out"


def test_same_seed_same_history(small):
    a = Trainer(small, TrainConfig(**FAST), "cpu").fit(progress=False)
    b = Trainer(small, TrainConfig(**FAST), "cpu").fit(progress=False)
    c = Trainer(small, TrainConfig(**{**FAST, "seed": 8}), "cpu").fit(progress=False)
    assert a == b
    assert len(a.batch_d) == 6 and len(a.epoch_d) == 2
    assert a.batch_d != c.batch_d


def test_epoch_averages_are_the_mean_of_the_batches(small):
    h = Trainer(small, TrainConfig(**FAST), "cpu").fit(progress=False)
    assert h.epoch_d[0] == pytest.approx(sum(h.batch_d[:3]) / 3)
    assert h.epoch_g[1] == pytest.approx(sum(h.batch_g[3:]) / 3)


@pytest.mark.parametrize("extra", [{}, {"arch": "dcgan", "r1": 1.0}], ids=["classic", "dcgan-r1"])
def test_resume_after_an_epoch_equals_uninterrupted(small, tmp_path, extra):
    config = dict(FAST, epochs=3, **extra)
    straight = Trainer(small, TrainConfig(**config), "cpu").fit(progress=False)
    first = Trainer(small, TrainConfig(**config), "cpu")
    first.fit(1, progress=False, checkpoint=tmp_path / "c.pt")
    resumed = Trainer.load(tmp_path / "c.pt", small, "cpu")
    assert resumed.epoch == 1
    assert resumed.fit(progress=False) == straight


def test_resume_mid_epoch_equals_uninterrupted(small, tmp_path, monkeypatch):
    from gan_lessons import training

    straight = Trainer(small, TrainConfig(**FAST), "cpu").fit(progress=False)
    first = Trainer(small, TrainConfig(**FAST), "cpu")
    steps = []

    def step_then_stop(*args):  # a Stop button (or Ctrl-C) pressed during the 4th batch
        steps.append(1)
        if len(steps) == 4:
            first.request_stop()
        return train_step(*args)

    monkeypatch.setattr(training, "train_step", step_then_stop)
    first.fit(progress=False, checkpoint=tmp_path / "c.pt")
    assert first.stopped_early and (first.epoch, first.batch) == (1, 1)
    monkeypatch.undo()
    resumed = Trainer.load(tmp_path / "c.pt", small, "cpu")
    assert (resumed.epoch, resumed.batch) == (1, 1)
    assert resumed.fit(progress=False) == straight


def test_checkpoint_holds_everything(small, tmp_path):
    t = Trainer(small, TrainConfig(**FAST), "cpu")
    t.fit(1, progress=False, checkpoint=tmp_path / "c.pt")
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    for key in ("generator", "discriminator", "opt_g", "opt_d", "epoch", "rng", "history", "config"):
        assert key in state
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_running_average_draws_and_resumes_exactly(small, tmp_path):
    from gan_lessons.pretrained import load_generator

    config = dict(FAST, epochs=2, ema=0.99)
    straight = Trainer(small, TrainConfig(**config), "cpu")
    straight.fit(progress=False)
    assert straight.drawer is straight.average and straight.steps == 6
    pairs = zip(straight.average.parameters(), straight.generator.parameters(), strict=True)
    gap = [(a - p).abs().max() for a, p in pairs]
    assert all(g > 0 for g in gap), "the average lags behind the generator"
    first = Trainer(small, TrainConfig(**config), "cpu")
    first.fit(1, progress=False, checkpoint=tmp_path / "c.pt")
    resumed = Trainer.load(tmp_path / "c.pt", small, "cpu")
    resumed.fit(progress=False)
    assert resumed.steps == straight.steps and resumed.history == straight.history
    for a, b in zip(resumed.average.state_dict().values(), straight.average.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    resumed.save(tmp_path / "c.pt")
    drawn = load_generator(tmp_path / "c.pt")  # a checkpoint's generator is its running average
    for a, b in zip(drawn.state_dict().values(), straight.average.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_no_average_by_default(small):
    t = Trainer(small, TrainConfig(**FAST), "cpu")
    assert t.average is None and t.drawer is t.generator


def test_checkpoint_of_another_architecture_is_refused(small, tmp_path):
    Trainer(small, TrainConfig(**FAST), "cpu").save(tmp_path / "c.pt")
    with pytest.raises(CheckpointError, match="holds a 'classic' GAN, not 'dcgan'"):
        Trainer.load(tmp_path / "c.pt", small, "cpu", arch="dcgan")


def test_nan_stops_training_with_advice(small, tmp_path):
    t = Trainer(small, TrainConfig(**{**FAST, "lr": 1e30}), "cpu")
    with pytest.raises(TrainingDiverged, match=r"Likely cause: the learning rate lr = 1e\+30 is far larger"):
        t.fit(progress=False, checkpoint=tmp_path / "c.pt")
    assert not (tmp_path / "c.pt").exists()


def test_a_blow_up_names_the_penalty_when_the_penalty_caused_it(small):
    t = Trainer(small, TrainConfig(**{**FAST, "r1": 1e300}), "cpu")
    with pytest.raises(TrainingDiverged, match=r"Likely cause: the gradient penalty r1 = 1e\+300") as err:
        t.fit(progress=False)
    assert "learning rate" not in str(err.value)


@pytest.mark.parametrize(
    "bad, message",
    [({"lr": 0}, "lr must be"), ({"batch_size": 0}, "batch_size"), ({"epochs": -1}, "epochs"),
     ({"arch": "huge"}, "arch must be one of"), ({"lr": float("nan")}, "lr must be"),
     ({"ema": 1.0}, "ema must be a number in"), ({"ema": -0.5}, "ema must be"),
     ({"r1": -1}, "r1 must be a number >= 0"), ({"r1": float("inf")}, "r1 must be")],
)  # fmt: skip
def test_bad_settings_are_explained(bad, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**bad)


def test_images_must_be_scaled(small):
    with pytest.raises(ValueError, match=r"\[-1, 1\].*to_model_range"):
        Trainer(small.images.float().unsqueeze(1), TrainConfig(**FAST), "cpu")
