#!/usr/bin/python3
"""Continues training an ONNX model exported by Tessera in PyTorch (Debian's python3-torch).

The way out for users who outgrow one machine: export with `exportOnnx`, then train on in PyTorch.
This script turns the ONNX graph into a `torch.nn.Module` whose parameters are the graph's float
initializers (by their ONNX names, which are Tessera's dotted parameter names), checks that its
forward pass reproduces the expected outputs, trains it with SGD on a cross-entropy loss, and
writes the trained weights back into a copy of the ONNX file.

Usage:
  /usr/bin/python3 continue-in-pytorch.py MODEL.onnx DATA.json OUT.onnx RESULT.json

DATA.json: {"input": {"shape": [...], "values": [...]}, "expected": {...same...},
            "targets": [class indices], "steps": 20, "lr": 0.1, "frozen": [names not to train]}
RESULT.json gets: max_abs_diff (torch vs expected before training), loss_before, loss_after,
and output (torch's outputs after training, for the caller to compare with a runtime).

The graph runs in eval semantics, as exported: BatchNormalization uses its stored statistics (the
"frozen statistics" policy of Tessera's fine-tuning API). Ops outside the set below are listed
all at once and the script exits with status 3.
"""
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def attrs_of(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def text(value):
    return value.decode() if isinstance(value, bytes) else value


def pads_2d(pads):
    # ONNX [top, left, bottom, right] -> F.pad's (left, right, top, bottom)
    return (pads[1], pads[3], pads[0], pads[2])


def run_node(op, xs, a):
    if op in BINARY:
        return BINARY[op](xs[0], xs[1])
    if op in UNARY:
        return UNARY[op](xs[0])
    if op == "MatMul":
        return torch.matmul(xs[0], xs[1])
    if op == "Transpose":
        return xs[0].permute(*a["perm"])
    if op == "Reshape":
        shape = [int(d) for d in xs[1].tolist()]
        shape = [xs[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
        return xs[0].reshape(shape)
    if op == "Expand":
        return xs[0] * torch.ones([int(d) for d in xs[1].tolist()], dtype=xs[0].dtype)
    if op == "Concat":
        return torch.cat(xs, dim=a["axis"])
    if op == "Slice":
        x = xs[0]
        starts, ends, axes, steps = (t.tolist() for t in xs[1:5])
        index = [slice(None)] * x.dim()
        flips = []
        for s, e, ax, st in zip(starts, ends, axes, steps):
            if st > 0:
                index[ax] = slice(s, min(e, x.shape[ax]), st)
            else:
                flips.append((ax, s, e, st))
        y = x[tuple(index)]
        for ax, s, e, st in flips:
            idx = list(range(s if s >= 0 else s + y.shape[ax], e if e >= -1 else -1, st))
            y = y.index_select(ax, torch.tensor(idx, dtype=torch.long))
        return y
    if op == "GatherElements":
        return torch.gather(xs[0], a["axis"], xs[1].long())
    if op == "Conv":
        x = F.pad(xs[0], pads_2d(a.get("pads", [0, 0, 0, 0])))
        return F.conv2d(x, xs[1], xs[2] if len(xs) > 2 else None, stride=a.get("strides", [1, 1]), dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
    if op == "ConvTranspose":
        pads = a.get("pads", [0, 0, 0, 0])
        if pads[0] != pads[2] or pads[1] != pads[3]:
            raise NotImplementedError("ConvTranspose with asymmetric pads")
        return F.conv_transpose2d(xs[0], xs[1], xs[2] if len(xs) > 2 else None, stride=a.get("strides", [1, 1]), padding=(pads[0], pads[1]), output_padding=a.get("output_padding", [0, 0]), groups=a.get("group", 1), dilation=a.get("dilations", [1, 1]))
    if op == "MaxPool":
        x = F.pad(xs[0], pads_2d(a.get("pads", [0, 0, 0, 0])), value=float("-inf"))
        return F.max_pool2d(x, a["kernel_shape"], a.get("strides", a["kernel_shape"]), dilation=a.get("dilations", [1, 1]), ceil_mode=bool(a.get("ceil_mode", 0)))
    if op == "AveragePool":
        pads = a.get("pads", [0, 0, 0, 0])
        if any(pads) and not a.get("count_include_pad", 0):
            raise NotImplementedError("AveragePool with padding excluded from the count")
        x = F.pad(xs[0], pads_2d(pads))
        return F.avg_pool2d(x, a["kernel_shape"], a.get("strides", a["kernel_shape"]), ceil_mode=bool(a.get("ceil_mode", 0)))
    if op == "BatchNormalization":
        x, scale, bias, mean, var = xs
        return F.batch_norm(x, mean, var, scale, bias, training=False, eps=a.get("epsilon", 1e-5))
    if op == "LayerNormalization":
        axis = a.get("axis", -1)
        shape = xs[0].shape[axis:]
        return F.layer_norm(xs[0], shape, xs[1], xs[2] if len(xs) > 2 else None, eps=a.get("epsilon", 1e-5))
    if op == "ConstantOfShape":
        value = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return torch.full([int(d) for d in xs[0].tolist()], float(value.reshape(-1)[0]), dtype=torch.float32)
    if op in ("ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd"):
        axes = [int(v) for v in xs[1].tolist()] if len(xs) > 1 else a.get("axes")
        keep = bool(a.get("keepdims", 1))
        fn = {"ReduceSum": torch.sum, "ReduceMean": torch.mean}.get(op)
        y = xs[0]
        if fn is not None:
            return fn(y, dim=axes, keepdim=keep)
        for ax in sorted((x % y.dim() for x in axes), reverse=True):
            y = {"ReduceMax": lambda t: t.max(dim=ax, keepdim=keep).values, "ReduceMin": lambda t: t.min(dim=ax, keepdim=keep).values, "ReduceProd": lambda t: t.prod(dim=ax, keepdim=keep)}[op](y)
        return y
    if op == "Softmax":
        return F.softmax(xs[0], dim=a.get("axis", -1))
    if op == "LogSoftmax":
        return F.log_softmax(xs[0], dim=a.get("axis", -1))
    if op == "Clip":
        lo = xs[1] if len(xs) > 1 and xs[1] is not None else None
        hi = xs[2] if len(xs) > 2 and xs[2] is not None else None
        return torch.clamp(xs[0], min=lo, max=hi)
    if op == "Where":
        return torch.where(xs[0].bool(), xs[1], xs[2])
    if op == "Cast":
        return xs[0].to({1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}[a["to"]])
    if op == "Gelu":
        return F.gelu(xs[0], approximate=text(a.get("approximate", "none")))
    if op == "Pad":
        pads = [int(v) for v in xs[1].tolist()]
        n = len(pads) // 2
        torch_pads = []
        for ax in reversed(range(n)):
            torch_pads += [pads[ax], pads[ax + n]]
        mode = text(a.get("mode", "constant"))
        if mode == "constant":
            return F.pad(xs[0], torch_pads, value=float(xs[2].item()) if len(xs) > 2 else 0.0)
        return F.pad(xs[0], torch_pads, mode={"reflect": "reflect", "edge": "replicate"}[mode])
    if op == "CumSum":
        return torch.cumsum(xs[0], dim=int(xs[1].item()))
    raise NotImplementedError(op)


BINARY = {
    "Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div, "Pow": torch.pow,
    "Max": torch.maximum, "Min": torch.minimum, "Equal": torch.eq, "Less": torch.lt, "Greater": torch.gt,
    "LessOrEqual": torch.le, "GreaterOrEqual": torch.ge, "And": torch.logical_and, "Or": torch.logical_or, "Xor": torch.logical_xor,
}
UNARY = {
    "Neg": torch.neg, "Abs": torch.abs, "Exp": torch.exp, "Log": torch.log, "Sqrt": torch.sqrt, "Reciprocal": torch.reciprocal,
    "Sigmoid": torch.sigmoid, "Tanh": torch.tanh, "Relu": torch.relu, "Erf": torch.erf, "Floor": torch.floor, "Ceil": torch.ceil,
    "Sin": torch.sin, "Cos": torch.cos, "Sign": torch.sign, "Round": torch.round, "Softplus": F.softplus, "Not": torch.logical_not,
    "IsNaN": torch.isnan, "IsInf": torch.isinf, "Identity": lambda x: x,
}
SUPPORTED = set(BINARY) | set(UNARY) | {
    "MatMul", "Transpose", "Reshape", "Expand", "Concat", "Slice", "GatherElements", "Conv", "ConvTranspose", "MaxPool", "AveragePool",
    "BatchNormalization", "LayerNormalization", "ConstantOfShape", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd",
    "Softmax", "LogSoftmax", "Clip", "Where", "Cast", "Gelu", "Pad", "CumSum",
}


class OnnxGraphModule(torch.nn.Module):
    """An ONNX graph as a PyTorch module: float initializers are Parameters (by ONNX name), the rest buffers."""

    def __init__(self, model, statistics):
        super().__init__()
        graph = model.graph
        unsupported = sorted({n.op_type for n in graph.node if n.op_type not in SUPPORTED})
        if unsupported:
            print("unsupported ops: " + ", ".join(unsupported))
            sys.exit(3)
        self.nodes = list(graph.node)
        self.inputs = [i.name for i in graph.input if i.name not in {t.name for t in graph.initializer}]
        self.outputs = [o.name for o in graph.output]
        self.params = torch.nn.ParameterDict()
        self.keys = {}
        self.constants = {}
        for t in graph.initializer:
            value = torch.from_numpy(numpy_helper.to_array(t).copy())
            if value.is_floating_point() and t.name not in statistics:
                key = t.name.replace(".", "__")
                self.params[key] = torch.nn.Parameter(value)
                self.keys[t.name] = key
            else:
                self.constants[t.name] = value

    def value(self, scope, name):
        if name == "":
            return None
        if name in self.keys:
            return self.params[self.keys[name]]
        if name in self.constants:
            return self.constants[name]
        return scope[name]

    def forward(self, *xs):
        scope = dict(zip(self.inputs, xs))
        for node in self.nodes:
            args = [self.value(scope, n) for n in node.input]
            out = run_node(node.op_type, args, attrs_of(node))
            scope[node.output[0]] = out
        return [scope[o] for o in self.outputs]


def tensor_of(spec):
    return torch.tensor(spec["values"], dtype=torch.float32).reshape(spec["shape"])


def main(model_path, data_path, out_path, result_path):
    model = onnx.load(model_path)
    data = json.load(open(data_path))
    # BatchNormalization's mean and variance (inputs 3 and 4) are statistics, not weights.
    statistics = {n.input[i] for n in model.graph.node if n.op_type == "BatchNormalization" for i in (3, 4)}
    net = OnnxGraphModule(model, statistics)
    frozen = set(data.get("frozen", []))
    for name, key in net.keys.items():
        net.params[key].requires_grad_(not any(name == f or name.startswith(f + ".") for f in frozen))
    x = tensor_of(data["input"])
    expected = tensor_of(data["expected"])
    with torch.no_grad():
        first = net(x)[0]
    max_abs_diff = float((first - expected).abs().max())
    targets = torch.tensor(data["targets"], dtype=torch.long)
    optimizer = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=data.get("lr", 0.1))
    losses = []
    for _ in range(data.get("steps", 20)):
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x)[0], targets)
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    with torch.no_grad():
        final_out = net(x)[0]
        final_loss = float(F.cross_entropy(final_out, targets))
    # The trained weights go back into the ONNX file, under the same names.
    for t in model.graph.initializer:
        if t.name in net.keys:
            t.CopyFrom(numpy_helper.from_array(net.params[net.keys[t.name]].detach().numpy(), t.name))
    onnx.save(model, out_path)
    result = {
        "max_abs_diff": max_abs_diff,
        "loss_before": losses[0],
        "loss_after": final_loss,
        "trainable": sorted(n for n, k in net.keys.items() if net.params[k].requires_grad),
        "output": {"shape": list(final_out.shape), "values": final_out.reshape(-1).tolist()},
        "torch": torch.__version__,
    }
    json.dump(result, open(result_path, "w"))
    print(f"max |torch - tessera| before training: {max_abs_diff:.2e}; loss {losses[0]:.4f} -> {final_loss:.4f} after {len(losses)} SGD steps")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__)
        sys.exit(2)
    main(*sys.argv[1:])
