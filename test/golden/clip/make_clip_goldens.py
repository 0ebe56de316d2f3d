"""Goldens for torch.nn.utils.clip_grad_norm_ and clip_grad_value_ (PyTorch 1.13).

Run: /usr/bin/python3 test/golden/clip/make_clip_goldens.py [--out DIR]  ->  test/golden/clip/clip_grad.json
A case is data: the parameters' gradients (null for a parameter without one), whether the
parameters come as one tensor instead of a list, the function's arguments (snake_case keywords
become the options object on the TS side), and what PyTorch returned: the total norm (or the
error it raised) and every gradient after the call. NaN and infinities are the strings "NaN",
"Infinity", "-Infinity".
"""

import json
import math
import os
import re
import sys

import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

FORMAT_VERSION = 1
SEED = 20261205
HERE = os.path.dirname(os.path.abspath(__file__))
gen = torch.Generator().manual_seed(SEED)
cases = []


def camel(name):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def num(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return float("%.9g" % v)


def enc(t):
    if t is None:
        return None
    return {"shape": list(t.shape), "data": [num(v) for v in t.detach().reshape(-1).tolist()]}


def randn(*shape, scale=1.0):
    return torch.randn(shape, generator=gen) * scale


def case(name, fn, grads, args, kwargs=None, single=False):
    kwargs = kwargs or {}
    params = []
    for g in grads:
        p = torch.zeros(g.shape if g is not None else (2,), requires_grad=True)
        p.grad = None if g is None else g.clone()
        params.append(p)
    record = {
        "name": name,
        "fn": fn,
        "grads": [enc(g) for g in grads],
        "single": single,
        "args": [a if not isinstance(a, float) else num(a) for a in args],
        "kwargs": {camel(k): v for k, v in kwargs.items()},
    }
    call = clip_grad_norm_ if fn == "clipGradNorm_" else clip_grad_value_
    try:
        out = call(params[0] if single else params, *args, **kwargs)
        record["total"] = None if out is None else num(out.item())
        record["error"] = None
    except RuntimeError as e:
        record["total"] = None
        record["error"] = str(e)
    record["after"] = [enc(p.grad) for p in params]
    cases.append(record)


def build():
    three = lambda s=1.0: [randn(3, 4, scale=s), randn(5, scale=s), randn(2, 2, 3, scale=s)]  # noqa: E731
    case("norm 2 clips", "clipGradNorm_", three(), [1.0])
    case("norm 2 below max leaves the gradients", "clipGradNorm_", three(0.01), [5.0])
    case("norm 1", "clipGradNorm_", three(), [2.0, 1.0])
    case("norm 3 keyword", "clipGradNorm_", three(), [0.5], {"norm_type": 3.0})
    case("norm inf", "clipGradNorm_", three(), [0.3, float("inf")])
    case("norm inf as a string", "clipGradNorm_", three(), [0.3], {"norm_type": "inf"})
    case("norm -inf", "clipGradNorm_", three(), [0.1, float("-inf")])
    case("norm 0 counts non-zeros", "clipGradNorm_", [torch.tensor([0.0, 1.0, -2.0]), torch.tensor([0.0, 0.0])], [1.0, 0.0])
    case("a parameter without a gradient is skipped", "clipGradNorm_", [randn(4), None, randn(2, 3)], [0.5])
    case("one tensor instead of a list", "clipGradNorm_", [randn(3, 3)], [0.5], single=True)
    case("no gradients at all", "clipGradNorm_", [None, None], [1.0])
    case("max_norm 0 zeroes the gradients", "clipGradNorm_", three(), [0.0])
    nan = [torch.tensor([1.0, float("nan")]), randn(3)]
    case("NaN gradient scales everything to NaN", "clipGradNorm_", nan, [1.0])
    case("NaN gradient with error_if_nonfinite", "clipGradNorm_", nan, [1.0], {"error_if_nonfinite": True})
    inf = [torch.tensor([1.0, float("inf")]), randn(3)]
    case("infinite gradient", "clipGradNorm_", inf, [1.0, 2.0])
    case("infinite gradient with error_if_nonfinite", "clipGradNorm_", inf, [1.0, float("inf"), True])

    case("clip_grad_value_", "clipGradValue_", three(), [0.5])
    case("clip_grad_value_ one tensor", "clipGradValue_", [randn(4, 2)], [0.25], single=True)
    case("clip_grad_value_ skips missing gradients and keeps NaN", "clipGradValue_", [None, torch.tensor([float("nan"), 3.0, -3.0])], [1.0])


def main():
    torch.set_num_threads(1)
    build()
    doc = {
        "format": "receptive-clip-golden",
        "version": FORMAT_VERSION,
        "torch": torch.__version__,
        "seed": SEED,
        "generatedBy": "test/golden/clip/make_clip_goldens.py",
        "cases": cases,
    }
    out_dir = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else HERE
    path = os.path.join(out_dir, "clip_grad.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("%d cases -> %s" % (len(cases), path))


if __name__ == "__main__":
    main()
