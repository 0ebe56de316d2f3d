"""Golden-case builder: runs each op in PyTorch and records inputs, outputs and input gradients.

A case is data: an op name (PyTorch's, converted to our camelCase), positional args (tensors or
literals) and keyword args. The TypeScript side (test/golden/golden.test.ts) replays the same
call on Receptive and compares. Every tensor input created with grad=True gets its gradient
recorded, from backward of sum(output[0] * gout) with a random upstream gradient gout.
"""

import re

import torch
import torch.nn.functional as F

FORMAT_VERSION = 1


def camel(name):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def _g(v):
    # 9 significant digits round-trip float32 exactly. JSON has no NaN or infinity: those are the
    # strings "NaN", "Infinity", "-Infinity" (golden-data.ts reads them back as numbers).
    if v != v or v in (float("inf"), float("-inf")):
        return "NaN" if v != v else "Infinity" if v > 0 else "-Infinity"
    return float("%.9g" % v)


class Cases:
    def __init__(self, family, seed):
        self.family = family
        self.seed = seed
        self.gen = torch.Generator().manual_seed(seed)
        self.cases = []
        self._inputs = {}
        self._ids = {}

    # ---- inputs ----------------------------------------------------------------------------
    def _reg(self, t, grad):
        t = t.detach().clone()
        if grad:
            t.requires_grad_(True)
        return t

    def randn(self, *shape, grad=True, scale=1.0):
        return self._reg(torch.randn(*shape, generator=self.gen) * scale, grad)

    def rand(self, *shape, grad=True, low=0.0, high=1.0):
        return self._reg(torch.rand(*shape, generator=self.gen) * (high - low) + low, grad)

    def randint(self, low, high, *shape):
        return torch.randint(low, high, shape, generator=self.gen)

    def const(self, values, grad=False, dtype=torch.float32):
        return self._reg(torch.tensor(values, dtype=dtype), grad)

    # ---- cases -----------------------------------------------------------------------------
    def case(self, name, op, *args, fn=None, after=(), **kwargs):
        """Records one call. `op` is the PyTorch name: 'conv2d' (F), 'Tensor.sum' (method), 'torch.cat',
        'torchvision.ops.box_iou' (our `ops.boxIou`).

        `fn` overrides how PyTorch is called; `after` names input positions whose values are
        compared after the call too (BatchNorm's running stats)."""
        inputs = []
        tensor_ids = {}

        def enc(a):
            if isinstance(a, torch.Tensor):
                if id(a) not in tensor_ids:
                    tensor_ids[id(a)] = len(inputs)
                    inputs.append(a)
                return {"t": tensor_ids[id(a)]}
            if isinstance(a, (list, tuple)):
                return [enc(x) for x in a]
            if isinstance(a, torch.dtype):  # our dtype names
                return {torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}[a]
            if isinstance(a, float) and (a != a or a in (float("inf"), float("-inf"))):
                return {"num": str(a)}
            return a

        enc_args = [enc(a) for a in args]
        enc_kwargs = {camel(k): enc(v) for k, v in kwargs.items()}
        originals = [t.detach().clone() for t in inputs]

        call = fn or _resolve(op)
        out = call(*args, **kwargs)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        first = outs[0]
        gout = None
        grads = {}
        if first.requires_grad:
            gout = torch.randn(first.shape, generator=self.gen)
            (first * gout).sum().backward()
            for i, t in enumerate(inputs):
                if t.requires_grad and t.grad is not None:
                    grads[str(i)] = _enc_tensor(t.grad)

        self.cases.append(
            {
                "name": name,
                "op": _ts_name(op),
                "args": enc_args,
                "kwargs": enc_kwargs,
                "inputs": [
                    dict(_enc_tensor(orig), requiresGrad=bool(t.requires_grad))
                    for orig, t in zip(originals, inputs)
                ],
                "outputs": [_enc_tensor(o) for o in outs],
                "gout": _enc_tensor(gout) if gout is not None else None,
                "grads": grads,
                "after": {str(tensor_ids[id(args[i])]): _enc_tensor(args[i]) for i in after},
            }
        )
        for t in inputs:
            t.grad = None

    def dump(self):
        return {
            "format": "receptive-golden",
            "version": FORMAT_VERSION,
            "family": self.family,
            "torch": torch.__version__,
            "seed": self.seed,
            "generatedBy": "test/golden/make_goldens.py",
            "cases": self.cases,
        }


def _enc_tensor(t):
    t = t.detach()
    dtype = "bool" if t.dtype == torch.bool else "int64" if not t.is_floating_point() else "float32"
    flat = t.reshape(-1).tolist()
    data = [int(v) for v in flat] if dtype != "float32" else [_g(v) for v in flat]
    return {"shape": list(t.shape), "dtype": dtype, "data": data}


def _resolve(op):
    if op.startswith("torchvision.ops."):
        import torchvision.ops

        return getattr(torchvision.ops, op.split(".", 2)[2])
    if op.startswith("Tensor."):
        method = op.split(".", 1)[1]
        return lambda self, *a, **k: getattr(self, method)(*a, **k)
    if op.startswith("torch."):
        return getattr(torch, op.split(".", 1)[1])
    return getattr(F, op)


def _ts_name(op):
    if op.startswith("torchvision.ops."):
        return "ops." + camel(op.split(".", 2)[2])
    if op.startswith("Tensor.") or op.startswith("torch."):
        prefix, name = op.split(".", 1)
        return prefix + "." + camel(name)
    return camel(op)
