"""Reads a checkpoint written by Receptive's save() the way a PyTorch user would, without the
safetensors package: parses the format by hand (struct + json), loads the tensors into the same
architecture built in PyTorch with load_state_dict(strict=True), and runs it in eval mode.

Usage: /usr/bin/python3 read_checkpoint.py CHECKPOINT INPUT MODEL
  CHECKPOINT  a .safetensors file written by save()
  INPUT       a .safetensors file with one tensor named "input"
  MODEL       "lenet5" or "resnet18-cifar-8" (resnet18, cifar stem, width 8, 10 classes)
Prints JSON: {"output": [...], "shape": [...], "keys": {name: [dtype, shape]}, "metadata": {...}}.
Used by test/unit/checkpoint.test.ts.
"""

import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_goldens import LeNet5, cifar_resnet  # noqa: E402

DTYPES = {"F32": (torch.float32, "f", 4), "I64": (torch.int64, "q", 8), "BOOL": (torch.bool, "?", 1)}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, e in header.items():
        dtype, code, size = DTYPES[e["dtype"]]
        begin, end = e["data_offsets"]
        count = (end - begin) // size
        values = struct.unpack("<%d%s" % (count, code), data[begin:end])
        tensors[name] = torch.tensor(values, dtype=dtype).reshape(e["shape"])
    return tensors, metadata


def main(ckpt, inp, model_name):
    tensors, metadata = read_safetensors(ckpt)
    model = LeNet5() if model_name == "lenet5" else cifar_resnet("resnet18", 8, 10)
    model_keys = {k: v for k, v in tensors.items() if not k.startswith("@optimizer/")}
    model.load_state_dict(model_keys, strict=True)
    model.eval()
    x = read_safetensors(inp)[0]["input"]
    with torch.no_grad():
        y = model(x)
    print(
        json.dumps(
            {
                "output": y.reshape(-1).tolist(),
                "shape": list(y.shape),
                "keys": {k: [str(v.dtype), list(v.shape)] for k, v in tensors.items()},
                "metadata": metadata,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
