"""gan_lessons.training: the reference's step, the engine, checkpoints and resuming."""

import math

import pytest
import torch

from gan_lessons.checkpoints import CheckpointError
from gan_lessons.models import build_gan
from gan_lessons.training import ConfigError, TrainConfig, Trainer, TrainingDiverged, make_optimizers, train_step

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


def test_resume_after_an_epoch_equals_uninterrupted(small, tmp_path):
    config = dict(FAST, epochs=3)
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


def test_checkpoint_of_another_architecture_is_refused(small, tmp_path):
    Trainer(small, TrainConfig(**FAST), "cpu").save(tmp_path / "c.pt")
    with pytest.raises(CheckpointError, match="holds a 'classic' GAN, not 'dcgan'"):
        Trainer.load(tmp_path / "c.pt", small, "cpu", arch="dcgan")


def test_nan_stops_training_with_advice(small, tmp_path):
    t = Trainer(small, TrainConfig(**{**FAST, "lr": 1e30}), "cpu")
    with pytest.raises(TrainingDiverged, match="learning rate is too high.*try 2e-4"):
        t.fit(progress=False, checkpoint=tmp_path / "c.pt")
    assert not (tmp_path / "c.pt").exists()


@pytest.mark.parametrize(
    "bad, message",
    [({"lr": 0}, "lr must be"), ({"batch_size": 0}, "batch_size"), ({"epochs": -1}, "epochs"),
     ({"arch": "huge"}, "arch must be one of"), ({"lr": float("nan")}, "lr must be")],
)  # fmt: skip
def test_bad_settings_are_explained(bad, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**bad)


def test_images_must_be_scaled(small):
    with pytest.raises(ValueError, match=r"\[-1, 1\].*to_model_range"):
        Trainer(small.images.float().unsqueeze(1), TrainConfig(**FAST), "cpu")
