#!/usr/bin/python3
"""Generates src/fixtures/recurrent.json: PyTorch reference values for src/recurrent/.

Run with Debian's PyTorch (`apt-get install -y python3-torch`), not a pyenv Python:

    /usr/bin/python3 packages/layers/scripts/generate-recurrent-fixtures.py

Every case: the layer class and its Tessera options (camelCase), the parameters as a flat list
in PyTorch's state-dict order (name, shape, float32 values: the test loads the same weights with
loadStateDict), an input and optional initial state, PyTorch's output and final state, and the
float64 gradients of `sum(output²) + sum(h_n) (+ sum(c_n))` with respect to the input, the
initial state and every parameter.
"""
import json
import os

import torch

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "recurrent.json")


def snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def enc(t):
    return {"shape": list(t.shape), "values": t.detach().flatten().tolist()}


cases = []


def case(name, cls, options, input_shape, state=False):
    torch_options = {snake(k): v for k, v in options.items()}
    module = getattr(torch.nn, cls)(**torch_options)
    params = [(n, p.detach().float().clone()) for n, p in module.state_dict().items()]
    x = torch.randn(*input_shape)
    batched = len(input_shape) == 3
    layers = options.get("numLayers", 1) * (2 if options.get("bidirectional") else 1)
    batch = (input_shape[0] if options.get("batchFirst") else input_shape[1]) if batched else None
    state_shape = [layers, batch, options["hiddenSize"]] if batched else [layers, options["hiddenSize"]]
    h0 = torch.randn(*state_shape) if state else None
    c0 = torch.randn(*state_shape) if state and cls == "LSTM" else None

    # Float64 reference on the float32 values.
    module = module.double().eval()  # eval: the dropout case must not drop (the test runs in eval too)
    xd = x.double().requires_grad_(True)
    args = [xd]
    h0d = c0d = None
    if state:
        h0d = h0.double().requires_grad_(True)
        if cls == "LSTM":
            c0d = c0.double().requires_grad_(True)
            args.append((h0d, c0d))
        else:
            args.append(h0d)
    output, hidden = module(*args)
    if cls == "LSTM":
        h_n, c_n = hidden
        loss = output.square().sum() + h_n.sum() + c_n.sum()
    else:
        h_n, c_n = hidden, None
        loss = output.square().sum() + h_n.sum()
    loss.backward()
    named = dict(module.named_parameters())
    cases.append({
        "name": name,
        "cls": cls,
        "options": options,
        "params": [{"name": n, **enc(p)} for n, p in params],
        "input": enc(x),
        "h0": enc(h0) if h0 is not None else None,
        "c0": enc(c0) if c0 is not None else None,
        "output": enc(output),
        "hN": enc(h_n),
        "cN": enc(c_n) if c_n is not None else None,
        "grads": {
            "input": xd.grad.flatten().tolist(),
            "h0": h0d.grad.flatten().tolist() if h0d is not None else None,
            "c0": c0d.grad.flatten().tolist() if c0d is not None else None,
            "params": {n: named[n].grad.flatten().tolist() for n, _ in params},
        },
    })


case("RNN tanh", "RNN", {"inputSize": 3, "hiddenSize": 4}, [3, 2, 3])
case("RNN relu 2 layers bidirectional with h0", "RNN", {"inputSize": 3, "hiddenSize": 4, "numLayers": 2, "bidirectional": True, "nonlinearity": "relu"}, [4, 2, 3], state=True)
case("RNN unbatched bidirectional", "RNN", {"inputSize": 2, "hiddenSize": 3, "bidirectional": True}, [4, 2], state=True)
case("RNN batchFirst no bias", "RNN", {"inputSize": 3, "hiddenSize": 2, "batchFirst": True, "bias": False}, [2, 3, 3])
case("LSTM with h0 c0", "LSTM", {"inputSize": 3, "hiddenSize": 4}, [3, 2, 3], state=True)
case("LSTM 2 layers bidirectional batchFirst", "LSTM", {"inputSize": 3, "hiddenSize": 3, "numLayers": 2, "bidirectional": True, "batchFirst": True}, [2, 4, 3])
case("LSTM no bias", "LSTM", {"inputSize": 2, "hiddenSize": 3, "bias": False}, [3, 2, 2])
case("LSTM unbatched with state", "LSTM", {"inputSize": 2, "hiddenSize": 3, "numLayers": 2}, [3, 2], state=True)
case("GRU", "GRU", {"inputSize": 3, "hiddenSize": 4}, [3, 2, 3])
case("GRU 2 layers bidirectional batchFirst with h0", "GRU", {"inputSize": 3, "hiddenSize": 3, "numLayers": 2, "bidirectional": True, "batchFirst": True}, [2, 3, 3], state=True)
case("GRU unbatched", "GRU", {"inputSize": 2, "hiddenSize": 3}, [4, 2])
case("GRU 3 layers dropout (eval)", "GRU", {"inputSize": 2, "hiddenSize": 2, "numLayers": 3, "dropout": 0.5}, [3, 1, 2])

with open(OUT, "w") as f:
    json.dump({"generatedWith": f"torch {torch.__version__}", "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")
