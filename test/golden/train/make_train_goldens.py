"""Training goldens: a whole training loop replayed step for step in PyTorch.

Run: /usr/bin/python3 test/golden/train/make_train_goldens.py [--out DIR]  ->  test/golden/train/train.json
Each case builds a small CNN whose initial weights come from an integer formula both sides compute
exactly (weight element i of parameter k: ((i * 7919 + k * 104729) % 2001 - 1000) / 1000 * bound,
bound = 1 / sqrt(fan_in), rounded to float32), trains it on the first images of the embedded
Fashion-MNIST sample (kernel/engine/data/sample, in file order, no shuffling), and records the
loss of every step and, at the end, each parameter's sum, sum of squares and first values.
test/unit/train-golden.test.ts replays the cases with Receptive's nn, optim and data.
"""

import gzip
import math
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "..", "kernel", "engine", "data", "sample")


def idx(name):
    with gzip.open(os.path.join(SAMPLE, name)) as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def convbn():
    # Convs before batch norm have no bias: its gradient is zero up to rounding noise, which Adam
    # would amplify into steps of +-lr in both engines alike, but with different signs.
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
    )


def init_formula(net):
    with torch.no_grad():
        for k, (name, p) in enumerate(net.named_parameters()):
            n = p.numel()
            if name.endswith("weight") and p.dim() > 1:
                fan_in = p[0].numel()
            elif name.endswith("bias") and p.dim() == 1:
                fan_in = 16
            else:  # batch-norm weight: around 1
                fan_in = 1
            bound = 1.0 / math.sqrt(fan_in)
            i = np.arange(n, dtype=np.int64)
            vals = (((i * 7919 + k * 104729) % 2001) - 1000) / 1000.0 * bound
            if p.dim() == 1 and name.endswith("weight"):
                vals = 1.0 + vals * 0.1
            p.copy_(torch.from_numpy(vals.astype(np.float32)).reshape(p.shape))


def enc_stats(net):
    out = {}
    for name, p in net.state_dict().items():
        t = p.detach().double().reshape(-1)
        out[name] = {"sum": float(t.sum()), "sumSq": float((t * t).sum()), "first": [float("%.9g" % v) for v in t[:8].tolist()]}
    return out


CASES = [
    ("LeNet-5, SGD momentum", lenet5, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9), {"name": "SGD", "lr": 0.05, "momentum": 0.9}, 32, 20),
    ("conv + batch norm, Adam", convbn, lambda p: torch.optim.Adam(p, lr=2e-3), {"name": "Adam", "lr": 2e-3}, 32, 20),
]


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    x_all = torch.from_numpy(idx("train-images-idx3-ubyte.gz").copy()).float().div(255).unsqueeze(1)
    y_all = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").copy()).long()
    cases = []
    for name, build, make_opt, opt_desc, batch, steps in CASES:
        net = build()
        init_formula(net)
        opt = make_opt(net.parameters())
        losses = []
        for s in range(steps):
            x = x_all[s * batch : (s + 1) * batch]
            y = y_all[s * batch : (s + 1) * batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            losses.append(float("%.9g" % loss.item()))
        net.eval()
        with torch.no_grad():
            logits = net(x_all[1000:1064])
        cases.append(
            {
                "name": name,
                "model": build.__name__,
                "optimizer": opt_desc,
                "batchSize": batch,
                "steps": steps,
                "losses": losses,
                "final": enc_stats(net),
                "evalLogitsFirst": [float("%.9g" % v) for v in logits.reshape(-1)[:20].tolist()],
                "evalLogitsSum": float(logits.double().sum()),
            }
        )
    doc = {
        "format": "receptive-train-golden",
        "version": FORMAT_VERSION,
        "torch": torch.__version__,
        "generatedBy": "test/golden/train/make_train_goldens.py",
        "cases": cases,
    }
    out_dir = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else HERE
    path = os.path.join(out_dir, "train.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("%d cases -> %s" % (len(cases), path))


if __name__ == "__main__":
    main()
