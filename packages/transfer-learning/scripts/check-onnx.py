#!/usr/bin/python3
"""Checks ONNX files with the official checker and shape inference (Debian's python3-onnx).

Usage: /usr/bin/python3 scripts/check-onnx.py model.onnx [more.onnx ...]
Prints one line per file; exits 1 when any file fails. Run by src/export/export.test.ts.
"""
import sys

import onnx


def main(paths):
    failed = 0
    for path in paths:
        try:
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
            inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
            print(f"ok {path}: opset {model.opset_import[0].version}, ir {model.ir_version}, "
                  f"{len(model.graph.node)} nodes, {len(model.graph.initializer)} initializers, "
                  f"{len(inferred.graph.value_info)} inferred values")
        except Exception as error:  # the checker raises several exception types
            failed += 1
            print(f"FAIL {path}: {type(error).__name__}: {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
