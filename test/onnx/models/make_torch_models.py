"""PyTorch-exported ONNX models for test/onnx/torch.test.ts: LeNet-5, ResNet-18, VGG-11,
MobileNetV2 and AlexNet with seeded random weights, each exported by torch.onnx (Debian's
python3-torch 1.13 and python3-torchvision 0.14) at opsets 11, 13 and 17 with a dynamic batch,
plus a seeded input and PyTorch's eval-mode output for it.

Run: /usr/bin/python3 test/onnx/models/make_torch_models.py OUT_DIR [NAME ...]
Writes into OUT_DIR (a temporary folder: the files are tens of MB, so they are made, not committed):
  <name>_opset<k>.onnx   the exported model
  <name>.input.bin       the input, float32 little-endian, and <name>.output.bin PyTorch's output
  manifest.json          per model: input shape, the head's module path, its in-features, files

NOTE: VGG-11 and AlexNet keep torchvision's features and pooling but get a 64-unit classifier
(same layer types) instead of the 4096-unit one, whose 100+ million parameters would make
half-gigabyte files for the same test. VGG-11 and AlexNet take 224x224 inputs (their adaptive
pools export only when the output size divides the input's feature map); the others 64x64.
"""

import json
import os
import sys

import torch
import torch.nn as nn
import torchvision.models as tvm

SEED = 20261205
OPSETS = (11, 13, 17)
out = sys.argv[1]
only = set(sys.argv[2:])
torch.set_num_threads(1)


class LeNet5(nn.Module):
    """The course's LeNet-5 (1x28x28), flattening with x.view(x.size(0), -1) as many scripts do."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def small_classifier(features, classes=10):
    return nn.Sequential(
        nn.Dropout(), nn.Linear(features, 64), nn.ReLU(True), nn.Dropout(), nn.Linear(64, 64), nn.ReLU(True), nn.Linear(64, classes)
    )


def vgg11():
    m = tvm.vgg11(num_classes=10)
    m.classifier = small_classifier(512 * 7 * 7)
    return m


def alexnet():
    m = tvm.alexnet(num_classes=10)
    m.classifier = small_classifier(256 * 6 * 6)
    return m


# name: (constructor, input shape, head path, head in-features)
MODELS = {
    "lenet5": (LeNet5, [2, 1, 28, 28], "fc3", 84),
    "resnet18": (lambda: tvm.resnet18(num_classes=10), [2, 3, 64, 64], "fc", 512),
    "vgg11": (vgg11, [2, 3, 224, 224], "classifier.6", 64),
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(num_classes=10), [2, 3, 64, 64], "classifier.1", 1280),
    "alexnet": (alexnet, [2, 3, 224, 224], "classifier.6", 64),
}

manifest = {}
for i, (name, (make, shape, head, head_in)) in enumerate(MODELS.items()):
    if only and name not in only:
        continue
    torch.manual_seed(SEED + i)
    model = make().eval()
    with torch.no_grad():
        # Non-trivial batch-norm statistics, so that folding them into the convs matters.
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.5, 0.5)
        x = torch.randn(shape)
        y = model(x)
    x.numpy().astype("<f4").tofile(os.path.join(out, f"{name}.input.bin"))
    y.numpy().astype("<f4").tofile(os.path.join(out, f"{name}.output.bin"))
    files = {}
    for opset in OPSETS:
        path = os.path.join(out, f"{name}_opset{opset}.onnx")
        torch.onnx.export(
            model, x, path, opset_version=opset, input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        )
        files[opset] = os.path.basename(path)
    manifest[name] = {"input": shape, "output": list(y.shape), "head": head, "headIn": head_in, "files": files}

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
