"""PyTorch twin of train-fashion-mnist.ts: the same recipes on the same files (Debian's
Fashion-MNIST). "lenet5": LeNet-5, SGD (momentum 0.9, nesterov), OneCycleLR max 0.1, 2 epochs;
"convbn": 2 conv + batch norm + dropout, Adam, OneCycleLR max 3e-3, 8 epochs. Both: inputs
normalised with Fashion-MNIST's mean and std, cross-entropy with label smoothing (0.2 and 0.1), batch 64,
shuffled, the scheduler stepped every batch.
Random streams differ from Receptive's (initial weights, shuffling, dropout), so accuracies are
compared within a point, not exactly. One CPU thread.
Run: /usr/bin/python3 test/bench/train_fashion_mnist.py [lenet5|convbn] [epochs] [--seed N]
  ->  results/train-fashion-mnist-<recipe>-pytorch[-seedN].json
"""

import datetime
import gzip
import json
import os
import platform
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.286, 0.353  # Fashion-MNIST's training pixels in [0, 1]


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


def onecycle(max_lr):
    return lambda opt, steps_per_epoch, epochs: torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr, epochs=epochs, steps_per_epoch=steps_per_epoch
    )


# name: (model, optimizer, scheduler (stepped every batch), label smoothing, batch size, epochs, words)
RECIPES = {
    "lenet5": (
        lenet5,
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        onecycle(0.1),
        0.2,
        64,
        2,
        "LeNet-5; inputs normalised (0.286, 0.353); SGD momentum 0.9 nesterov; OneCycleLR maxLr 0.1 per batch; "
        "cross-entropy with label smoothing 0.2; batch 64",
    ),
    "convbn": (
        convbn,
        lambda p: torch.optim.Adam(p, lr=3e-3),
        onecycle(3e-3),
        0.1,
        64,
        8,
        "2 conv + BN + dropout; inputs normalised (0.286, 0.353); Adam; OneCycleLR maxLr 3e-3 per batch; "
        "cross-entropy with label smoothing 0.1; batch 64",
    ),
}


def cpu_model():
    with open("/proc/cpuinfo") as f:
        return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), platform.machine())


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main():
    args = sys.argv[1:]
    name = next((a for a in args if a in RECIPES), "lenet5")
    build, make_opt, make_sched, smoothing, batch_size, default_epochs, words = RECIPES[name]
    epochs = int(next((a for i, a in enumerate(args) if a.isdigit() and not (i and args[i - 1].startswith("--"))), default_epochs))
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz").copy()).float().div_(255).unsqueeze(1)
    ytr = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").copy()).long()
    xte = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").copy()).float().div_(255).unsqueeze(1)
    yte = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").copy()).long()
    net = build()
    opt = make_opt(net.parameters())
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(xtr, ytr),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    sched = make_sched(opt, len(loader), epochs)
    per_epoch = []
    load_start = os.getloadavg()[0]
    suffix = "-seed%d" % seed if seed else ""
    out = os.path.join(HERE, "results", "train-fashion-mnist-%s-pytorch%s.json" % (name, suffix))

    def save():
        """Writes the results so far (atomically: a reader never sees half a file)."""
        result = {
            "benchmark": "train-fashion-mnist",
            "engine": "pytorch",
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "recipe": {
                "model": name,
                "params": sum(p.numel() for p in net.parameters()),
                "description": words,
                "batchSize": batch_size,
                "epochs": epochs,
                "trainImages": len(ytr),
            },
            "epochsDone": len(per_epoch),
            "seed": seed,
            "machine": {
                "cpu": cpu_model(),
                "cores": os.cpu_count(),
                "loadAverageStart": load_start,
                "loadAverageEnd": os.getloadavg()[0],
            },
            "date": datetime.datetime.utcnow().isoformat() + "Z",
            "perEpoch": per_epoch,
        }
        with open(out + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
        os.replace(out + ".tmp", out)
        return result

    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        t_epoch = time.perf_counter()
        total, batches = 0.0, 0
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(net((x - MEAN) / STD), y, label_smoothing=smoothing)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            batches += 1
        train_seconds = time.perf_counter() - t_epoch
        net.eval()
        with torch.no_grad():
            acc = sum(
                (net((xte[i : i + 500] - MEAN) / STD).argmax(1) == yte[i : i + 500]).sum().item()
                for i in range(0, len(yte), 500)
            ) / len(yte)
        net.train()
        per_epoch.append(
            {
                "epoch": epoch,
                "loss": total / batches,
                "testAccuracy": acc,
                "seconds": time.perf_counter() - t0,
                "trainImagesPerSecond": len(ytr) / train_seconds,
                "rssMB": rss_mb(),
                "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
            }
        )
        print(json.dumps(per_epoch[-1]), file=sys.stderr, flush=True)
        save()  # after every epoch, so a long run stopped early still leaves its curve
    print(json.dumps(save(), indent=2))


if __name__ == "__main__":
    main()
