#!/usr/bin/python3
"""Generates src/fixtures/losses.json: PyTorch reference values for src/losses/.

Run with Debian's PyTorch (`apt-get install -y python3-torch`), not a pyenv Python:

    /usr/bin/python3 packages/layers/scripts/generate-loss-fixtures.py

Every case holds small float32 inputs (exactly representable, so both sides start from the same
numbers), the Tessera function name and options (camelCase; tensor options by name under
`tensors`), PyTorch's output and PyTorch's gradient with respect to the input, both computed in
float64 from those float32 values.
"""
import json
import warnings
import os

import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "losses.json")


def f32(t):
    return t.to(torch.float32)


def enc(t):
    dtype = {torch.float32: "float32", torch.float64: "float32", torch.int64: "int32"}[t.dtype]
    return {"shape": list(t.shape), "dtype": dtype, "values": t.flatten().tolist()}


cases = []


def case(name, fn, torch_fn, inputs, options=None, tensors=None, torch_kwargs=None):
    """inputs: dict with 'input' and 'target' (float32 / int64); tensors: extra tensor options."""
    options = options or {}
    tensors = tensors or {}
    x = inputs["input"].to(torch.float64).clone().requires_grad_(True)
    target = inputs["target"]
    if target.is_floating_point():
        target = target.to(torch.float64)
    kwargs = dict(torch_kwargs or {})
    for key, value in tensors.items():
        kwargs[{"weight": "weight", "posWeight": "pos_weight"}[key]] = value.to(torch.float64)
    out = torch_fn(x, target, **kwargs)
    out.sum().backward()
    cases.append({
        "name": name,
        "fn": fn,
        "options": options,
        "tensors": {k: enc(f32(v)) for k, v in tensors.items()},
        "input": enc(inputs["input"]),
        "target": enc(inputs["target"]),
        "expected": {"shape": list(out.shape), "values": out.detach().flatten().tolist()},
        "grad": x.grad.flatten().tolist(),
    })


def randn(*shape):
    return f32(torch.randn(*shape))


REDUCTIONS = ["mean", "sum", "none"]

# ---------------------------------------------------------------- regression
a, b = randn(3, 4), randn(3, 4)
for r in REDUCTIONS:
    case(f"mse {r}", "mseLoss", F.mse_loss, {"input": a, "target": b}, {"reduction": r}, torch_kwargs={"reduction": r})
    case(f"l1 {r}", "l1Loss", F.l1_loss, {"input": a, "target": b}, {"reduction": r}, torch_kwargs={"reduction": r})
big = randn(3, 4) * 2
for delta in [1.0, 0.5, 2.5]:
    for r in ["mean", "none"]:
        case(f"huber delta={delta} {r}", "huberLoss", F.huber_loss, {"input": big, "target": b},
             {"delta": delta, "reduction": r}, torch_kwargs={"delta": delta, "reduction": r})
for beta in [1.0, 0.5, 0.0]:
    for r in ["mean", "sum"]:
        case(f"smoothL1 beta={beta} {r}", "smoothL1Loss", F.smooth_l1_loss, {"input": big, "target": b},
             {"beta": beta, "reduction": r}, torch_kwargs={"beta": beta, "reduction": r})

# ---------------------------------------------------------------- cross-entropy and nll
logits = randn(6, 4) * 2
labels = torch.tensor([0, 3, 1, 2, 3, 1])
labels_ignored = torch.tensor([0, -100, 1, 2, -100, 1])
labels_ignore2 = torch.tensor([0, 2, 1, 2, 3, 1])
weight = f32(torch.tensor([0.2, 1.0, 2.5, 0.7]))
for r in REDUCTIONS:
    for ls in [0.0, 0.1]:
        case(f"crossEntropy {r} ls={ls}", "crossEntropy", F.cross_entropy, {"input": logits, "target": labels},
             {"reduction": r, "labelSmoothing": ls}, torch_kwargs={"reduction": r, "label_smoothing": ls})
        case(f"crossEntropy weight {r} ls={ls}", "crossEntropy", F.cross_entropy, {"input": logits, "target": labels},
             {"reduction": r, "labelSmoothing": ls}, {"weight": weight}, torch_kwargs={"reduction": r, "label_smoothing": ls})
        case(f"crossEntropy weight ignore {r} ls={ls}", "crossEntropy", F.cross_entropy, {"input": logits, "target": labels_ignored},
             {"reduction": r, "labelSmoothing": ls}, {"weight": weight}, torch_kwargs={"reduction": r, "label_smoothing": ls})
        case(f"crossEntropy ignoreIndex=2 {r} ls={ls}", "crossEntropy", F.cross_entropy, {"input": logits, "target": labels_ignore2},
             {"reduction": r, "labelSmoothing": ls, "ignoreIndex": 2}, torch_kwargs={"reduction": r, "label_smoothing": ls, "ignore_index": 2})
case("crossEntropy labelSmoothing=1", "crossEntropy", F.cross_entropy, {"input": logits, "target": labels_ignored},
     {"labelSmoothing": 1}, {"weight": weight}, torch_kwargs={"label_smoothing": 1.0})

spatial = randn(3, 4, 2, 2)
spatial_labels = torch.randint(0, 4, (3, 2, 2))
spatial_labels[0, 1, 0] = -100
spatial_labels[2, 0, 1] = -100
for r in REDUCTIONS:
    case(f"crossEntropy spatial weight ignore ls {r}", "crossEntropy", F.cross_entropy, {"input": spatial, "target": spatial_labels},
         {"reduction": r, "labelSmoothing": 0.2}, {"weight": weight}, torch_kwargs={"reduction": r, "label_smoothing": 0.2})
case("crossEntropy unbatched", "crossEntropy", F.cross_entropy, {"input": randn(5), "target": torch.tensor(3)}, {})
case("crossEntropy unbatched smoothing", "crossEntropy", F.cross_entropy, {"input": randn(5), "target": torch.tensor(1)},
     {"labelSmoothing": 0.3}, torch_kwargs={"label_smoothing": 0.3})

probs = f32(torch.softmax(torch.randn(6, 4), 1))
for r in REDUCTIONS:
    for ls in [0.0, 0.15]:
        case(f"crossEntropy probabilities {r} ls={ls}", "crossEntropy", F.cross_entropy, {"input": logits, "target": probs},
             {"reduction": r, "labelSmoothing": ls}, torch_kwargs={"reduction": r, "label_smoothing": ls})
        case(f"crossEntropy probabilities weight {r} ls={ls}", "crossEntropy", F.cross_entropy, {"input": logits, "target": probs},
             {"reduction": r, "labelSmoothing": ls}, {"weight": weight}, torch_kwargs={"reduction": r, "label_smoothing": ls})
spatial_probs = f32(torch.softmax(torch.randn(3, 4, 2, 2), 1))
case("crossEntropy spatial probabilities weight", "crossEntropy", F.cross_entropy, {"input": spatial, "target": spatial_probs},
     {"labelSmoothing": 0.1}, {"weight": weight}, torch_kwargs={"label_smoothing": 0.1})

logp = f32(torch.log_softmax(torch.randn(6, 4), 1))
for r in REDUCTIONS:
    case(f"nll {r}", "nllLoss", F.nll_loss, {"input": logp, "target": labels}, {"reduction": r}, torch_kwargs={"reduction": r})
    case(f"nll weight ignore {r}", "nllLoss", F.nll_loss, {"input": logp, "target": labels_ignored}, {"reduction": r}, {"weight": weight},
         torch_kwargs={"reduction": r})
case("nll spatial", "nllLoss", F.nll_loss, {"input": f32(torch.log_softmax(spatial.double(), 1)), "target": spatial_labels}, {}, {"weight": weight})

# ---------------------------------------------------------------- binary cross-entropy
p = f32(torch.rand(3, 4) * 0.9 + 0.05)
y = f32((torch.rand(3, 4) > 0.5).float())
soft_y = f32(torch.rand(3, 4))
row_weight = f32(torch.tensor([0.5, 1.0, 2.0, 3.0]))
for r in REDUCTIONS:
    case(f"bce {r}", "binaryCrossEntropy", F.binary_cross_entropy, {"input": p, "target": y}, {"reduction": r}, torch_kwargs={"reduction": r})
    case(f"bce soft weight {r}", "binaryCrossEntropy", F.binary_cross_entropy, {"input": p, "target": soft_y}, {"reduction": r},
         {"weight": row_weight}, torch_kwargs={"reduction": r})
# Exactly 0 and 1 probabilities: PyTorch clamps the log at -100 (the loss only; gradients there differ).
edge_p = f32(torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5]))
edge_y = f32(torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0]))
with torch.no_grad():
    out = F.binary_cross_entropy(edge_p.double(), edge_y.double(), reduction="none")
cases.append({"name": "bce clamps log at -100", "fn": "binaryCrossEntropy", "options": {"reduction": "none"}, "tensors": {},
              "input": enc(edge_p), "target": enc(edge_y), "expected": {"shape": list(out.shape), "values": out.flatten().tolist()}, "grad": None})

z = randn(3, 4) * 3
z[0, 0] = 60.0
z[1, 1] = -60.0
pos_weight = f32(torch.tensor([3.0, 0.5, 1.0, 2.0]))
for r in REDUCTIONS:
    case(f"bceWithLogits {r}", "binaryCrossEntropyWithLogits", F.binary_cross_entropy_with_logits, {"input": z, "target": y},
         {"reduction": r}, torch_kwargs={"reduction": r})
    case(f"bceWithLogits posWeight weight {r}", "binaryCrossEntropyWithLogits", F.binary_cross_entropy_with_logits,
         {"input": z, "target": soft_y}, {"reduction": r}, {"weight": row_weight, "posWeight": pos_weight}, torch_kwargs={"reduction": r})
case("bceWithLogits posWeight", "binaryCrossEntropyWithLogits", F.binary_cross_entropy_with_logits, {"input": z, "target": y}, {},
     {"posWeight": pos_weight})

# ---------------------------------------------------------------- KL divergence
q_log = f32(torch.log_softmax(torch.randn(4, 5), 1))
t = torch.softmax(torch.randn(4, 5), 1)
t[0, 2] = 0.0
t[3, 0] = 0.0
t = f32(t)
for r in ["batchmean", "mean", "sum", "none"]:
    case(f"klDiv {r}", "klDiv", F.kl_div, {"input": q_log, "target": t}, {"reduction": r}, torch_kwargs={"reduction": r})
    case(f"klDiv logTarget {r}", "klDiv", F.kl_div, {"input": q_log, "target": f32(torch.log_softmax(torch.randn(4, 5), 1))},
         {"reduction": r, "logTarget": True}, torch_kwargs={"reduction": r, "log_target": True})

with open(OUT, "w") as f:
    json.dump({"generatedWith": f"torch {torch.__version__}", "cases": cases}, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")
