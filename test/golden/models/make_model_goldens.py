"""Model-zoo goldens: torchvision's architectures (and hand-built PyTorch references for the
models torchvision lacks), their parameter counts and state-dict keys, plus seeded LeNet-5 and
TinyVGG weights with a few-sample forward pass, written as safetensors by a hand-rolled writer.

Run: /usr/bin/python3 test/golden/models/make_model_goldens.py [--out DIR]   (Debian's
python3-torch and python3-torchvision). Writes, next to this script (or into DIR):
  models.json            per model: constructor options, parameter count, [key, shape] list;
                         torchvision's VGG configuration tables
  lenet5.safetensors     LeNet-5 state dict (seeded)        lenet5-io.safetensors   input, output
  tinyvgg.safetensors    TinyVGG state dict (seeded)        tinyvgg-io.safetensors  input, output
  dtypes.safetensors     F32 / I64 / BOOL tensors, a scalar and an empty tensor (format test)
and in models.json, for the larger models ("forwards"), the eval-mode output on a formula input
with every state-dict entry filled by a formula (formula_fill, mirrored in models.test.ts), so the
forward pass is checked without committing megabytes of weights.
"""

import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torchvision.models as tvm

FORMAT_VERSION = 1
SEED = 20261121
HERE = os.path.dirname(os.path.abspath(__file__))


# ---- hand-built references (no torchvision equivalent) ------------------------------------------
class LeNet5(nn.Module):
    """conv5x5(6, pad 2)-relu-maxpool-conv5x5(16)-relu-maxpool-fc120-relu-fc84-relu-fc10, 1x28x28."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, num_classes)
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class TinyVGG(nn.Module):
    """CNN Explainer's TinyVGG: two blocks of conv3x3(10)-relu-conv3x3(10)-relu-maxpool, 3x64x64."""

    def __init__(self, num_classes=10, hidden=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, hidden, 3), nn.ReLU(), nn.Conv2d(hidden, hidden, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(hidden, hidden, 3), nn.ReLU(), nn.Conv2d(hidden, hidden, 3), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(hidden * 13 * 13, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def conv_bn_relu(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU()
    )


class DepthwiseSeparable(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv = nn.Sequential(conv_bn_relu(cin, cin, 3, stride, groups=cin), conv_bn_relu(cin, cout, 1))

    def forward(self, x):
        return self.conv(x)


class MobileNetV1(nn.Module):
    """Howard et al. 2017, Table 1: a full conv then 13 depthwise-separable blocks, pool, fc."""

    def __init__(self, num_classes=1000):
        super().__init__()
        cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
        layers, cin = [conv_bn_relu(3, 32, 3, 2)], 32
        for cout, s in cfg:
            layers.append(DepthwiseSeparable(cin, cout, s))
            cin = cout
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(nn.Dropout(0.001), nn.Linear(1024, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout, padding=1, batch_norm=False):
        def conv(c):
            return nn.Conv2d(c, cout, 3, padding=padding, bias=not batch_norm)

        def norm():
            return [nn.BatchNorm2d(cout)] if batch_norm else []

        super().__init__(conv(cin), *norm(), nn.ReLU(), conv(cout), *norm(), nn.ReLU())


class UNet(nn.Module):
    """Ronneberger et al. 2015: double 3x3 convs, 2x2 max-pools, up-convs halving the channels,
    skip concatenations, a 1x1 head. Module names are the engine's (encoders, ups, decoders, head)."""

    def __init__(self, in_channels=1, num_classes=2, width=64, depth=4, up="transposed", batch_norm=False):
        super().__init__()
        ch = lambda i: width * 2**i
        self.encoders = nn.ModuleList(
            [DoubleConv(in_channels if i == 0 else ch(i - 1), ch(i), batch_norm=batch_norm) for i in range(depth + 1)]
        )
        self.pool = nn.MaxPool2d(2)
        self.ups, self.decoders = nn.ModuleList(), nn.ModuleList()
        for i in range(depth, 0, -1):
            if up == "transposed":
                self.ups.append(nn.ConvTranspose2d(ch(i), ch(i - 1), 2, stride=2))
            else:
                self.ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(ch(i), ch(i - 1), 1)))
            self.decoders.append(DoubleConv(ch(i), ch(i - 1), batch_norm=batch_norm))
        self.head = nn.Conv2d(width, num_classes, 1)

    def forward(self, x):
        skips = []
        for i, enc in enumerate(self.encoders):
            x = enc(x if i == 0 else self.pool(x))
            skips.append(x)
        for j, (up, dec) in enumerate(zip(self.ups, self.decoders)):
            x = dec(torch.cat([skips[-2 - j], up(x)], 1))
        return self.head(x)


class YoloTiny(nn.Module):
    """Four conv3x3-BN-LeakyReLU(0.1)-maxpool blocks, a fifth conv to 16w, adaptive pool to S x S,
    a 1x1 head to B*5 + C channels (the engine's models.yoloTiny)."""

    def __init__(self, grid_size=7, num_boxes=2, num_classes=20, in_channels=3, width=16):
        super().__init__()
        block = lambda cin, cout: nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1))
        layers, cin = [], in_channels
        for i in range(4):
            layers += [block(cin, width * 2**i), nn.MaxPool2d(2)]
            cin = width * 2**i
        layers.append(block(cin, width * 16))
        self.backbone = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(grid_size)
        self.head = nn.Conv2d(width * 16, num_boxes * 5 + num_classes, 1)

    def forward(self, x):
        return self.head(self.pool(self.backbone(x))).permute(0, 2, 3, 1)


def cifar_resnet(arch, width, num_classes):
    """torchvision's ResNet with a 3x3 stride-1 stem, no max-pool, and stage widths w, 2w, 4w, 8w."""
    block = tvm.resnet.BasicBlock if arch in ("resnet18", "resnet34") else tvm.resnet.Bottleneck
    layers = {"resnet18": [2, 2, 2, 2], "resnet34": [3, 4, 6, 3], "resnet50": [3, 4, 6, 3]}[arch]
    m = tvm.resnet.ResNet(block, layers, num_classes=num_classes)
    m.inplanes = width
    m.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
    m.bn1 = nn.BatchNorm2d(width)
    m.maxpool = nn.Identity()
    m.layer1 = m._make_layer(block, width, layers[0])
    m.layer2 = m._make_layer(block, width * 2, layers[1], stride=2)
    m.layer3 = m._make_layer(block, width * 4, layers[2], stride=2)
    m.layer4 = m._make_layer(block, width * 8, layers[3], stride=2)
    m.fc = nn.Linear(width * 8 * block.expansion, num_classes)
    return m


# ---- the zoo: our name, our options, a builder --------------------------------------------------
def tv(name, **kw):
    return lambda: getattr(tvm, name)(**kw)


ZOO = [
    ("alexnet", {}, tv("alexnet")),
    ("alexnet", {"numClasses": 10}, tv("alexnet", num_classes=10)),
    # Each VGG takes seconds to build in the engine (138M parameters), so the unit test builds
    # these four; vgg13 and the other Bn variants share their code and differ only in the
    # configuration table, which is compared with torchvision's cfgs (below).
    *[(n, {}, tv(n)) for n in ["vgg11", "vgg16", "vgg19"]],
    ("vgg16Bn", {}, tv("vgg16_bn")),
    ("resnet18", {}, tv("resnet18")),
    ("resnet34", {}, tv("resnet34")),
    ("resnet50", {}, tv("resnet50")),
    ("resnet18", {"numClasses": 10, "cifar": True, "width": 16}, lambda: cifar_resnet("resnet18", 16, 10)),
    ("resnet50", {"numClasses": 100, "cifar": True, "width": 16}, lambda: cifar_resnet("resnet50", 16, 100)),
    ("mobilenetV2", {}, tv("mobilenet_v2")),
    ("mobilenetV2", {"numClasses": 10, "widthMult": 0.5}, tv("mobilenet_v2", num_classes=10, width_mult=0.5)),
    ("mobilenetV1", {}, lambda: MobileNetV1()),
    ("googlenet", {}, tv("googlenet", aux_logits=True, init_weights=True)),
    ("googlenet", {"auxLogits": False, "numClasses": 10}, tv("googlenet", aux_logits=False, num_classes=10, init_weights=True)),
    ("efficientnetB0", {}, tv("efficientnet_b0")),
    ("efficientnetB0", {"numClasses": 10}, tv("efficientnet_b0", num_classes=10)),
    ("unet", {}, lambda: UNet()),
    ("unet", {"inChannels": 3, "numClasses": 5, "width": 8, "depth": 3, "up": "bilinear", "batchNorm": True},
     lambda: UNet(3, 5, 8, 3, "bilinear", True)),
    ("yoloTiny", {}, lambda: YoloTiny()),
    ("yoloTiny", {"gridSize": 4, "numBoxes": 1, "numClasses": 3, "width": 8}, lambda: YoloTiny(4, 1, 3, 3, 8)),
    ("lenet5", {}, lambda: LeNet5()),
    ("tinyVGG", {}, lambda: TinyVGG()),
]


# Models whose forward pass is checked with formula weights: our name, options, builder, input shape.
FORWARDS = [
    ("googlenet", {"auxLogits": False, "numClasses": 10}, tv("googlenet", aux_logits=False, num_classes=10, init_weights=True), [2, 3, 64, 64]),
    # training mode (batch statistics, no dropout): the logits and both auxiliary heads' outputs
    ("googlenet", {"numClasses": 10, "dropout": 0, "dropoutAux": 0},
     tv("googlenet", num_classes=10, dropout=0.0, dropout_aux=0.0, init_weights=True), [2, 3, 64, 64], True),
    ("efficientnetB0", {"numClasses": 10}, tv("efficientnet_b0", num_classes=10), [2, 3, 64, 64]),
    ("unet", {"inChannels": 3, "numClasses": 5, "width": 8, "depth": 3, "up": "bilinear", "batchNorm": True},
     lambda: UNet(3, 5, 8, 3, "bilinear", True), [1, 3, 32, 32]),
    ("unet", {"width": 4, "depth": 2}, lambda: UNet(1, 2, 4, 2), [1, 1, 16, 16]),
    ("yoloTiny", {"gridSize": 4, "numBoxes": 1, "numClasses": 3, "width": 8}, lambda: YoloTiny(4, 1, 3, 3, 8), [1, 3, 64, 64]),
]


def formula_fill(k, name, t):
    """State-dict entry k: He-scaled sines for weights (fan-in from the shape), 1 + 0.2 sin for norm
    weights, 1 + 0.5 |sin| for running variances, 0.1 sin otherwise. Computed in float64."""
    i = torch.arange(t.numel(), dtype=torch.float64)
    s = torch.sin(0.37 * i + 1.3 * k)
    if name.endswith("running_var"):
        v = 1 + 0.5 * s.abs()
    elif t.dim() >= 2:
        v = 2 / (t.numel() / t.shape[0]) ** 0.5 * s
    elif name.endswith("weight"):
        v = 1 + 0.2 * s
    else:
        v = 0.1 * s
    return v.reshape(t.shape).to(t.dtype)


def formula_input(shape):
    n = 1
    for d in shape:
        n *= d
    return torch.sin(0.11 * torch.arange(n, dtype=torch.float64)).reshape(shape).float()


def forward_goldens():
    out = []
    for name, opts, build, shape, *training in FORWARDS:
        m = build()
        sd = m.state_dict()
        with torch.no_grad():
            for k, (key, t) in enumerate(sd.items()):
                if t.is_floating_point():
                    t.copy_(formula_fill(k, key, t))
            m.train(bool(training))
            y = m(formula_input(shape))
        entry = {"name": name, "options": opts, "input": shape}
        if training:
            entry["training"] = True
            # NOTE: torchvision 0.14 swaps the names twice: its aux_logits2 field holds the aux1 head's
            # output (after inception4a), so this is logits, aux1 head, aux2 head.
            y = torch.cat([t.reshape(-1) for t in y])
        out.append({**entry, "output": [round(v, 7) for v in y.reshape(-1).tolist()], "outputShape": list(y.shape)})
        print("%-12s forward %s -> %s" % (name, shape, list(y.shape)))
    return out


# ---- safetensors, by hand (the format: https://github.com/huggingface/safetensors) ------------
DTYPES = {torch.float32: ("F32", "<f"), torch.int64: ("I64", "<q"), torch.bool: ("BOOL", "<?")}


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        code, fmt = DTYPES[t.dtype]
        flat = t.detach().contiguous().reshape(-1).tolist()
        blob = struct.pack("<%d%s" % (len(flat), fmt[1]), *flat)
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # pad so the data starts 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main(out):
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    models = []
    for name, opts, build in ZOO:
        torch.manual_seed(SEED)
        m = build()
        sd = m.state_dict()
        models.append(
            {
                "name": name,
                "options": opts,
                "params": sum(p.numel() for p in m.parameters()),
                "keys": [[k, list(v.shape)] for k, v in sd.items()],
            }
        )
        print("%-12s %-45s %12d params, %d keys" % (name, json.dumps(opts), models[-1]["params"], len(sd)))
    rng = torch.get_rng_state()  # the LeNet-5 / TinyVGG weights below stay what they were
    forwards = forward_goldens()  # before opening the file, so a failure leaves the old one whole
    torch.set_rng_state(rng)
    with open(os.path.join(out, "models.json"), "w") as f:
        golden = {
            "format": "receptive-models-golden",
            "version": FORMAT_VERSION,
            "torch": torch.__version__,
            "vggConfigs": {"vgg11": tvm.vgg.cfgs["A"], "vgg13": tvm.vgg.cfgs["B"], "vgg16": tvm.vgg.cfgs["D"], "vgg19": tvm.vgg.cfgs["E"]},
            "models": models,
            "forwards": forwards,
        }
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")

    gen = torch.Generator().manual_seed(SEED)
    for name, model, shape in [("lenet5", LeNet5(), (4, 1, 28, 28)), ("tinyvgg", TinyVGG(), (2, 3, 64, 64))]:
        model.eval()
        x = torch.randn(shape, generator=gen)
        with torch.no_grad():
            y = model(x)
        write_safetensors(os.path.join(out, name + ".safetensors"), model.state_dict(), {"format": "pt"})
        write_safetensors(os.path.join(out, name + "-io.safetensors"), {"input": x, "output": y})
        print(name, "forward", tuple(y.shape))

    write_safetensors(
        os.path.join(out, "dtypes.safetensors"),
        {
            "f32": torch.tensor([[1.5, -2.25, 3.0e-8], [float("inf"), -0.0, 65504.0]]),
            "i64": torch.tensor([0, -1, 2**40, 7]),
            "flags": torch.tensor([True, False, True]),
            "scalar": torch.tensor(3.25),
            "empty": torch.zeros(0, 4),
        },
        {"written_by": "make_model_goldens.py"},
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[args.index("--out") + 1] if "--out" in args else HERE)
