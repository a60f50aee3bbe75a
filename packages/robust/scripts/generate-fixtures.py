#!/usr/bin/python3
"""Generates src/fixtures/attacks.json: a tiny MLP and a tiny CNN with fixed weights, inputs in
[0, 1], labels, and the adversarial examples FGSM and PGD (L-infinity and L2, no random start)
produce for them, computed here in plain PyTorch with torchattacks' update rules.

Run with Debian's python3-torch (not another Python):

    /usr/bin/python3 packages/robust/scripts/generate-fixtures.py

The loss is the mean cross-entropy of the batch (as torchattacks). Rules:

- FGSM: x' = clamp(x + eps * sign(g), lo, hi).
- PGD L-inf, per step: x' = x' + alpha * sign(g); x' = clamp(x' , x - eps, x + eps);
  x' = clamp(x', lo, hi).
- PGD L2, per step: x' = x' + alpha * g / (||g|| + 1e-10) (per example);
  d = x' - x; d = d * min(1, eps / ||d||); x' = clamp(x + d, lo, hi).

Random starts draw from a generator, which cannot be shared with Tessera's; they are tested by
their bounds instead.
"""
import json
import os
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(16)
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "fixtures", "attacks.json")


def enc(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "values": [float(v) for v in t.flatten().tolist()]}


def loss_grad(model, x, y):
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    return loss.item(), x.grad.detach()


def fgsm(model, x, y, eps, lo, hi):
    _, g = loss_grad(model, x, y)
    return torch.clamp(x + eps * g.sign(), lo, hi)


def pgd_linf(model, x, y, eps, alpha, steps, lo, hi):
    adv = x.clone()
    for _ in range(steps):
        _, g = loss_grad(model, adv, y)
        adv = adv + alpha * g.sign()
        adv = torch.max(torch.min(adv, x + eps), x - eps)
        adv = torch.clamp(adv, lo, hi)
    return adv


def pgd_l2(model, x, y, eps, alpha, steps, lo, hi):
    n = x.shape[0]
    adv = x.clone()
    for _ in range(steps):
        _, g = loss_grad(model, adv, y)
        norms = g.view(n, -1).norm(p=2, dim=1).view(n, *([1] * (x.dim() - 1))) + 1e-10
        adv = adv + alpha * g / norms
        delta = adv - x
        dnorms = delta.view(n, -1).norm(p=2, dim=1).view(n, *([1] * (x.dim() - 1)))
        factor = torch.clamp(eps / dnorms, max=1.0)
        adv = torch.clamp(x + delta * factor, lo, hi)
    return adv


mlp = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
cnn = nn.Sequential(
    OrderedDict(
        conv=nn.Conv2d(1, 3, 3),
        act=nn.Tanh(),
        flatten=nn.Flatten(),
        fc=nn.Linear(3 * 4 * 4, 3),
    )
)
models = {}
for name, model, x in [("mlp", mlp, torch.rand(6, 5)), ("cnn", cnn, torch.rand(4, 1, 6, 6))]:
    model.eval()
    y = torch.randint(0, 3, (x.shape[0],))
    entry = {"state": {k: enc(v) for k, v in model.state_dict().items()}, "x": enc(x), "y": y.tolist(), "attacks": []}
    clean_loss, _ = loss_grad(model, x, y)
    entry["cleanLoss"] = clean_loss
    specs = [
        ("fgsm", {"epsilon": 0.1}, lambda: fgsm(model, x, y, 0.1, 0.0, 1.0)),
        ("pgd", {"epsilon": 0.1, "stepSize": 0.02, "steps": 7, "norm": "linf"}, lambda: pgd_linf(model, x, y, 0.1, 0.02, 7, 0.0, 1.0)),
        ("pgd", {"epsilon": 0.5, "stepSize": 0.15, "steps": 6, "norm": "l2"}, lambda: pgd_l2(model, x, y, 0.5, 0.15, 6, 0.0, 1.0)),
    ]
    for attack, options, run in specs:
        adv = run()
        with torch.no_grad():
            adv_loss = F.cross_entropy(model(adv), y).item()
        entry["attacks"].append({"attack": attack, "options": options, "adversarial": enc(adv), "loss": adv_loss})
    models[name] = entry

with open(OUT, "w") as f:
    json.dump({"generator": "scripts/generate-fixtures.py", "torch": torch.__version__, "models": models}, f)
print("wrote", os.path.normpath(OUT))
