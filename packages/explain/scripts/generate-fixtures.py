#!/usr/bin/python3
"""Generates src/fixtures/attributions.json: two small models with fixed weights, inputs, targets
and the attributions Captum's formulas give for them, computed here in plain PyTorch.

Run with Debian's python3-torch (not another Python):

    /usr/bin/python3 packages/explain/scripts/generate-fixtures.py

The formulas are Captum's (captum.attr, v0.6), written out so that no Captum install is needed:

- Saliency: d F_t(x) / dx, and its absolute value (Captum's default `abs=True`).
- InputXGradient: x * d F_t(x) / dx.
- IntegratedGradients: (x - b) * sum_i w_i * dF_t(b + a_i (x - b))/dx with Captum's
  `riemann_trapezoid` (a = linspace(0, 1, n), w = 1/(n-1) halved at both ends) and
  `gausslegendre` (numpy's leggauss nodes mapped to [0, 1]: a = (1 + x)/2, w = w/2) rules;
  convergence delta = sum(attributions) - (F_t(x) - F_t(b)) per example.
- LayerGradCam: A = output of the layer, G = dF_t/dA, weights = mean of G over H and W,
  cam = sum over channels of weights * A (optionally ReLU'd), then bilinear upsampling to the
  input size (F.interpolate, align_corners=False).

F_t(x) is the model's output for the example's target class; gradients of all examples come from
one backward pass of the sum of F_t over the batch (examples do not interact).
"""
import json
import os
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20261204)
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "fixtures", "attributions.json")


def enc(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "values": [float(v) for v in t.flatten().tolist()]}


def state(model):
    return {k: enc(v) for k, v in model.state_dict().items()}


def target_output(model, x, target):
    return model(x).gather(1, target.view(-1, 1)).view(-1)


def input_grad(model, x, target):
    x = x.clone().requires_grad_(True)
    target_output(model, x, target).sum().backward()
    return x.grad.detach()


def ig_rule(method, n):
    if method == "riemann_trapezoid":
        alphas = np.linspace(0, 1, n)
        steps = np.full(n, 1.0 / (n - 1))
        steps[0] /= 2
        steps[-1] /= 2
    elif method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n)
        alphas = 0.5 * (nodes + 1)
        steps = 0.5 * weights
    else:
        raise ValueError(method)
    return alphas, steps


def integrated_gradients(model, x, baseline, target, method, n):
    alphas, steps = ig_rule(method, n)
    total = torch.zeros_like(x, dtype=torch.float64)
    for a, w in zip(alphas, steps):
        point = (baseline + float(a) * (x - baseline)).to(torch.float32)
        total += float(w) * input_grad(model, point, target).to(torch.float64)
    attributions = (x - baseline).to(torch.float64) * total
    with torch.no_grad():
        delta = attributions.flatten(1).sum(1) - (target_output(model, x, target) - target_output(model, baseline, target)).to(torch.float64)
    return attributions.to(torch.float32), delta, alphas, steps


def grad_cam(model, layer, x, target, relu):
    acts = {}

    def hook(_module, _inputs, output):
        output.retain_grad()
        acts["a"] = output

    handle = layer.register_forward_hook(hook)
    out = model(x).gather(1, target.view(-1, 1)).sum()
    handle.remove()
    out.backward()
    a = acts["a"]
    weights = a.grad.mean(dim=(2, 3), keepdim=True)
    cam = (weights * a).sum(dim=1, keepdim=True).detach()
    if relu:
        cam = F.relu(cam)
    up = F.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)
    return cam, up


cases = []

# An MLP: 6 features, 3 classes.
mlp = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
mlp_x = torch.rand(4, 6)
mlp_target = torch.tensor([0, 2, 1, 2])

# A small CNN on 1x10x10 images: conv(pad 1) -> ReLU -> max-pool 2 -> conv -> ReLU -> dense.
cnn = nn.Sequential(
    OrderedDict(
        conv1=nn.Conv2d(1, 4, 3, padding=1),
        relu1=nn.ReLU(),
        pool=nn.MaxPool2d(2),
        conv2=nn.Conv2d(4, 6, 3),
        relu2=nn.ReLU(),
        flatten=nn.Flatten(),
        fc=nn.Linear(6 * 3 * 3, 3),
    )
)
cnn_x = torch.rand(3, 1, 10, 10)
cnn_target = torch.tensor([1, 0, 2])

models = {}
for name, model, x, target in [("mlp", mlp, mlp_x, mlp_target), ("cnn", cnn, cnn_x, cnn_target)]:
    model.eval()
    baseline = torch.zeros_like(x)
    grad = input_grad(model, x, target)
    entry = {
        "state": state(model),
        "x": enc(x),
        "target": target.tolist(),
        "logits": enc(model(x)),
        "saliency": enc(grad.abs()),
        "gradient": enc(grad),
        "gradientXInput": enc(grad * x),
        "integratedGradients": [],
    }
    for method, n in [("riemann_trapezoid", 20), ("gausslegendre", 20), ("gausslegendre", 7)]:
        attributions, delta, alphas, steps = integrated_gradients(model, x, baseline, target, method, n)
        entry["integratedGradients"].append(
            {"method": method, "steps": n, "attributions": enc(attributions), "delta": [float(d) for d in delta], "alphas": alphas.tolist(), "weights": steps.tolist()}
        )
    # A non-zero baseline, for the CNN only (a grey image).
    if name == "cnn":
        grey = torch.full_like(x, 0.5)
        attributions, delta, _, _ = integrated_gradients(model, x, grey, target, "gausslegendre", 20)
        entry["integratedGradientsGrey"] = {"method": "gausslegendre", "steps": 20, "baseline": 0.5, "attributions": enc(attributions), "delta": [float(d) for d in delta]}
        entry["gradCam"] = []
        for layer_name in ["conv2", "conv1"]:
            for relu in [True, False]:
                cam, up = grad_cam(model, getattr(model, layer_name), x, target, relu)
                entry["gradCam"].append({"layer": layer_name, "relu": relu, "cam": enc(cam), "upsampled": enc(up)})
    models[name] = entry

with open(OUT, "w") as f:
    json.dump({"generator": "scripts/generate-fixtures.py", "torch": torch.__version__, "models": models}, f)
print("wrote", os.path.normpath(OUT))
