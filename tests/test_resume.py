"""gan_lessons.resume: a checkpoint whose optimizers or fixed noise do not fit is refused before anything runs.

Each case damages a real checkpoint in a way that still unpickles, then asks Trainer.load and
`gan-lessons train --resume` for it: both refuse it with a CheckpointError that says what is wrong,
and the file is left exactly as it was. (A smaller exp_avg used to crash Python; lr=-1 used to train.)
"""

import math
from pathlib import Path

import pytest
import torch

from gan_lessons.checkpoints import CheckpointError
from gan_lessons.cli import main
from gan_lessons.data import load_sample
from gan_lessons.engine import Trainer
from gan_lessons.resume import optimizer_damage
from gan_lessons.training import TrainConfig, make_optimizers

ARGS = ["train", "--out", "run", "--resume", "--epochs", "2", "--quiet", "--device", "cpu"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    """A checkpoint's contents: the classic GAN on the sample's 6,000 digits (what the command line finds), 1 epoch."""
    trainer = Trainer(load_sample(), TrainConfig(batch_size=64, max_batches=2, seed=0, epochs=1), "cpu")
    trainer.fit(progress=False)
    path = trainer.save(tmp_path_factory.mktemp("saved") / "checkpoint.pt")
    return torch.load(path, weights_only=True)


def _adam(state: dict, part: str = "opt_d") -> dict:
    return state[part]["state"][0]  # the first parameter's Adam state


DAMAGED = {  # how -> what the error says
    "smaller-exp-avg": (
        lambda s: _adam(s).update(exp_avg=_adam(s)["exp_avg"][:1].clone()),
        r"opt_d holds an exp_avg of shape \(1, [\d, ]+\) \(float32\) for parameter 0, which needs "
        r"shape \(64, [\d, ]+\) \(float32\)",
    ),
    "exp-avg-sq-float64": (
        lambda s: _adam(s, "opt_g").update(exp_avg_sq=_adam(s, "opt_g")["exp_avg_sq"].double()),
        r"opt_g holds an exp_avg_sq of shape .* \(float64\) .* \(float32\)",
    ),
    "exp-avg-not-a-tensor": (lambda s: _adam(s).update(exp_avg=[0.0]), r"opt_d holds an exp_avg of shape - \(list\)"),
    "negative-exp-avg-sq": (lambda s: _adam(s)["exp_avg_sq"].fill_(-1.0), "opt_d holds a negative exp_avg_sq"),
    "nan-exp-avg": (lambda s: _adam(s)["exp_avg"].fill_(math.nan), "opt_d holds numbers that are NaN or infinite"),
    "step-not-a-scalar": (
        lambda s: _adam(s).update(step=torch.tensor([2.0, 2.0])),
        r"opt_d has a step count of tensor\(\[2\., 2\.\]\) for parameter 0, not one number >= 0",
    ),
    "negative-step": (lambda s: _adam(s).update(step=torch.tensor(-1.0)), "opt_d has a step count of tensor"),
    "missing-state": (lambda s: _adam(s).pop("exp_avg_sq"), r"opt_d has no Adam state \(step, exp_avg, exp_avg_sq\)"),
    "lr-negative": (lambda s: s["opt_g"]["param_groups"][0].update(lr=-1), "opt_g has a learning rate of -1, not a"),
    "lr-text": (lambda s: s["opt_g"]["param_groups"][0].update(lr="fast"), "opt_g has a learning rate of 'fast'"),
    "betas-one": (
        lambda s: s["opt_d"]["param_groups"][0].update(betas=(0.5, 1.0)),
        r"opt_d has betas \(0\.5, 1\.0\), not two numbers in \[0, 1\)",
    ),
    "eps-zero": (lambda s: s["opt_d"]["param_groups"][0].update(eps=0.0), "opt_d has eps 0.0, not a number > 0"),
    "extra-group": (
        lambda s: s["opt_d"]["param_groups"].append(dict(s["opt_d"]["param_groups"][0], params=[99])),
        r"opt_d has groups of \[\d+, 1\] parameters, but the network needs \[\d+\]",
    ),
    "params-missing": (
        lambda s: s["opt_g"]["param_groups"][0]["params"].pop(),
        r"opt_g has groups of \[\d+\] parameters, but the network needs",
    ),
    "params-renumbered": (lambda s: s["opt_g"]["param_groups"][0]["params"].reverse(), "opt_g numbers its parameters"),
    "state-of-a-stranger": (
        lambda s: s["opt_d"]["state"].update({999: _adam(s)}),
        "opt_d keeps state for a parameter 999 the network does not have",
    ),
    "no-optimizer": (lambda s: s.update(opt_g={"lr": 2e-4}), r"opt_g is not an optimizer's state"),
    "noise-empty": (
        lambda s: s.update(fixed_noise=torch.zeros(0, 100)),
        r"its fixed noise is not a float32 tensor \(16, 100\) of finite numbers",
    ),
    "noise-oversized": (lambda s: s.update(fixed_noise=torch.zeros(100_000, 100)), r"fixed noise .* \(16, 100\)"),
    "noise-nan": (lambda s: s["fixed_noise"].fill_(math.nan), r"fixed noise .* \(16, 100\) of finite numbers"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_a_checkpoint_whose_optimizer_or_noise_does_not_fit_is_refused(case, saved, capsys):
    spoil, said = DAMAGED[case]
    state = {k: v for k, v in torch.load(_write(saved, "good.pt"), weights_only=True).items()}  # a fresh copy
    spoil(state)
    path = _write(state, "run/checkpoint.pt")
    before = path.read_bytes()
    with pytest.raises(CheckpointError, match=said) as refused:
        Trainer.load(path, load_sample(), "cpu")
    assert "It was not used, and nothing was saved over it" in str(refused.value)
    assert main(ARGS) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "run/checkpoint.pt is damaged" in err
    assert path.read_bytes() == before, "nothing was saved over it"


def test_the_undamaged_checkpoint_resumes(saved, capsys):
    _write(saved, "run/checkpoint.pt")
    assert main(ARGS) == 0
    assert torch.load("run/checkpoint.pt", weights_only=True)["epoch"] == 2


def test_optimizer_damage_accepts_what_an_optimizer_saves_and_a_step_given_as_a_number():
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2)
    _, opt = make_optimizers(torch.nn.Linear(1, 1), layer, TrainConfig())
    assert optimizer_damage(opt.state_dict(), opt) is None  # no state yet: before the first step
    layer(torch.ones(4, 3)).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert optimizer_damage(state, opt) is None
    state["state"][0]["step"] = 1  # an older PyTorch saved the count as a plain number
    assert optimizer_damage(state, opt) is None


def _write(state: dict, name: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path
