#!/usr/bin/env python3
"""Generates src/fixtures/reference.ts: expected values for the conformance cases.

The values come from PyTorch and numpy in float64, applied to inputs that are exactly
representable in float32, so a float32 kernel only adds its own rounding. Run with Debian's
packages (apt-get install -y python3-torch python3-numpy):

    /usr/bin/python3 packages/conformance/scripts/generate-fixtures.py

The output is TypeScript rather than JSON: JSON cannot hold NaN, Infinity or -0, and a .ts
module needs no JSON-module setting in the tsconfig nor a file system at run time (the suite
also runs in browsers).
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

np.seterr(invalid="ignore")

torch.set_default_dtype(torch.float64)

NAN = float("nan")
INF = float("inf")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "reference.ts")


def f32(values):
    """float32-representable inputs as a float64 tensor."""
    return torch.tensor(values, dtype=torch.float32).double()


def js(value):
    """A float64 number as a TypeScript literal (NaN, Infinity and -0 included)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(js(v) for v in value) + "]"
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    return repr(v)


def case(inputs, fn):
    x = f32(inputs)
    return {"input": x.tolist(), "expected": fn(x).tolist()}


# Inputs shared by the unary ops: zeros, small and large magnitudes, and the special values.
GENERAL = [-3.5, -1, -0.5, 0, 0.25, 1, 2.5, 10, NAN, INF, -INF]
POSITIVE = [0, 1e-4, 0.25, 1, 2, 10, 1e4, INF, -1, NAN]

unary = {
    "neg": case(GENERAL, torch.neg),
    "abs": case(GENERAL, torch.abs),
    # numpy's sign (NaN for NaN, as tensor-core documents); older PyTorch returns 0 for NaN.
    "sign": case(GENERAL, lambda x: torch.from_numpy(np.sign(x.numpy()))),
    "exp": case([-100, -3.5, -1, 0, 0.5, 1, 10, 80, NAN, INF, -INF], torch.exp),
    "log": case(POSITIVE, torch.log),
    "log1p": case([-1, -0.5, -1e-6, 0, 1e-6, 0.5, 1, 1e6, INF, -2, NAN], torch.log1p),
    "expm1": case([-INF, -20, -1, -1e-6, 0, 1e-6, 0.5, 1, 10, INF, NAN], torch.expm1),
    "sqrt": case(POSITIVE, torch.sqrt),
    "rsqrt": case([1e-4, 0.25, 1, 2, 10, 1e4, INF, 0, -1, NAN], torch.rsqrt),
    "square": case(GENERAL, torch.square),
    "reciprocal": case([-4, -0.5, 0.25, 1, 3, 1e4, INF, -INF, 0, NAN], torch.reciprocal),
    "sin": case([-3, -1, -0.5, 0, 0.5, 1, 1.5, 3, 10, NAN, INF], torch.sin),
    "cos": case([-3, -1, -0.5, 0, 0.5, 1, 1.5, 3, 10, NAN, INF], torch.cos),
    "tanh": case([-20, -3, -1, -0.5, 0, 1e-4, 0.5, 1, 3, 20, NAN, INF, -INF], torch.tanh),
    "sigmoid": case([-100, -20, -3, -1, 0, 0.5, 1, 3, 20, 100, NAN, INF, -INF], torch.sigmoid),
    "relu": case(GENERAL, torch.relu),
    "erf": case([-4, -2, -1, -0.5, -1e-3, 0, 0.1, 0.5, 1, 1.5, 2, 3, 6, NAN, INF, -INF], torch.erf),
    "floor": case([-2.5, -1.5, -0.5, -0.25, 0, 0.25, 0.5, 1.5, 2.5, 7, NAN, INF, -INF], torch.floor),
    "ceil": case([-2.5, -1.5, -0.5, -0.25, 0, 0.25, 0.5, 1.5, 2.5, 7, NAN, INF, -INF], torch.ceil),
    # Half to even: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> -0, -1.5 -> -2, -2.5 -> -2.
    "round": case([-2.5, -1.5, -0.6, -0.5, -0.4, 0, 0.4, 0.5, 0.6, 1.5, 2.5, 3.5, 1e7 + 1, NAN, INF], torch.round),
    # log(1 + e^x) in float64 (no threshold shortcut), so large x checks the stable form.
    "softplus": case([-100, -20, -1, 0, 0.5, 1, 10, 20, 30, 100, NAN, INF, -INF], lambda x: torch.from_numpy(np.logaddexp(0, x.numpy()))),
}

activations = {
    "leakyRelu": case([-10, -1, -0.5, 0, 0.5, 2, NAN, -INF, INF], lambda x: F.leaky_relu(x, 0.01)),
    "leakyRelu0.2": case([-10, -1, -0.5, 0, 0.5, 2], lambda x: F.leaky_relu(x, 0.2)),
    "elu": case([-20, -2, -1, -0.25, 0, 0.25, 1, 3, -INF, INF], lambda x: F.elu(x, 1.0)),
    "elu0.5": case([-20, -2, -1, -0.25, 0, 0.25, 1, 3], lambda x: F.elu(x, 0.5)),
    "selu": case([-20, -2, -1, -0.25, 0, 0.25, 1, 3], F.selu),
    "gelu": case([-6, -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 6], lambda x: F.gelu(x, approximate="none")),
    "geluTanh": case([-6, -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 6], lambda x: F.gelu(x, approximate="tanh")),
    "silu": case([-20, -3, -1, -0.5, 0, 0.5, 1, 3, 20], F.silu),
    "hardSigmoid": case([-6, -4, -3, -1.5, 0, 1.5, 3, 4, 6], F.hardsigmoid),
    "hardSwish": case([-6, -4, -3, -1.5, 0, 1.5, 3, 4, 6], F.hardswish),
}

binary = {
    "pow": {
        "a": f32([2, 2, 2, -2, -2, 0, 0, 4, -8, 1.5, 10, NAN, INF, INF, 0]).tolist(),
        "b": f32([3, -1, 0.5, 2, 3, 0, 2, -0.5, 1 / 3, 2.5, 30, 0, -1, 2, -1]).tolist(),
    },
    "atan2": {
        "a": f32([1, 1, -1, -1, 0, 0, 1, -1, 2, INF, NAN]).tolist(),
        "b": f32([1, -1, 1, -1, 1, -1, 0, 0, 0.5, INF, 1]).tolist(),
    },
    "modFloat": {
        "a": f32([7.5, -7.5, 7.5, -7.5, 5, -5, 0.75, 3, 1, INF, NAN]).tolist(),
        "b": f32([2, 2, -2, -2, 0.25, 1.5, -0.5, 0, INF, 2, 2]).tolist(),
    },
    "floorDivFloat": {
        "a": f32([7.5, -7.5, 7.5, -7.5, 1, -1, 0, 5]).tolist(),
        "b": f32([2, 2, -2, -2, 0, 0, 0, 0.5]).tolist(),
    },
}
for name in ("pow", "atan2"):
    a, b = torch.tensor(binary[name]["a"]), torch.tensor(binary[name]["b"])
    binary[name]["expected"] = getattr(torch, name)(a, b).tolist()
a, b = torch.tensor(binary["modFloat"]["a"]), torch.tensor(binary["modFloat"]["b"])
binary["modFloat"]["expected"] = torch.remainder(a, b).tolist()
a, b = torch.tensor(binary["floorDivFloat"]["a"]), torch.tensor(binary["floorDivFloat"]["b"])
binary["floorDivFloat"]["expected"] = torch.floor(a / b).tolist()

# Reductions on a fixed [3, 4] matrix.
M = f32([[0.5, -1.25, 3, 2], [4, 4, -2.5, 0.75], [-3, 1.5, 1, -0.5]])
reduce = {
    "matrix": M.tolist(),
    "var1": M.var(dim=1, unbiased=True).tolist(),
    "var0": M.var(dim=0, unbiased=False).tolist(),
    "varAll": M.var(unbiased=True).item(),
    "std1": M.std(dim=1, unbiased=True).tolist(),
    "std0": M.std(dim=0, unbiased=False).tolist(),
    "mean1": M.mean(dim=1).tolist(),
    "logSumExp1": torch.logsumexp(M, dim=1).tolist(),
    "logSumExp0": torch.logsumexp(M, dim=0).tolist(),
    "logSumExpAll": torch.logsumexp(M, dim=(0, 1)).item(),
    "logSumExpSpecial": torch.logsumexp(f32([[-INF, -INF], [-INF, 0], [1000, 1000], [-1000, -1000], [INF, 1], [NAN, 1]]), dim=1).tolist(),
}


def emit(name, value, indent=0):
    pad = "  " * indent
    if isinstance(value, dict):
        lines = [f"{pad}{name}: {{" if name else "{"]
        for k, v in value.items():
            key = k if k.isidentifier() else f"'{k}'"
            lines.append(emit(key, v, indent + 1))
        lines.append(f"{pad}}},")
        return "\n".join(lines)
    if isinstance(value, list) and value and isinstance(value[0], list):
        return f"{pad}{name}: [{', '.join(js(row) for row in value)}],"
    return f"{pad}{name}: {js(value)},"


with open(OUT, "w") as f:
    f.write("// Generated by scripts/generate-fixtures.py (PyTorch "
            f"{torch.__version__.split('+')[0]}, numpy {np.__version__}); do not edit by hand.\n")
    f.write("// Expected values in float64 for float32-representable inputs.\n\n")
    f.write("/** A unary op's inputs and PyTorch's outputs. */\n")
    f.write("export interface UnaryFixture {\n  readonly input: readonly number[];\n  readonly expected: readonly number[];\n}\n\n")
    f.write("/** A binary op's inputs and PyTorch's outputs. */\n")
    f.write("export interface BinaryFixture {\n  readonly a: readonly number[];\n  readonly b: readonly number[];\n  readonly expected: readonly number[];\n}\n\n")
    for const, value, typ in (
        ("UNARY", unary, "Record<string, UnaryFixture>"),
        ("ACTIVATIONS", activations, "Record<string, UnaryFixture>"),
        ("BINARY", binary, "Record<string, BinaryFixture>"),
    ):
        body = "\n".join(emit(k if k.isidentifier() else f"'{k}'", v, 1) for k, v in value.items())
        f.write(f"export const {const} = {{\n{body}\n}} as const satisfies {typ};\n\n")
    body = "\n".join(emit(k, v, 1) for k, v in reduce.items())
    f.write(f"/** Reductions of a fixed [3, 4] matrix. */\nexport const REDUCE = {{\n{body}\n}} as const;\n")
print("wrote", os.path.normpath(OUT))
