"""Loads a folder written by onnx.toPyTorch with Debian's torch and runs it (test/onnx/pytorch.test.ts).

Run: /usr/bin/python3 test/onnx/models/run_pytorch_export.py DIR INPUT.bin N,C,H,W OUTPUT.bin
Imports DIR/model.py, calls load() (DIR/weights.safetensors), runs the eval-mode forward on the
float32 input and writes the output as float32; prints JSON: state-dict keys, output shape,
parameter count.
"""

import importlib.util
import json
import sys

import torch

folder, input_path, shape, output_path = sys.argv[1:5]
torch.set_num_threads(1)
spec = importlib.util.spec_from_file_location("exported_model", f"{folder}/model.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
net = module.load().eval()
x = torch.frombuffer(bytearray(open(input_path, "rb").read()), dtype=torch.float32).reshape([int(d) for d in shape.split(",")])
with torch.no_grad():
    y = net(x)
y.numpy().astype("<f4").tofile(output_path)
print(json.dumps({"keys": list(net.state_dict().keys()), "shape": list(y.shape), "params": sum(p.numel() for p in net.parameters())}))
