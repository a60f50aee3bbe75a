#!/usr/bin/python3
"""Generates src/fixtures/attention.json: PyTorch reference values for src/attention/.

Run with Debian's PyTorch (`apt-get install -y python3-torch`), not a pyenv Python:

    /usr/bin/python3 packages/layers/scripts/generate-attention-fixtures.py

Every case: the layer and its Tessera options (camelCase), the parameters as a flat list in
PyTorch's state-dict order (loaded into both), the inputs and masks (bool masks as 0/1 with
dtype "bool"), PyTorch's outputs, and the float64 gradients of `sum(output²) (+ sum(weights²))`
with respect to the float inputs and every parameter. Modules run in eval mode (dropout off) with
gradients enabled, which keeps PyTorch on its reference (non-fused) path. `isCausal` cases pass
the equivalent explicit mask to PyTorch, whose 1.x MultiheadAttention has no is_causal.
"""
import json
import os

import torch

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "attention.json")


def snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def enc(t):
    if t.dtype == torch.bool:
        return {"shape": list(t.shape), "dtype": "bool", "values": t.int().flatten().tolist()}
    return {"shape": list(t.shape), "dtype": "float32", "values": t.detach().flatten().tolist()}


def causal(length):
    return torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)


cases = []


def run(name, layer, module, options, inputs, masks, call, tessera_call):
    """inputs: name -> float32 tensor; masks: name -> tensor (float32 or bool); call(module, inputs, masks) -> (output, weights)."""
    params = [(n, p.detach().float().clone()) for n, p in module.state_dict().items()]
    module = module.double().eval()
    dinputs = {k: v.double().requires_grad_(True) for k, v in inputs.items()}
    dmasks = {k: (v.double() if v.is_floating_point() else v) for k, v in masks.items()}
    output, weights = call(module, dinputs, dmasks)
    loss = output.square().sum()
    if weights is not None:
        loss = loss + weights.square().sum()
    loss.backward()
    named = dict(module.named_parameters())
    cases.append({
        "name": name,
        "layer": layer,
        "options": options,
        "call": tessera_call,
        "params": [{"name": n, "shape": list(p.shape), "values": p.flatten().tolist()} for n, p in params],
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "masks": {k: enc(v) for k, v in masks.items()},
        "output": enc(output),
        "weights": enc(weights) if weights is not None else None,
        "grads": {
            "inputs": {k: v.grad.flatten().tolist() for k, v in dinputs.items()},
            "params": {n: named[n].grad.flatten().tolist() for n, _ in params},
        },
    })


def mha_case(name, options, q_shape, k_shape, v_shape, masks=None, call=None, self_attention=False):
    call = call or {}
    module = torch.nn.MultiheadAttention(**{snake(k): v for k, v in options.items()})
    with torch.no_grad():  # nonzero biases, so the test sees them
        for n, p in module.named_parameters():
            if "bias" in n:
                p.uniform_(-0.5, 0.5)
    q = torch.randn(*q_shape)
    inputs = {"query": q} if self_attention else {"query": q, "key": torch.randn(*k_shape), "value": torch.randn(*v_shape)}
    masks = masks or {}

    def forward(m, x, mk):
        key = x["query"] if self_attention else x["key"]
        value = x["query"] if self_attention else x["value"]
        attn_mask = mk.get("attnMask")
        if call.get("isCausal"):
            c = causal(q_shape[1] if options.get("batchFirst") else q_shape[0]) if len(q_shape) == 3 else causal(q_shape[0])
            attn_mask = c if attn_mask is None else attn_mask | c
        return m(x["query"], key, value, key_padding_mask=mk.get("keyPaddingMask"), attn_mask=attn_mask,
                 need_weights=call.get("needWeights", True), average_attn_weights=call.get("averageAttnWeights", True))

    run(name, "MultiHeadAttention", module, options, inputs, masks, forward, {**call, "selfAttention": self_attention})


E, H = 4, 2
mha_case("cross attention", {"embedDim": E, "numHeads": H}, [3, 2, E], [4, 2, E], [4, 2, E])
kpm = torch.tensor([[False, False, True, True], [False, False, False, True]])
mask_ls = torch.tensor([[False, True, False, False], [False, False, False, True], [True, False, False, False], [False, False, False, False]])
mha_case("self attention batchFirst, bool masks, per-head weights", {"embedDim": E, "numHeads": H, "batchFirst": True}, [2, 4, E], None, None,
         {"keyPaddingMask": kpm, "attnMask": mask_ls}, {"averageAttnWeights": False}, self_attention=True)
mha_case("float attnMask per batch and head", {"embedDim": E, "numHeads": H}, [3, 2, E], [5, 2, E], [5, 2, E],
         {"attnMask": torch.randn(2 * H, 3, 5)})
mha_case("kdim vdim no bias with padding", {"embedDim": E, "numHeads": H, "kdim": 3, "vdim": 5, "bias": False}, [3, 2, E], [4, 2, 3], [4, 2, 5],
         {"keyPaddingMask": torch.tensor([[False, True, False, False], [False, False, False, False]])})
mha_case("unbatched with per-head mask and padding", {"embedDim": E, "numHeads": H}, [3, E], [4, E], [4, E],
         {"attnMask": torch.tensor([[[False, True, False, False]] * 3, [[False, False, True, False]] * 3]), "keyPaddingMask": torch.tensor([False, False, False, True])})
mha_case("causal self attention", {"embedDim": 6, "numHeads": 3, "batchFirst": True}, [2, 4, 6], None, None, {}, {"isCausal": True}, self_attention=True)
mha_case("needWeights false", {"embedDim": E, "numHeads": 1}, [3, 2, E], [3, 2, E], [3, 2, E], {}, {"needWeights": False})


def tel_case(name, options, shape, masks=None, call=None):
    call = call or {}
    torch_options = {snake(k): v for k, v in options.items()}
    module = torch.nn.TransformerEncoderLayer(**torch_options)
    with torch.no_grad():
        for n, p in module.named_parameters():
            if "bias" in n or "norm" in n:
                p.uniform_(-0.5, 0.5) if "bias" in n else p.uniform_(0.5, 1.5)
    masks = masks or {}

    def forward(m, x, mk):
        src_mask = mk.get("srcMask")
        if call.get("isCausal"):
            length = shape[1] if options.get("batchFirst") else shape[0]
            src_mask = causal(length)
        return m(x["src"], src_mask=src_mask, src_key_padding_mask=mk.get("srcKeyPaddingMask")), None

    run(name, "TransformerEncoderLayer", module, options, {"src": torch.randn(*shape)}, masks, forward, call)


tel_case("post-norm relu with padding", {"dModel": 4, "nhead": 2, "dimFeedforward": 8}, [3, 2, 4],
         {"srcKeyPaddingMask": torch.tensor([[False, False, True], [False, False, False]])})
tel_case("pre-norm gelu batchFirst with float mask", {"dModel": 4, "nhead": 2, "dimFeedforward": 6, "activation": "gelu", "normFirst": True, "batchFirst": True, "layerNormEps": 1e-3},
         [2, 3, 4], {"srcMask": torch.randn(3, 3)})
tel_case("unbatched", {"dModel": 6, "nhead": 3, "dimFeedforward": 5}, [4, 6])
tel_case("causal batchFirst", {"dModel": 4, "nhead": 1, "dimFeedforward": 8, "batchFirst": True}, [2, 4, 4], {}, {"isCausal": True})

with open(OUT, "w") as f:
    json.dump({"generatedWith": f"torch {torch.__version__}", "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")
