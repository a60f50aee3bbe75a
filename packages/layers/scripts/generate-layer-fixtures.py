#!/usr/bin/python3
"""Generates src/fixtures/layers.json: PyTorch reference values for the layers of @tessera/layers.

Run with Debian's PyTorch (`apt-get install -y python3-torch`), not a pyenv Python:

    /usr/bin/python3 packages/layers/scripts/generate-layer-fixtures.py

Each case names a Tessera layer and its options (camelCase), holds the layer's state dict under
Tessera's key names (float32 values, loaded into both sides, so initialization randomness plays
no part), and a list of forward steps (train or eval mode, input, PyTorch's output). For the last
step it stores `upstream` r and the gradients of sum(output * r) with respect to the input and
every parameter; `stateAfter` holds the state dict after all steps (BatchNorm running statistics).
PyTorch computes in float64 from the float32 values.
"""
import json
import os
import re
import warnings

import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "layers.json")


def camel(key):
    head, _, last = key.rpartition(".")
    last = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), last)
    return f"{head}.{last}" if head else last


def enc(t):
    if t.dtype in (torch.int64, torch.int32):
        return {"shape": list(t.shape), "dtype": "int32", "values": t.flatten().tolist()}
    return {"shape": list(t.shape), "dtype": "float32", "values": t.to(torch.float32).flatten().tolist()}


def state_of(module):
    return {camel(k): enc(v) for k, v in module.state_dict().items()}


def f32(t):
    return t.to(torch.float32)


def randn(*shape, scale=1.0):
    return f32(torch.randn(*shape) * scale)


cases = []


def case(name, layer, options, module, steps, grads=True, randomize=False):
    """steps: list of (train: bool, float32 or int64 input)."""
    if randomize:
        with torch.no_grad():
            # Scales near 1, shifts near 0: a non-trivial affine part.
            for k, p in module.named_parameters():
                p.copy_(torch.randn(p.shape) * 0.5 + (1.0 if k == "weight" else 0.0))
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(f32(p))
    state = state_of(module)
    module = module.double()
    out_steps = []
    entry = {"name": name, "layer": layer, "options": options, "state": state}
    for i, (train, x) in enumerate(steps):
        module.train(train)
        last = i == len(steps) - 1
        xin = x.to(torch.float64).clone().requires_grad_(True) if x.is_floating_point() else x
        for p in module.parameters():
            p.grad = None
        y = module(xin)
        out_steps.append({"train": train, "input": enc(x), "output": {"shape": list(y.shape), "values": y.detach().flatten().tolist()}})
        if last and grads:
            r = randn(*y.shape)
            (y * r.to(torch.float64)).sum().backward()
            entry["upstream"] = r.flatten().tolist()
            g = {}
            if x.is_floating_point():
                g["input"] = xin.grad.flatten().tolist()
            for k, p in module.named_parameters():
                g[k] = p.grad.flatten().tolist() if p.grad is not None else [0.0] * p.numel()
            entry["grads"] = g
    entry["steps"] = out_steps
    entry["stateAfter"] = state_of(module)
    cases.append(entry)


# ------------------------------------------------------------------ linear
case("Linear", "Linear", {"inFeatures": 4, "outFeatures": 3}, nn.Linear(4, 3), [(True, randn(2, 4))])
case("Linear no bias, 3-D input", "Linear", {"inFeatures": 4, "outFeatures": 3, "bias": False}, nn.Linear(4, 3, bias=False), [(True, randn(2, 3, 4))])
case("Linear 1-D input", "Linear", {"inFeatures": 3, "outFeatures": 2}, nn.Linear(3, 2), [(True, randn(3))])

# ------------------------------------------------------------------ convolutions
case("Conv1d stride padding", "Conv1d", {"inChannels": 2, "outChannels": 4, "kernelSize": 3, "stride": 2, "padding": 1},
     nn.Conv1d(2, 4, 3, stride=2, padding=1), [(True, randn(2, 2, 9))])
case("Conv1d groups dilation same", "Conv1d", {"inChannels": 4, "outChannels": 2, "kernelSize": 3, "dilation": 2, "groups": 2, "padding": "same"},
     nn.Conv1d(4, 2, 3, dilation=2, groups=2, padding="same"), [(True, randn(1, 4, 7))])
case("Conv2d", "Conv2d", {"inChannels": 3, "outChannels": 4, "kernelSize": 3, "padding": 1},
     nn.Conv2d(3, 4, 3, padding=1), [(True, randn(2, 3, 5, 5))])
case("Conv2d rect stride dilation groups", "Conv2d",
     {"inChannels": 4, "outChannels": 6, "kernelSize": [3, 2], "stride": [2, 1], "padding": [1, 0], "dilation": [1, 2], "groups": 2},
     nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2), [(True, randn(1, 4, 7, 6))])
case("Conv2d same even kernel, unbatched", "Conv2d", {"inChannels": 2, "outChannels": 3, "kernelSize": 4, "padding": "same", "bias": False},
     nn.Conv2d(2, 3, 4, padding="same", bias=False), [(True, randn(2, 5, 5))])
case("ConvTranspose2d", "ConvTranspose2d", {"inChannels": 4, "outChannels": 2, "kernelSize": 3, "stride": 2, "padding": 1, "outputPadding": 1},
     nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), [(True, randn(1, 4, 3, 3))])
case("ConvTranspose2d groups dilation", "ConvTranspose2d", {"inChannels": 4, "outChannels": 6, "kernelSize": [2, 3], "groups": 2, "dilation": 2},
     nn.ConvTranspose2d(4, 6, (2, 3), groups=2, dilation=2), [(True, randn(2, 4, 3, 2))])

# ------------------------------------------------------------------ normalization
bn_steps = [(True, randn(4, 3, scale=2) + 1), (True, randn(4, 3)), (True, randn(4, 3, scale=3) - 1), (False, randn(2, 3))]
case("BatchNorm1d train x3 then eval", "BatchNorm1d", {"numFeatures": 3}, nn.BatchNorm1d(3), bn_steps, randomize=True)
bn_train_last = [(False, randn(2, 3)), (True, randn(4, 3, scale=2)), (True, randn(5, 3) + 2)]
case("BatchNorm1d eval then train (grads in train)", "BatchNorm1d", {"numFeatures": 3}, nn.BatchNorm1d(3), bn_train_last, randomize=True)
case("BatchNorm1d 3-D momentum null", "BatchNorm1d", {"numFeatures": 2, "momentum": None}, nn.BatchNorm1d(2, momentum=None),
     [(True, randn(3, 2, 4)), (True, randn(3, 2, 4) + 1), (True, randn(3, 2, 4) * 2)], randomize=True)
case("BatchNorm2d momentum 0.3 eps 1e-3", "BatchNorm2d", {"numFeatures": 3, "momentum": 0.3, "eps": 1e-3}, nn.BatchNorm2d(3, momentum=0.3, eps=1e-3),
     [(True, randn(2, 3, 4, 4)), (True, randn(2, 3, 4, 4) + 0.5), (False, randn(1, 3, 2, 2))], randomize=True)
case("BatchNorm2d no affine no stats (eval uses batch)", "BatchNorm2d", {"numFeatures": 2, "affine": False, "trackRunningStats": False},
     nn.BatchNorm2d(2, affine=False, track_running_stats=False), [(False, randn(2, 2, 3, 3))])
case("LayerNorm last axis", "LayerNorm", {"normalizedShape": 5}, nn.LayerNorm(5), [(True, randn(2, 3, 5))], randomize=True)
case("LayerNorm two axes no affine", "LayerNorm", {"normalizedShape": [3, 5], "elementwiseAffine": False, "eps": 1e-3},
     nn.LayerNorm([3, 5], elementwise_affine=False, eps=1e-3), [(True, randn(2, 3, 5))])
case("GroupNorm", "GroupNorm", {"numGroups": 2, "numChannels": 4}, nn.GroupNorm(2, 4), [(True, randn(2, 4, 3, 3))], randomize=True)
case("GroupNorm 3-D no affine", "GroupNorm", {"numGroups": 3, "numChannels": 6, "affine": False}, nn.GroupNorm(3, 6, affine=False), [(True, randn(2, 6, 5))])

# ------------------------------------------------------------------ embedding
case("Embedding", "Embedding", {"numEmbeddings": 10, "embeddingDim": 4}, nn.Embedding(10, 4), [(True, torch.tensor([[1, 2, 9], [2, 0, 5]]))])
case("Embedding paddingIdx", "Embedding", {"numEmbeddings": 6, "embeddingDim": 3, "paddingIdx": 0}, nn.Embedding(6, 3, padding_idx=0),
     [(True, torch.tensor([[0, 2, 0], [5, 0, 2]]))])

# ------------------------------------------------------------------ pooling and reshaping
x7 = randn(1, 2, 7, 7)
case("MaxPool2d k3 s2 p1", "MaxPool2d", {"kernelSize": 3, "stride": 2, "padding": 1}, nn.MaxPool2d(3, 2, 1), [(True, x7)])
case("MaxPool2d ceil dilation", "MaxPool2d", {"kernelSize": 2, "stride": 2, "dilation": 2, "ceilMode": True}, nn.MaxPool2d(2, 2, dilation=2, ceil_mode=True), [(True, x7)])
case("AvgPool2d k3 s2 p1 exclude pad", "AvgPool2d", {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False},
     nn.AvgPool2d(3, 2, 1, count_include_pad=False), [(True, x7)])
case("AvgPool2d ceil", "AvgPool2d", {"kernelSize": 2, "ceilMode": True}, nn.AvgPool2d(2, ceil_mode=True), [(True, randn(2, 5, 5))])
case("AdaptiveAvgPool2d 3x2", "AdaptiveAvgPool2d", {"outputSize": [3, 2]}, nn.AdaptiveAvgPool2d((3, 2)), [(True, randn(1, 2, 7, 5))])
case("AdaptiveAvgPool2d 1", "AdaptiveAvgPool2d", {"outputSize": 1}, nn.AdaptiveAvgPool2d(1), [(True, randn(2, 3, 4, 4))])
case("Flatten", "Flatten", {}, nn.Flatten(), [(True, randn(2, 3, 2, 2))])
case("Flatten 1..2", "Flatten", {"startDim": 1, "endDim": 2}, nn.Flatten(1, 2), [(True, randn(2, 3, 2, 2))])

# ------------------------------------------------------------------ activations
# No value sits exactly on the hardsigmoid kinks (±3): PyTorch gives 0 there, a clamp-based rule 1/6.
xa = f32(torch.tensor([[-3.5, -1.5, -0.25, 0.0, 0.5], [1.0, 2.5, 4.0, -6.0, 12.0]]))
for layer, opts, mod in [
    ("ReLU", {}, nn.ReLU()),
    ("LeakyReLU", {"negativeSlope": 0.2}, nn.LeakyReLU(0.2)),
    ("ELU", {"alpha": 0.5}, nn.ELU(0.5)),
    ("SELU", {}, nn.SELU()),
    ("GELU", {}, nn.GELU()),
    ("GELU", {"approximate": "tanh"}, nn.GELU(approximate="tanh")),
    ("SiLU", {}, nn.SiLU()),
    ("Sigmoid", {}, nn.Sigmoid()),
    ("Tanh", {}, nn.Tanh()),
    ("Softmax", {"dim": 1}, nn.Softmax(dim=1)),
    ("LogSoftmax", {"dim": 0}, nn.LogSoftmax(dim=0)),
    ("Softplus", {}, nn.Softplus()),
    ("Softplus", {"beta": 2, "threshold": 3}, nn.Softplus(beta=2, threshold=3)),
    ("Hardsigmoid", {}, nn.Hardsigmoid()),
    ("Hardswish", {}, nn.Hardswish()),
    ("Identity", {}, nn.Identity()),
]:
    case(f"{layer} {json.dumps(opts)}", layer, opts, mod, [(True, xa)])

with open(OUT, "w") as f:
    json.dump({"generator": "scripts/generate-layer-fixtures.py", "torch": torch.__version__, "cases": cases}, f)
    f.write("\n")
print(f"wrote {len(cases)} cases to {OUT}")
