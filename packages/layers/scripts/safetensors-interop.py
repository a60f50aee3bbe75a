#!/usr/bin/python3
"""Checks that Tessera's safetensors files are what Python tools read, and writes one for Tessera.

Run with Debian's Python (`apt-get install -y python3-torch`; numpy comes with it):

    /usr/bin/python3 packages/layers/scripts/safetensors-interop.py

1. Reads src/fixtures/tessera.safetensors (written by src/safetensors.test.ts, byte-exact) with an
   independent reader of the format (struct + json + numpy; Debian has no python3-safetensors)
   that enforces the reference implementation's rules: 8-byte little-endian header length,
   header starting with '{', data_offsets covering the data buffer with no holes or overlaps,
   byte counts matching dtype and shape. It compares every tensor with the values the test wrote.
   It also loads the Linear/BatchNorm tensors into a torch model (camelCase keys renamed to
   PyTorch's) and checks its eval output against the one the test stored.
2. Writes src/fixtures/python.safetensors from a torch model's state_dict (int64
   num_batches_tracked, snake_case keys) plus F16/BF16/I64/U8 tensors, laid out as the Python
   library does (by dtype alignment, then name), and src/fixtures/python.json with the expected
   values and the model's eval output, for the Tessera test to read.
"""
import json
import os
import re
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures")
DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def read(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert 8 + n <= len(data), "header length past the end"
    raw = data[8:8 + n]
    assert raw[:1] == b"{", "header must start with {"
    header = json.loads(raw.decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + n:]
    spans = sorted((spec["data_offsets"][0], spec["data_offsets"][1], name) for name, spec in header.items())
    at = 0
    for start, end, name in spans:
        assert start == at, f"hole or overlap before {name}"
        at = end
    assert at == len(body), "data buffer not fully indexed"
    out = {}
    for name, spec in header.items():
        start, end = spec["data_offsets"]
        count = int(np.prod(spec["shape"])) if spec["shape"] else 1
        assert end - start == count * SIZES[spec["dtype"]], f"{name}: byte count"
        out[name] = np.frombuffer(body[start:end], dtype=np.dtype(DTYPES[spec["dtype"]]).newbyteorder("<")).reshape(spec["shape"])
    return out, metadata, n


def write(path, tensors, metadata):
    """tensors: name -> (dtype code, shape, raw little-endian bytes)."""
    order = sorted(tensors, key=lambda k: (-SIZES[tensors[k][0]], k))
    header = {"__metadata__": metadata}
    offset = 0
    for name in order:
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in order:
            f.write(tensors[name][2])


def snake(key):
    head, _, last = key.rpartition(".")
    last = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), last)
    return f"{head}.{last}" if head else last


def check_tessera_file():
    expected = json.load(open(os.path.join(HERE, "tessera-expected.json")))
    tensors, metadata, n = read(os.path.join(HERE, "tessera.safetensors"))
    assert n % 8 == 0, "header padded to 8 bytes"
    assert metadata == expected["metadata"], metadata
    assert sorted(tensors) == sorted(expected["tensors"]), sorted(tensors)
    for name, e in expected["tensors"].items():
        t = tensors[name]
        assert list(t.shape) == e["shape"], (name, t.shape)
        assert t.dtype == np.dtype(DTYPES[e["dtype"]]), (name, t.dtype)
        assert np.array_equal(t.flatten().astype(np.float64), np.array(e["values"], dtype=np.float64)), name
    # The model tensors load into torch and reproduce Tessera's output.
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    state = {snake(k): torch.from_numpy(v.copy()) for k, v in tensors.items() if k[0].isdigit()}
    state["1.num_batches_tracked"] = state["1.num_batches_tracked"].long()
    model.load_state_dict(state)
    model.eval()
    y = model(torch.tensor(expected["input"], dtype=torch.float32)).detach().numpy().flatten()
    assert np.allclose(y, expected["output"], atol=1e-6), (y, expected["output"])
    print(f"read tessera.safetensors: {len(tensors)} tensors, metadata {metadata}, torch output matches")


def write_python_file():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model.train()
    model(torch.randn(5, 3))  # moves the running statistics, num_batches_tracked = 1
    model.eval()
    x = torch.randn(4, 3)
    y = model(x).detach()
    tensors = {}
    for k, v in model.state_dict().items():
        arr = v.numpy()
        code = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[arr.dtype]
        tensors[k] = (code, arr.shape, arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    half = np.array([1.0, -2.5, 0.000061035156, 65504.0, 0.333251953125, -0.0], dtype=np.float16)
    tensors["extra.half"] = ("F16", half.shape, half.astype("<f2").tobytes())
    bf = torch.tensor([1.0, -3.140625, 256.0, 1e-3], dtype=torch.bfloat16)
    tensors["extra.bf16"] = ("BF16", [4], bf.view(torch.int16).numpy().astype("<i2").tobytes())
    big = np.array([[-5, 2**31 - 1], [0, 7]], dtype=np.int64)
    tensors["extra.long"] = ("I64", big.shape, big.astype("<i8").tobytes())
    u8 = np.array([0, 255, 3], dtype=np.uint8)
    tensors["extra.bytes"] = ("U8", u8.shape, u8.tobytes())
    write(os.path.join(HERE, "python.safetensors"), tensors, {"format": "pt", "writer": "safetensors-interop.py"})
    json.dump({
        "input": x.flatten().tolist(), "inputShape": list(x.shape), "output": y.flatten().tolist(),
        "half": [float(v) for v in half.astype(np.float32)], "bf16": bf.float().tolist(),
        "long": big.flatten().tolist(), "bytes": u8.tolist(),
    }, open(os.path.join(HERE, "python.json"), "w"))
    print("wrote python.safetensors and python.json")


if __name__ == "__main__":
    if "--write-only" not in sys.argv:
        check_tessera_file()
    write_python_file()
