"""gan_lessons.data: where MNIST comes from, checks on its files, scaling and batches."""

import gzip
import shutil

import pytest
import torch

from gan_lessons import data
from gan_lessons.data import DataError, load_mnist, read_mnist_folder, to_model_range, to_pixels


def test_sample_is_small_balanced_and_real(sample):
    assert len(sample) == 6000
    assert torch.bincount(sample.labels, minlength=10).tolist() == [600] * 10
    assert sample.images.shape == (6000, 28, 28) and sample.images.dtype == torch.uint8
    size = sum(p.stat().st_size for p in data.SAMPLE_DIR.glob("sample-*.gz"))
    assert size <= 2 * 2**20


def test_no_folder_and_no_network_uses_the_sample(capsys):
    got = load_mnist()
    assert len(got) == 6000 and "built-in sample" in got.source
    assert "6,000 images" in capsys.readouterr().out


def test_failed_download_falls_back_to_the_sample(monkeypatch):
    monkeypatch.delenv("GAN_LESSONS_OFFLINE")
    calls = []
    monkeypatch.setattr(data, "_download", lambda root, train: calls.append(root))
    assert "built-in sample" in load_mnist(quiet=True).source
    assert calls, "the download should have been tried first"


def test_env_var_and_dot_data_are_used(shared_mnist, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_LESSONS_DATA", str(shared_mnist))
    assert len(load_mnist(quiet=True)) == 60000
    monkeypatch.delenv("GAN_LESSONS_DATA")
    (tmp_path / "data").mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(shared_mnist / name, tmp_path / "data" / name)
    test = load_mnist(train=False, quiet=True)
    assert len(test) == 10000 and "data" in test.source


def test_reads_gzipped_and_plain_files_alike(shared_mnist, tmp_path):
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(gzip.decompress((shared_mnist / f"{name}.gz").read_bytes()))
    plain = read_mnist_folder(tmp_path, train=False)
    packed = read_mnist_folder(shared_mnist, train=False)
    assert torch.equal(plain.images, packed.images) and torch.equal(plain.labels, packed.labels)


def _copy_test_split(shared_mnist, folder):
    folder.mkdir()
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (folder / name).write_bytes(gzip.decompress((shared_mnist / f"{name}.gz").read_bytes()))
    return folder


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"")
        read_mnist_folder(tmp_path, train=False)


def test_truncated_file_is_named_with_a_fix(shared_mnist, tmp_path):
    folder = _copy_test_split(shared_mnist, tmp_path / "m")
    path = folder / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-1000])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte is truncated.*download MNIST again"):
        read_mnist_folder(folder, train=False)


def test_corrupt_file_fails_its_checksum(shared_mnist, tmp_path):
    folder = _copy_test_split(shared_mnist, tmp_path / "m")
    path = folder / "t10k-images-idx3-ubyte"
    raw = bytearray(path.read_bytes())
    raw[5000] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte is not the official MNIST file"):
        read_mnist_folder(folder, train=False)


def test_scaling_matches_the_reference_transform(sample):
    from torchvision import transforms

    ref = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    from PIL import Image

    expected = torch.stack([ref(Image.fromarray(img.numpy())) for img in sample.images[:8]])
    got = to_model_range(sample.images[:8])
    assert got.shape == (8, 1, 28, 28)
    assert torch.equal(got, expected)
    assert got.min() >= -1 and got.max() <= 1
    assert torch.equal(to_pixels(got)[:, 0], sample.images[:8])


def test_reference_loader_gives_batches_of_128(sample):
    loader = data.reference_loader(sample, batch_size=128, seed=0)
    x, y = next(iter(loader))
    assert x.shape == (128, 1, 28, 28) and y.shape == (128,)
    assert len(loader) == 47  # 6,000 / 128, the last batch smaller


def test_fast_batches_cover_every_image_once(small):
    images = to_model_range(small.images)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    batches = list(data.shuffled_batches(images, 100, order))
    assert [len(b) for b in batches] == [100] * 5 + [12]
    assert torch.equal(torch.cat(batches).sort(dim=0).values, images.sort(dim=0).values)


def test_env_flags_read_0_and_false_as_off(monkeypatch):
    from gan_lessons.lesson import is_fast

    for off in ("", "0", "false", "No", "off"):
        monkeypatch.setenv("GAN_LESSONS_FAST", off)
        assert not is_fast() and not data.env_flag("GAN_LESSONS_FAST")
    for on in ("1", "true", "yes"):
        monkeypatch.setenv("GAN_LESSONS_FAST", on)
        assert is_fast()
