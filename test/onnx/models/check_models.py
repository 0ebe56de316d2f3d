"""Runs Debian's ONNX checker (python3-onnx, full_check: types and shapes too) on each file given
and prints one JSON object {file: "ok" | error message}. Used by test/onnx/export.test.ts."""

import json
import sys

import onnx

results = {}
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        results[path] = "ok"
    except Exception as e:  # the checker's own error types vary by version
        results[path] = f"{type(e).__name__}: {e}"
print(json.dumps(results))
