"""PyTorch peer for `npm run bench`: the cases of test/bench/cases.ts, by the same names, timed
the same way (warm-up, then the best of 20 batches of ~100 ms, fewer for slow cases, and work per
CPU-second). Prints one JSON line per case, with the process's peak RSS so far.
Usage: /usr/bin/python3 torch_cases.py <threads> <case name>...
The caller also sets OMP_NUM_THREADS / MKL_NUM_THREADS / OPENBLAS_NUM_THREADS to <threads>."""
import json
import resource
import sys
import time

import torch
import torch.nn.functional as F


def measure(step, work, rounds=20, batch_ms=100):
    """Best batch's work per wall-clock second, and work per CPU-second of this process."""
    step()
    step()
    t0 = time.perf_counter()
    probe = 0
    while (time.perf_counter() - t0) * 1000 < batch_ms:
        step()
        probe += 1
    reps = max(1, round(probe * batch_ms / ((time.perf_counter() - t0) * 1000)))
    best = 0.0
    cpu0 = time.process_time()
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(reps):
            step()
        best = max(best, work * reps / (time.perf_counter() - t))
    return best, work * reps * rounds / (time.process_time() - cpu0)


def sgemm(n):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return (lambda: torch.mm(a, b)), 2 * n**3, 1e9


def conv(c, oc, size, k, groups=1, stride=1):
    x = torch.randn(1, c, size, size)
    w = torch.randn(oc, c // groups, k, k)
    pad = (k - 1) // 2
    out = (size + 2 * pad - k) // stride + 1

    def step():
        with torch.no_grad():
            F.conv2d(x, w, None, padding=pad, stride=stride, groups=groups)

    return step, 2 * oc * (c // groups) * k * k * out * out, 1e9


def conv_train(c, oc, size, k, groups=1, stride=1):
    """conv2d forward and backward (input and weight gradients), batch 1, no bias: 3x the forward's FLOPs."""
    x = torch.randn(1, c, size, size, requires_grad=True)
    w = torch.randn(oc, c // groups, k, k, requires_grad=True)
    pad = (k - 1) // 2
    out = (size + 2 * pad - k) // stride + 1
    dout = torch.randn(1, oc, out, out)

    def step():
        F.conv2d(x, w, None, padding=pad, stride=stride, groups=groups).backward(dout)

    return step, 3 * 2 * oc * (c // groups) * k * k * out * out, 1e9


def lenet():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(400, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(),
        torch.nn.Linear(84, 10),
    )


def lenet_train():
    model = lenet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step, 64, 1


class BasicBlock(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride, bias=False), torch.nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


def resnet18_cifar(width):
    """torchvision's resnet18 with the CIFAR stem (3x3 conv, no max-pool), as Receptive's models.resnet18."""
    layers, cin = [], width
    for i, stride in enumerate([1, 2, 2, 2]):
        cout = width * 2**i
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, width, 3, 1, 1, bias=False), torch.nn.BatchNorm2d(width), torch.nn.ReLU(),
        *layers, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(cin, 10),
    )


def resnet_train(width):
    model = resnet18_cifar(width)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step, 32, 1


def interpolate(mode, backward):
    """F.interpolate 2x upsampling of (16, 64, 32, 32) to 64x64, forward only or forward and backward
    (the input's gradient); work: output elements, reported in millions per second."""
    x = torch.randn(16, 64, 32, 32, requires_grad=backward)
    dout = torch.randn(16, 64, 64, 64)
    up = lambda: F.interpolate(x, scale_factor=2, mode=mode)  # align_corners None = False, as ours

    def step():
        if backward:
            up().backward(dout)
        else:
            with torch.no_grad():
                up()

    return step, dout.numel(), 1e6


def train_step(model, loss):
    """One training step (forward, loss, backward, SGD with momentum) on a fixed batch."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        loss().backward()
        opt.step()

    return step


def cnn_train(name):
    """torchvision 0.14's efficientnet_b0 / googlenet (aux heads on, its training default; loss
    main + 0.3 * (aux1 + aux2)), 10 classes, training step on a batch of 16 3x32x32."""
    import torchvision

    x, y = torch.randn(16, 3, 32, 32), torch.randint(0, 10, (16,))
    if name == "efficientnet_b0":
        model = torchvision.models.efficientnet_b0(num_classes=10)
        return train_step(model, lambda: F.cross_entropy(model(x), y)), 16, 1
    model = torchvision.models.googlenet(num_classes=10, aux_logits=True, init_weights=True)

    def loss():
        out = model(x)
        aux = F.cross_entropy(out.aux_logits1, y) + F.cross_entropy(out.aux_logits2, y)
        return F.cross_entropy(out.logits, y) + 0.3 * aux

    return train_step(model, loss), 16, 1


class DoubleConv(torch.nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(
            torch.nn.Conv2d(cin, cout, 3, padding=1, bias=False), torch.nn.BatchNorm2d(cout), torch.nn.ReLU(),
            torch.nn.Conv2d(cout, cout, 3, padding=1, bias=False), torch.nn.BatchNorm2d(cout), torch.nn.ReLU(),
        )


class UNet(torch.nn.Module):
    """Receptive's models.unet({ inChannels: 1, numClasses: 2, width, depth, up: "bilinear", batchNorm: true })."""

    def __init__(self, width=8, depth=4):
        super().__init__()
        ch = lambda i: width * 2**i
        self.encoders = torch.nn.ModuleList([DoubleConv(1 if i == 0 else ch(i - 1), ch(i)) for i in range(depth + 1)])
        self.pool = torch.nn.MaxPool2d(2)
        self.ups = torch.nn.ModuleList([
            torch.nn.Sequential(torch.nn.Upsample(scale_factor=2, mode="bilinear"), torch.nn.Conv2d(ch(i), ch(i - 1), 1))
            for i in range(depth, 0, -1)
        ])
        self.decoders = torch.nn.ModuleList([DoubleConv(ch(i), ch(i - 1)) for i in range(depth, 0, -1)])
        self.head = torch.nn.Conv2d(width, 2, 1)

    def forward(self, x):
        skips = []
        for i, enc in enumerate(self.encoders):
            x = enc(x if i == 0 else self.pool(x))
            skips.append(x)
        for j, (up, dec) in enumerate(zip(self.ups, self.decoders)):
            x = dec(torch.cat([skips[-2 - j], up(x)], 1))
        return self.head(x)


def unet_train():
    model = UNet()
    x, y = torch.randn(4, 1, 64, 64), torch.randint(0, 2, (4, 64, 64))
    return train_step(model, lambda: F.cross_entropy(model(x), y)), 4, 1


def mobilenet_v2_train():
    """torchvision 0.14's mobilenet_v2 with a CIFAR stem (first conv at stride 1), 10 classes,
    training step on a batch of 32 3x32x32."""
    import torchvision

    x, y = torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))
    model = torchvision.models.mobilenet_v2(num_classes=10)
    model.features[0][0].stride = (1, 1)
    return train_step(model, lambda: F.cross_entropy(model(x), y)), 32, 1


def infer(model, x):
    """Forward only, eval mode, no autograd: the inference cases."""
    model.eval()

    def step():
        with torch.no_grad():
            model(x)

    return step, x.shape[0], 1


CASES = {
    "sgemm 256": lambda: sgemm(256),
    "sgemm 1024": lambda: sgemm(1024),
    "conv2d 3x3 64->64 56x56": lambda: conv(64, 64, 56, 3),
    "depthwise 3x3 32ch 112x112": lambda: conv(32, 32, 112, 3, 32),
    "depthwise 3x3 stride 2 96ch 112x112": lambda: conv(96, 96, 112, 3, 96, 2),
    "conv2d 1x1 256->64 28x28": lambda: conv(256, 64, 28, 1),
    "depthwise 3x3 32ch 112x112, forward + backward": lambda: conv_train(32, 32, 112, 3, 32),
    "depthwise 3x3 stride 2 96ch 112x112, forward + backward": lambda: conv_train(96, 96, 112, 3, 96, 2),
    "conv2d 1x1 256->64 28x28, forward + backward": lambda: conv_train(256, 64, 28, 1),
    "LeNet-5 train step, batch 64": lenet_train,
    "LeNet-5 inference, batch 64": lambda: infer(lenet(), torch.randn(64, 1, 28, 28)),
    "ResNet-18-CIFAR width 16 train step, batch 32": lambda: resnet_train(16),
    "ResNet-18-CIFAR width 64 train step, batch 32": lambda: resnet_train(64),
    "ResNet-18-CIFAR width 16 inference, batch 64": lambda: infer(resnet18_cifar(16), torch.randn(64, 3, 32, 32)),
    "ResNet-18-CIFAR width 64 inference, batch 64": lambda: infer(resnet18_cifar(64), torch.randn(64, 3, 32, 32)),
    # batch 1: PyTorch 1.13 takes aten::_slow_conv2d_forward (THNN + reference BLAS) instead of mkldnn
    "ResNet-18-CIFAR width 16 inference, batch 1": lambda: infer(resnet18_cifar(16), torch.randn(1, 3, 32, 32)),
    "interpolate nearest 2x 16x64x32x32": lambda: interpolate("nearest", False),
    "interpolate nearest 2x 16x64x32x32, forward + backward": lambda: interpolate("nearest", True),
    "interpolate bilinear 2x 16x64x32x32": lambda: interpolate("bilinear", False),
    "interpolate bilinear 2x 16x64x32x32, forward + backward": lambda: interpolate("bilinear", True),
    "EfficientNet-B0 32x32 train step, batch 16": lambda: cnn_train("efficientnet_b0"),
    "GoogLeNet (aux heads) 32x32 train step, batch 16": lambda: cnn_train("googlenet"),
    "MobileNetV2 (CIFAR stem) 32x32 train step, batch 32": mobilenet_v2_train,
    "U-Net width 8 bilinear 64x64 train step, batch 4": unet_train,
}
# Slow cases time fewer batches (as their `rounds` in cases.ts).
ROUNDS = {
    "ResNet-18-CIFAR width 64 train step, batch 32": 3,
    "ResNet-18-CIFAR width 64 inference, batch 64": 3,
    "EfficientNet-B0 32x32 train step, batch 16": 3,
    "GoogLeNet (aux heads) 32x32 train step, batch 16": 3,
}

def warmup(name, steps_total):
    """A new model's steps 1..10 one by one, and the median step of the second half of the run
    (wall and CPU ms), and steps 6-45 in all: the peer of test/bench/warmup.ts."""
    step, _, _ = CASES[name]()
    wall, cpu = [], []
    for _ in range(steps_total):
        w, c = time.perf_counter(), time.process_time()
        step()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    half = steps_total // 2
    median = lambda a: sorted(a)[len(a) // 2]
    return {"case": name, "wallMs": wall[:10], "cpuMs": cpu[:10],
            "steadyWallMs": median(wall[half:]), "steadyCpuMs": median(cpu[half:]),
            "runWallMs": sum(wall[5:45]), "runCpuMs": sum(cpu[5:45])}


if __name__ == "__main__":
    if sys.argv[1] == "--warmup":  # --warmup <threads> <steps> <case name>
        torch.set_num_threads(int(sys.argv[2]))
        torch.manual_seed(0)
        line = warmup(sys.argv[4], int(sys.argv[3]))
        print(json.dumps({**line, "threads": int(sys.argv[2])}), flush=True)
        sys.exit(0)
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for name in sys.argv[2:]:
        step, work, scale = CASES[name]()
        best, per_cpu = measure(step, work, rounds=ROUNDS.get(name, 20))
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is KiB on Linux
        print(json.dumps({"case": name, "threads": threads, "value": best / scale, "perCpu": per_cpu / scale,
                          "rssMiB": rss_mib}), flush=True)
