#!/usr/bin/python3
"""Writes scikit-learn's 8x8 handwritten digits (1,797 images, other writers than MNIST) as one
small binary for the fine-tune-digits demo (Debian's python3-sklearn).

Run: /usr/bin/python3 examples/fine-tune-digits/scripts/export-digits.py examples/fine-tune-digits/data
Writes data/sklearn-digits.bin: a little-endian uint32 count N, then N*64 uint8 pixels (0-16,
row-major 8x8), then N uint8 labels (0-9), in scikit-learn's order.
"""
import os
import struct
import sys

import numpy as np
from sklearn.datasets import load_digits


def main(out_dir):
    digits = load_digits()
    images = digits.images.astype(np.uint8).reshape(-1, 64)
    labels = digits.target.astype(np.uint8)
    path = os.path.join(out_dir, "sklearn-digits.bin")
    with open(path, "wb") as fh:
        fh.write(struct.pack("<I", images.shape[0]))
        fh.write(images.tobytes())
        fh.write(labels.tobytes())
    print(f"wrote {path}: {images.shape[0]} images, labels {np.bincount(labels).tolist()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])
