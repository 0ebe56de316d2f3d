"""PyTorch twin of train-fashion-mnist.ts: the same recipes on the same files (Debian's
Fashion-MNIST), batch 64, shuffled, inputs in [0, 1]: "lenet5" (SGD lr 0.05 momentum 0.9,
2 epochs) and "convbn" (2 conv + batch norm + dropout, Adam lr 1e-3, 8 epochs).
Random streams differ from Receptive's (initial weights, shuffling, dropout), so accuracies are
compared within a point, not exactly. One CPU thread, as Receptive's ref backend.
Run: /usr/bin/python3 test/bench/train_fashion_mnist.py [lenet5|convbn] [epochs]
  ->  results/train-fashion-mnist-<recipe>-pytorch.json
"""

import datetime
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(ROOT, name)) as f:
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
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10),
    )


RECIPES = {
    "lenet5": (lenet5, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9), "SGD lr 0.05 momentum 0.9", 2),
    "convbn": (convbn, lambda p: torch.optim.Adam(p, lr=1e-3), "Adam lr 1e-3", 8),
}


def main():
    args = sys.argv[1:]
    name = next((a for a in args if a in RECIPES), "lenet5")
    build, make_opt, opt_name, default_epochs = RECIPES[name]
    epochs = int(next((a for a in args if a.isdigit()), default_epochs))
    torch.set_num_threads(1)
    torch.manual_seed(0)
    xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz").copy()).float().div_(255).unsqueeze(1)
    ytr = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").copy()).long()
    xte = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").copy()).float().div_(255).unsqueeze(1)
    yte = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").copy()).long()
    net = build()
    opt = make_opt(net.parameters())
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(xtr, ytr), batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    per_epoch = []
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total, batches = 0.0, 0
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        net.eval()
        with torch.no_grad():
            acc = sum((net(xte[i : i + 500]).argmax(1) == yte[i : i + 500]).sum().item() for i in range(0, len(yte), 500)) / len(yte)
        net.train()
        per_epoch.append({"epoch": epoch, "loss": total / batches, "testAccuracy": acc, "seconds": time.perf_counter() - t0})
        print(json.dumps(per_epoch[-1]), file=sys.stderr)
    result = {
        "benchmark": "train-fashion-mnist",
        "engine": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "recipe": {
            "model": name,
            "params": sum(p.numel() for p in net.parameters()),
            "optimizer": opt_name,
            "batchSize": 64,
            "epochs": epochs,
            "trainImages": len(ytr),
        },
        "date": datetime.datetime.utcnow().isoformat() + "Z",
        "perEpoch": per_epoch,
    }
    with open(os.path.join(HERE, "results", "train-fashion-mnist-%s-pytorch.json" % name), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
