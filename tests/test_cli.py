"""The command line: train for a few batches, sample, and clear usage errors."""

import subprocess
import sys

import pytest
import torch

from gan_lessons.cli import main


def run_cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "gan_lessons", *args], capture_output=True, text=True, **kw)


def test_train_then_sample_writes_files_of_the_right_shapes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--max-batches", "2", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "built-in sample" in printed and "Epoch [2/2]" in printed
    assert (out / "checkpoint.pt").exists() and (out / "generated_images_epoch_2.png").exists()
    assert (out / "history.csv").read_text().splitlines()[0] == "epoch,d_loss,g_loss"
    assert len((out / "history.csv").read_text().splitlines()) == 3
    pt, png = tmp_path / "s.pt", tmp_path / "s.png"
    assert main(["sample", "--checkpoint", str(out / "checkpoint.pt"), "--n", "10", "--out", str(pt),
                 "--png", str(png)]) == 0  # fmt: skip
    digits = torch.load(pt, weights_only=True)
    assert digits.shape == (10, 1, 28, 28) and digits.dtype == torch.uint8
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resume_continues_to_the_asked_epochs(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["train", "--epochs", "1", "--max-batches", "2", "--out", out, "--quiet"]) == 0
    assert main(["train", "--epochs", "2", "--max-batches", "2", "--out", out, "--quiet", "--resume"]) == 0
    assert "Resuming" in capsys.readouterr().out
    assert len((tmp_path / "run" / "history.csv").read_text().splitlines()) == 3


def test_train_keeps_a_running_average_when_asked(tmp_path):
    import torch

    out = tmp_path / "run"
    assert main(["train", "--arch", "dcgan", "--epochs", "1", "--max-batches", "2", "--batch-size", "32",
                 "--ema", "0.99", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    assert state["config"]["ema"] == 0.99 and state["average"] is not None


def test_train_adds_the_gradient_penalty_when_asked(tmp_path):
    import torch

    out = tmp_path / "run"
    assert main(["train", "--arch", "dcgan", "--epochs", "1", "--max-batches", "2", "--batch-size", "32",
                 "--r1", "0.5", "--out", str(out), "--quiet"]) == 0  # fmt: skip
    assert torch.load(out / "checkpoint.pt", weights_only=True)["config"]["r1"] == 0.5


@pytest.mark.parametrize(
    "args, message",
    [(["train", "--lr", "-1"], "--lr: expected a learning rate > 0"),
     (["train", "--batch-size", "0"], "--batch-size: expected a whole number from 1 to 1,000,000"),
     (["train", "--epochs", "-3"], "--epochs: expected a whole number from 0 to"),
     (["train", "--arch", "huge"], "invalid choice: 'huge'"),
     (["train", "--ema", "1"], "--ema: expected a number in [0, 1)"),
     (["train", "--r1", "-1"], "--r1: expected a number >= 0"),
     (["sample", "--n", "4", "--out", "x.pt"], "one of the arguments --checkpoint --pretrained is required"),
     (["dance"], "invalid choice: 'dance'")],
)  # fmt: skip
def test_bad_arguments_are_usage_errors(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_bad_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.pt"
    bad.write_text("hello")
    result = run_cli("sample", "--checkpoint", str(bad), "--out", str(tmp_path / "s.pt"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a checkpoint file" in result.stderr
