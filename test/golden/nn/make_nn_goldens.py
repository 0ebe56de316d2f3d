"""Module goldens: builds each layer in PyTorch, runs forward and backward, records everything.

Run: /usr/bin/python3 test/golden/nn/make_nn_goldens.py [--out DIR]  ->  test/golden/nn/modules.json
A case is data: the torch.nn class name, positional args, keyword args (snake_case; the TS test
turns them into the options object), train/eval mode, the inputs, the module's state dict before
the call (the TS side loads it with loadStateDict), the outputs, the gradients of sum(out * gout)
with respect to float inputs and parameters, and the state dict after (running statistics).
"""

import json
import math
import os
import re
import sys

import torch
import torch.nn as nn
import torchvision

FORMAT_VERSION = 1
SEED = 20261121
HERE = os.path.dirname(os.path.abspath(__file__))


def camel(name):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def enc(t):
    t = t.detach()
    dtype = "bool" if t.dtype == torch.bool else "int64" if not t.is_floating_point() else "float32"
    flat = t.reshape(-1).tolist()
    data = [int(v) for v in flat] if dtype != "float32" else [float("%.9g" % v) for v in flat]
    return {"shape": list(t.shape), "dtype": dtype, "data": data}


def enc_arg(a):
    if isinstance(a, torch.Tensor):
        return {"tensor": enc(a)}
    return a


class ArcFace(nn.Module):
    """The ArcFace head written directly (Deng et al. 2019; as arcface-pytorch's ArcMarginProduct):
    s * cos(theta_y + m) for the true class, s * cos(theta_j) for the others."""

    def __init__(self, in_features, num_classes, s=64.0, m=0.5, easy_margin=False):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_classes, in_features))
        nn.init.xavier_uniform_(self.weight)
        self.s, self.m, self.easy_margin = s, m, easy_margin

    def forward(self, x, target):
        cos = nn.functional.linear(nn.functional.normalize(x), nn.functional.normalize(self.weight))
        sin = torch.sqrt((1.0 - cos**2).clamp(0, 1))
        phi = cos * math.cos(self.m) - sin * math.sin(self.m)
        if self.easy_margin:
            phi = torch.where(cos > 0, phi, cos)
        else:
            phi = torch.where(cos > math.cos(math.pi - self.m), phi, cos - math.sin(math.pi - self.m) * self.m)
        one_hot = nn.functional.one_hot(target, cos.shape[1]).bool()
        return torch.where(one_hot, phi, cos) * self.s


class CosFace(nn.Module):
    """The CosFace head written directly (Wang et al. 2018): s * (cos(theta_j) - m [j = y])."""

    def __init__(self, in_features, num_classes, s=64.0, m=0.35):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_classes, in_features))
        nn.init.xavier_uniform_(self.weight)
        self.s, self.m = s, m

    def forward(self, x, target):
        cos = nn.functional.linear(nn.functional.normalize(x), nn.functional.normalize(self.weight))
        one_hot = nn.functional.one_hot(target, cos.shape[1]).bool()
        return torch.where(one_hot, cos - self.m, cos) * self.s


# Modules that torch.nn lacks: written out above, or torchvision's.
EXTRA = {"ArcFace": ArcFace, "CosFace": CosFace, "SqueezeExcitation": torchvision.ops.SqueezeExcitation}

# Layers whose weight and bias start as ones and zeros: randomised before the call.
NORMS = ("BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm")

cases = []
gen = torch.Generator().manual_seed(SEED)


def randn(*shape):
    return torch.randn(tuple(shape), generator=gen)


def case(name, cls, args, kwargs, inputs, train=True, grad_inputs=None):
    torch.manual_seed(len(cases) + SEED)
    m = (EXTRA[cls] if cls in EXTRA else getattr(nn, cls))(*args, **kwargs)
    m.train(train)
    # Make norm layers' affine parameters non-trivial so their gradients are tested (and instance
    # norm's running statistics, which its eval mode reads).
    with torch.no_grad():
        for pname, p in m.named_parameters():
            if pname in ("weight", "bias") and cls.startswith(NORMS):
                p.copy_(randn(*p.shape) * 0.5 + (1.0 if pname == "weight" else 0.0))
        for bname, b in m.named_buffers():
            if bname in ("running_mean", "running_var") and cls.startswith("InstanceNorm"):
                b.copy_(randn(*b.shape).abs() * 0.5 + (0.5 if bname == "running_var" else 0.0))
    before = {k: enc(v) for k, v in m.state_dict().items()}
    grad_inputs = grad_inputs if grad_inputs is not None else [i for i, x in enumerate(inputs) if x.is_floating_point()]
    ins = [x.detach().clone().requires_grad_(i in grad_inputs) for i, x in enumerate(inputs)]
    out = m(*ins)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    gout = randn(*outs[0].shape)
    grads = {}
    if outs[0].requires_grad:
        (outs[0] * gout).sum().backward()
        for i, x in enumerate(ins):
            if x.grad is not None:
                grads["input%d" % i] = enc(x.grad)
        for pname, p in m.named_parameters():
            if p.grad is not None:
                grads[pname] = enc(p.grad)
    cases.append(
        {
            "name": name,
            "module": cls,
            "args": [enc_arg(a) for a in args],
            "kwargs": {camel(k): enc_arg(v) for k, v in kwargs.items()},
            "train": train,
            "inputs": [dict(enc(x), requiresGrad=i in grad_inputs) for i, x in enumerate(inputs)],
            "stateBefore": before,
            "outputs": [enc(o) for o in outs],
            "gout": enc(gout),
            "grads": grads,
            "stateAfter": {k: enc(v) for k, v in m.state_dict().items()},
        }
    )


def build():
    x4 = randn(2, 3, 7, 6)
    case("Linear", "Linear", [5, 4], {}, [randn(3, 5)])
    case("Linear no bias, 3-D input", "Linear", [5, 2], {"bias": False}, [randn(2, 3, 5)])
    case("Conv1d", "Conv1d", [3, 4, 3], {"stride": 2, "padding": 1}, [randn(2, 3, 9)])
    case("Conv1d circular", "Conv1d", [2, 2, 3], {"padding": 2, "padding_mode": "circular", "dilation": 2}, [randn(1, 2, 8)])
    case("Conv2d LeNet", "Conv2d", [3, 6, 5], {"padding": 2}, [x4])
    case("Conv2d stride dilation", "Conv2d", [3, 4, (3, 2)], {"stride": (2, 1), "dilation": (1, 2), "padding": (1, 0)}, [x4])
    case("Conv2d groups no bias", "Conv2d", [4, 6, 3], {"groups": 2, "bias": False}, [randn(2, 4, 5, 5)])
    case("Conv2d reflect", "Conv2d", [3, 2, 3], {"padding": 1, "padding_mode": "reflect"}, [x4])
    case("Conv2d replicate", "Conv2d", [3, 2, 3], {"padding": (2, 1), "padding_mode": "replicate"}, [x4])
    case("Conv2d circular", "Conv2d", [3, 2, 3], {"padding": 1, "padding_mode": "circular"}, [x4])
    case("Conv2d same even kernel", "Conv2d", [3, 2, 4], {"padding": "same"}, [x4])
    case("Conv2d same reflect", "Conv2d", [3, 2, 3], {"padding": "same", "padding_mode": "reflect", "dilation": 2}, [x4])
    case("ConvTranspose2d", "ConvTranspose2d", [3, 2, 3], {"stride": 2, "padding": 1, "output_padding": 1}, [x4])
    case("ConvTranspose2d groups", "ConvTranspose2d", [4, 6, 2], {"stride": 2, "groups": 2}, [randn(1, 4, 3, 3)])
    case("MaxPool1d", "MaxPool1d", [3], {"stride": 2}, [randn(2, 3, 9)])
    case("MaxPool2d", "MaxPool2d", [2], {}, [x4])
    case("MaxPool2d ceil pad", "MaxPool2d", [3], {"stride": 2, "padding": 1, "ceil_mode": True}, [x4])
    case("MaxPool2d indices", "MaxPool2d", [2], {"return_indices": True}, [x4])
    pooled, idx = torch.nn.functional.max_pool2d(x4, 2, return_indices=True)
    case("MaxUnpool2d", "MaxUnpool2d", [2], {}, [pooled, idx])
    case("AvgPool2d", "AvgPool2d", [3], {"stride": 2, "padding": 1, "count_include_pad": False}, [x4])
    case("AdaptiveAvgPool2d", "AdaptiveAvgPool2d", [(3, 2)], {}, [x4])
    case("BatchNorm2d train", "BatchNorm2d", [3], {}, [x4])
    case("BatchNorm2d cumulative", "BatchNorm2d", [3], {"momentum": None, "eps": 1e-3}, [x4])
    case("BatchNorm2d eval", "BatchNorm2d", [3], {}, [x4], train=False)
    case("BatchNorm1d train (N, C)", "BatchNorm1d", [4], {}, [randn(6, 4)])
    case("BatchNorm1d train (N, C, L)", "BatchNorm1d", [3], {"affine": False}, [randn(4, 3, 5)])
    case("ReLU", "ReLU", [], {}, [randn(3, 4)])
    case("ReLU6", "ReLU6", [], {}, [randn(3, 4) * 4])
    case("LeakyReLU", "LeakyReLU", [0.2], {}, [randn(3, 4)])
    case("ELU", "ELU", [0.5], {}, [randn(3, 4)])
    case("Sigmoid", "Sigmoid", [], {}, [randn(3, 4)])
    case("Tanh", "Tanh", [], {}, [randn(3, 4)])
    case("Softmax", "Softmax", [1], {}, [randn(3, 4)])
    case("Flatten", "Flatten", [], {}, [x4])
    case("LogSoftmax", "LogSoftmax", [1], {}, [randn(3, 4)])
    case("Hardtanh", "Hardtanh", [-0.5, 2.0], {}, [randn(3, 4) * 2])
    case("AvgPool1d", "AvgPool1d", [3], {"stride": 2, "padding": 1, "count_include_pad": False}, [randn(2, 3, 9)])
    case("AdaptiveAvgPool1d", "AdaptiveAvgPool1d", [4], {}, [randn(2, 3, 9)])
    case("AdaptiveMaxPool2d", "AdaptiveMaxPool2d", [(3, 2)], {}, [x4])
    case("AdaptiveMaxPool2d indices", "AdaptiveMaxPool2d", [2], {"return_indices": True}, [x4])
    case("Unflatten", "Unflatten", [1, (2, 3)], {}, [randn(4, 6, 5)])
    case("Dropout eval", "Dropout", [0.3], {}, [randn(3, 4)], train=False)
    logits = randn(5, 4)
    target = torch.randint(0, 4, (5,), generator=gen)
    case("CrossEntropyLoss", "CrossEntropyLoss", [], {"label_smoothing": 0.1}, [logits, target])
    case(
        "CrossEntropyLoss weight ignore sum",
        "CrossEntropyLoss",
        [],
        {"weight": torch.tensor([1.0, 2.0, 0.5, 1.5]), "ignore_index": 2, "reduction": "sum"},
        [logits, target],
    )
    case("NLLLoss", "NLLLoss", [], {}, [torch.log_softmax(logits, 1), target])
    probs = torch.rand(4, 3, generator=gen) * 0.9 + 0.05
    y = torch.rand(4, 3, generator=gen)
    case("BCELoss", "BCELoss", [], {"weight": torch.tensor([1.0, 0.5, 2.0])}, [probs, y], grad_inputs=[0])
    case("BCEWithLogitsLoss", "BCEWithLogitsLoss", [], {"pos_weight": torch.tensor([1.0, 3.0, 0.5])}, [randn(4, 3), y], grad_inputs=[0])
    case("MSELoss", "MSELoss", [], {}, [randn(3, 4), randn(3, 4)])
    case("L1Loss sum", "L1Loss", [], {"reduction": "sum"}, [randn(3, 4), randn(3, 4)])
    case("TripletMarginLoss", "TripletMarginLoss", [], {"margin": 0.5, "swap": True}, [randn(4, 6), randn(4, 6), randn(4, 6)])

    # ---- issue 17: activations -----------------------------------------------------------------
    case("SiLU", "SiLU", [], {}, [randn(3, 4) * 3])
    case("Hardswish", "Hardswish", [], {}, [randn(3, 4) * 3])
    case("Hardsigmoid", "Hardsigmoid", [], {}, [randn(3, 4) * 3])
    case("GELU", "GELU", [], {}, [randn(3, 4) * 2])
    case("GELU tanh", "GELU", [], {"approximate": "tanh"}, [randn(3, 4) * 2])
    case("Mish", "Mish", [], {}, [randn(3, 4) * 2])
    case("SELU", "SELU", [], {}, [randn(3, 4) * 2])
    case("CELU", "CELU", [0.7], {}, [randn(3, 4) * 2])
    case("Softplus", "Softplus", [2.0, 3.0], {}, [randn(3, 4) * 2])
    case("PReLU one slope", "PReLU", [], {}, [randn(2, 3, 4)])
    case("PReLU per channel", "PReLU", [3, 0.1], {}, [randn(2, 3, 4, 4)])

    # ---- issue 17: fold, unfold, pixel shuffle -------------------------------------------------
    case("Unfold", "Unfold", [(2, 3)], {"dilation": (1, 2), "padding": 1, "stride": (2, 1)}, [randn(2, 3, 5, 6)])
    case("Fold", "Fold", [(4, 5), 2], {"stride": (2, 1)}, [randn(2, 8, 8)])
    case("PixelShuffle", "PixelShuffle", [2], {}, [randn(2, 8, 3, 3)])
    case("PixelUnshuffle", "PixelUnshuffle", [3], {}, [randn(1, 2, 6, 9)])
    # ---- issue 17: layer, group and instance norm ------------------------------------------------
    case("LayerNorm", "LayerNorm", [6], {}, [randn(3, 6) * 2 + 1])
    case("LayerNorm (C, H, W) eps", "LayerNorm", [(3, 4, 4)], {"eps": 1e-3}, [randn(2, 3, 4, 4)])
    case("LayerNorm no affine", "LayerNorm", [[5]], {"elementwise_affine": False}, [randn(2, 4, 5)])
    case("GroupNorm", "GroupNorm", [2, 4], {}, [randn(2, 4, 3, 3) * 2])
    case("GroupNorm no affine eps", "GroupNorm", [3, 6], {"affine": False, "eps": 1e-3}, [randn(2, 6, 5)])
    case("InstanceNorm2d", "InstanceNorm2d", [3], {}, [randn(2, 3, 4, 4)])
    case("InstanceNorm2d affine + running stats train", "InstanceNorm2d", [3], {"affine": True, "track_running_stats": True, "momentum": 0.2}, [randn(2, 3, 4, 4) * 2 + 1])
    case("InstanceNorm2d running stats eval", "InstanceNorm2d", [3], {"track_running_stats": True}, [randn(2, 3, 4, 4)], train=False)
    case("InstanceNorm1d unbatched", "InstanceNorm1d", [2], {"affine": True}, [randn(2, 7)])
    case("InstanceNorm3d", "InstanceNorm3d", [2], {"affine": True}, [randn(2, 2, 3, 2, 3)])

    # ---- issue 17: 3-D layers (video clips, volumes) ---------------------------------------------
    x5 = randn(2, 3, 4, 6, 5)
    case("Conv3d", "Conv3d", [3, 4, 3], {"padding": 1}, [x5])
    case("Conv3d (1, 3, 3) stride groups no bias", "Conv3d", [3, 6, (1, 3, 3)], {"stride": (1, 2, 2), "groups": 3, "bias": False}, [x5])
    case("Conv3d same replicate", "Conv3d", [3, 2, 2], {"padding": "same", "padding_mode": "replicate"}, [x5])
    case("MaxPool3d", "MaxPool3d", [2], {}, [x5])
    case("MaxPool3d (1, 3, 3) pad ceil", "MaxPool3d", [(1, 3, 3)], {"stride": (1, 2, 2), "padding": (0, 1, 1), "ceil_mode": True}, [x5])
    case("AvgPool3d", "AvgPool3d", [2], {"stride": 1}, [x5])
    case("AvgPool3d pad exclude", "AvgPool3d", [3], {"stride": 2, "padding": 1, "count_include_pad": False}, [x5])
    case("AdaptiveAvgPool3d", "AdaptiveAvgPool3d", [(1, 2, 2)], {}, [x5])
    case("AdaptiveMaxPool3d", "AdaptiveMaxPool3d", [2], {}, [x5])
    case("BatchNorm3d train", "BatchNorm3d", [3], {}, [x5])
    case("BatchNorm3d eval", "BatchNorm3d", [3], {"eps": 1e-3}, [x5], train=False)

    # ---- issue 17: losses and margin heads -------------------------------------------------------
    case("HuberLoss delta", "HuberLoss", [], {"delta": 0.7}, [randn(3, 4) * 2, randn(3, 4)])
    case("SmoothL1Loss beta sum", "SmoothL1Loss", [], {"beta": 0.5, "reduction": "sum"}, [randn(3, 4) * 2, randn(3, 4)])
    case("KLDivLoss batchmean", "KLDivLoss", [], {"reduction": "batchmean"}, [torch.log_softmax(randn(4, 5), 1), torch.softmax(randn(4, 5), 1)])
    case("KLDivLoss log_target", "KLDivLoss", [], {"reduction": "sum", "log_target": True}, [torch.log_softmax(randn(3, 4), 1), torch.log_softmax(randn(3, 4), 1)])
    case("PoissonNLLLoss full", "PoissonNLLLoss", [], {"full": True}, [randn(3, 4), torch.randint(0, 6, (3, 4), generator=gen).float()], grad_inputs=[0])
    ones_and_minus = torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0])
    case("CosineEmbeddingLoss margin", "CosineEmbeddingLoss", [], {"margin": 0.3}, [randn(5, 4), randn(5, 4), ones_and_minus], grad_inputs=[0, 1])
    case("MarginRankingLoss margin", "MarginRankingLoss", [], {"margin": 0.2}, [randn(5), randn(5), ones_and_minus], grad_inputs=[0, 1])
    labels = torch.randint(0, 5, (6,), generator=gen)
    case("ArcFace", "ArcFace", [4, 5], {"s": 30.0, "m": 0.5}, [randn(6, 4), labels])
    case("ArcFace easy margin", "ArcFace", [4, 5], {"s": 16.0, "m": 0.3, "easy_margin": True}, [randn(6, 4), labels])
    case("ArcFace large margin (theta + m past pi)", "ArcFace", [3, 4], {"m": 1.2}, [randn(6, 3), labels % 4])
    case("CosFace", "CosFace", [4, 5], {"s": 30.0, "m": 0.35}, [randn(6, 4), labels])
    case("CosFace defaults", "CosFace", [4, 5], {}, [randn(6, 4), labels])

    # ---- issue 17: squeeze-and-excitation (torchvision.ops) --------------------------------------
    case("SqueezeExcitation", "SqueezeExcitation", [4, 2], {}, [randn(2, 4, 5, 3)])
    case("SqueezeExcitation unbatched", "SqueezeExcitation", [6, 3], {}, [randn(6, 3, 3)])


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=True)
    build()
    doc = {
        "format": "receptive-nn-golden",
        "version": FORMAT_VERSION,
        "torch": torch.__version__,
        "seed": SEED,
        "generatedBy": "test/golden/nn/make_nn_goldens.py",
        "cases": cases,
    }
    out_dir = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else HERE
    path = os.path.join(out_dir, "modules.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("%d cases -> %s" % (len(cases), path))


if __name__ == "__main__":
    main()
