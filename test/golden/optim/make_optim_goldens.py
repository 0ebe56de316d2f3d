"""Optimizer and LR-scheduler goldens: ten steps of each configuration in PyTorch.

Run: /usr/bin/python3 test/golden/optim/make_optim_goldens.py [--out DIR]  ->  test/golden/optim/optim.json
Every case starts from the same parameters and feeds the same per-step gradients (both recorded),
then records each parameter, each group's lr (and momentum / beta1 where a scheduler cycles it)
after every step. The TS test (test/unit/optim.test.ts) replays the cases on Receptive.
Keyword names become camelCase options; T_max is CosineAnnealingLR's positional tMax.
"""

import json
import os
import re
import sys

import torch
import torch.optim as optim
from torch.optim import lr_scheduler as S

FORMAT_VERSION = 1
SEED = 4242
STEPS = 10
HERE = os.path.dirname(os.path.abspath(__file__))


def camel(name):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def enc(t):
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]}


gen = torch.Generator().manual_seed(SEED)
SHAPES = [(3, 4), (5,)]
PARAMS = [torch.randn(s, generator=gen) for s in SHAPES]
GRADS = [[torch.randn(s, generator=gen) for s in SHAPES] for _ in range(STEPS)]
# A loss curve for ReduceLROnPlateau: improves, stalls, improves a little, stalls.
METRICS = [1.0, 0.8, 0.8, 0.81, 0.79999, 0.7, 0.7, 0.71, 0.72, 0.7]

cases = []
LAMBDAS = {"decay09": lambda e: 0.9**e}


def case(name, opt_name, kwargs, groups=None, sched=None, metrics=None):
    params = [p.clone().requires_grad_(True) for p in PARAMS]
    if groups is None:
        opt = getattr(optim, opt_name)(params, **kwargs)
    else:
        opt = getattr(optim, opt_name)([dict(g, params=[params[i] for i in g["params"]]) for g in groups], **kwargs)
    scheduler = None
    if sched is not None:
        sname, sargs, skwargs = sched
        fargs = [LAMBDAS.get(a, a) if isinstance(a, str) else a for a in sargs]
        scheduler = getattr(S, sname)(opt, *fargs, **skwargs)
    steps = []

    def groups_state():
        lrs = [g["lr"] for g in opt.param_groups]
        mom = [g["betas"][0] if "betas" in g else g.get("momentum", 0) for g in opt.param_groups]
        return lrs, mom

    lr0, mom0 = groups_state()
    for k in range(STEPS):
        for p, g in zip(params, GRADS[k]):
            p.grad = g.clone()
        opt.step()
        if scheduler is not None:
            if metrics is not None:
                scheduler.step(metrics[k])
            else:
                scheduler.step()
        lrs, mom = groups_state()
        steps.append({"params": [enc(p) for p in params], "lr": lrs, "momentum": mom})
    cases.append(
        {
            "name": name,
            "optimizer": opt_name,
            "kwargs": {camel(k): v for k, v in kwargs.items()},
            "groups": None if groups is None else [{camel(k): v for k, v in g.items()} for g in groups],
            "scheduler": None
            if sched is None
            else {"name": sched[0], "args": list(sched[1]), "kwargs": {camel(k): v for k, v in sched[2].items()}},
            "metrics": metrics,
            "initial": {"lr": lr0, "momentum": mom0},
            "steps": steps,
        }
    )


def build():
    case("SGD", "SGD", {"lr": 0.1})
    case("SGD momentum", "SGD", {"lr": 0.1, "momentum": 0.9})
    case("SGD momentum dampening weight decay", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01})
    case("SGD nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3})
    case("SGD maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True})
    case("SGD parameter groups", "SGD", {"lr": 0.1, "momentum": 0.9}, groups=[{"params": [0], "lr": 0.01}, {"params": [1], "weight_decay": 0.1}])
    case("Adam", "Adam", {"lr": 0.01})
    case("Adam betas eps weight decay", "Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05})
    case("Adam amsgrad", "Adam", {"lr": 0.01, "amsgrad": True})
    case("Adam maximize", "Adam", {"lr": 0.01, "maximize": True})
    case("AdamW", "AdamW", {"lr": 0.01})
    case("AdamW amsgrad weight decay", "AdamW", {"lr": 0.03, "weight_decay": 0.1, "amsgrad": True})
    case("RMSprop", "RMSprop", {"lr": 0.01})
    case("RMSprop centered momentum", "RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01})
    sgd = {"lr": 0.1, "momentum": 0.9}
    case("StepLR", "SGD", sgd, sched=("StepLR", [3], {"gamma": 0.5}))
    case("MultiStepLR", "SGD", sgd, sched=("MultiStepLR", [[2, 5, 5, 8]], {"gamma": 0.3}))
    case("ExponentialLR", "SGD", sgd, sched=("ExponentialLR", [0.9], {}))
    case("CosineAnnealingLR", "SGD", sgd, sched=("CosineAnnealingLR", [4], {"eta_min": 0.01}))
    case("CosineAnnealingLR groups", "Adam", {"lr": 0.01}, groups=[{"params": [0]}, {"params": [1], "lr": 0.1}], sched=("CosineAnnealingLR", [10], {}))
    case("LinearLR warm-up", "SGD", sgd, sched=("LinearLR", [], {"start_factor": 0.25, "total_iters": 4}))
    case("LinearLR decay groups", "Adam", {"lr": 0.01}, groups=[{"params": [0]}, {"params": [1], "lr": 0.1}], sched=("LinearLR", [], {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 6}))
    # LambdaLR's function is named, not serialised: the TS test maps "decay09" to e -> 0.9 ** e.
    case("LambdaLR", "SGD", sgd, sched=("LambdaLR", ["decay09"], {}))
    case("OneCycleLR SGD", "SGD", sgd, sched=("OneCycleLR", [0.5], {"total_steps": 10}))
    case(
        "OneCycleLR Adam linear three-phase",
        "Adam",
        {"lr": 0.01},
        sched=("OneCycleLR", [0.05], {"epochs": 2, "steps_per_epoch": 6, "anneal_strategy": "linear", "three_phase": True, "pct_start": 0.25}),
    )
    case("OneCycleLR no momentum cycling", "SGD", {"lr": 0.1}, sched=("OneCycleLR", [1.0], {"total_steps": 12, "cycle_momentum": False, "div_factor": 10.0}))
    case("ReduceLROnPlateau", "SGD", sgd, sched=("ReduceLROnPlateau", [], {"patience": 1, "factor": 0.5}), metrics=METRICS)
    case(
        "ReduceLROnPlateau max abs cooldown",
        "Adam",
        {"lr": 0.01},
        sched=("ReduceLROnPlateau", [], {"mode": "max", "patience": 0, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 2, "min_lr": 0.004}),
        metrics=[-m for m in METRICS],
    )


def main():
    torch.set_num_threads(1)
    build()
    doc = {
        "format": "receptive-optim-golden",
        "version": FORMAT_VERSION,
        "torch": torch.__version__,
        "seed": SEED,
        "generatedBy": "test/golden/optim/make_optim_goldens.py",
        "params": [enc(p) for p in PARAMS],
        "grads": [[enc(g) for g in step] for step in GRADS],
        "cases": cases,
    }
    out_dir = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else HERE
    path = os.path.join(out_dir, "optim.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("%d cases -> %s" % (len(cases), path))


if __name__ == "__main__":
    main()
