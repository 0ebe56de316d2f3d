"""Goldens for pooling: max (with indices), average (divisor arithmetic), adaptive, max-unpooling.

Sizes are odd or non-divisible on purpose; the ceil_mode cases are sizes where ceil and floor
differ, and where PyTorch drops a last window that would start in the right padding.
"""

import torch
import torch.nn.functional as F


def _allow_nondeterministic(fn):
    """max_unpool is flagged nondeterministic (CUDA scatter); on the CPU it is a sequential loop."""

    def call(*args, **kwargs):
        torch.use_deterministic_algorithms(False)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.use_deterministic_algorithms(True)

    return call


def build(C):
    # ---- max_pool2d ----------------------------------------------------------------------------
    C.case("max 2x2", "max_pool2d", C.randn(2, 3, 7, 9), 2)
    C.case("max k3 s2", "max_pool2d", C.randn(2, 2, 9, 7), 3, stride=2)
    C.case("max non-square kernel and stride", "max_pool2d", C.randn(1, 2, 7, 8), (2, 3), stride=(1, 2))
    C.case("max k3 s2 pad1", "max_pool2d", C.randn(2, 2, 8, 7), 3, stride=2, padding=1)
    C.case("max pad (1, 0)", "max_pool2d", C.randn(1, 3, 6, 7), (3, 2), stride=(2, 1), padding=(1, 0))
    C.case("max dilation 2", "max_pool2d", C.randn(2, 2, 9, 8), 3, stride=1, dilation=2)
    C.case("max dilation (2, 1) pad", "max_pool2d", C.randn(1, 2, 8, 9), (3, 2), stride=2, padding=1, dilation=(2, 1))
    C.case("max floor 5x5 k2 s2", "max_pool2d", C.randn(1, 2, 5, 5), 2, stride=2)
    C.case("max ceil 5x5 k2 s2", "max_pool2d", C.randn(1, 2, 5, 5), 2, stride=2, ceil_mode=True)
    # 5 + 2*1 with k2 s2: ceil would give 4 windows, the 4th starts in the right padding -> 3.
    C.case("max ceil drops window in padding", "max_pool2d", C.randn(1, 2, 5, 6), 2, stride=2, padding=1, ceil_mode=True)
    C.case("max ceil k3 s2 pad1", "max_pool2d", C.randn(2, 1, 6, 8), 3, stride=2, padding=1, ceil_mode=True)
    C.case("max ceil dilation", "max_pool2d", C.randn(1, 2, 10, 9), 3, stride=3, dilation=2, ceil_mode=True)
    C.case("max indices", "max_pool2d", C.randn(2, 3, 6, 7), 2, return_indices=True)
    C.case(
        "max indices pad dilation ceil",
        "max_pool2d",
        C.randn(1, 2, 9, 10),
        (3, 2),
        stride=(2, 3),
        padding=1,
        dilation=(2, 1),
        ceil_mode=True,
        return_indices=True,
    )
    C.case("max batch 1", "max_pool2d", C.randn(1, 1, 5, 7), 3, stride=2)
    C.case("max unbatched", "max_pool2d", C.randn(3, 7, 7), 2)
    C.case("max unbatched indices", "max_pool2d", C.randn(2, 5, 6), 3, stride=2, padding=1, return_indices=True)

    # ---- max_pool1d ----------------------------------------------------------------------------
    C.case("max1d k3", "max_pool1d", C.randn(2, 3, 11), 3)
    C.case("max1d s2 pad1", "max_pool1d", C.randn(2, 2, 10), 3, stride=2, padding=1)
    C.case("max1d dilation 2", "max_pool1d", C.randn(1, 2, 12), 3, stride=1, dilation=2)
    C.case("max1d ceil", "max_pool1d", C.randn(1, 3, 9), 2, stride=2, ceil_mode=True)
    C.case("max1d indices", "max_pool1d", C.randn(2, 2, 9), 2, stride=2, padding=1, ceil_mode=True, return_indices=True)
    C.case("max1d unbatched", "max_pool1d", C.randn(3, 10), 3, stride=2)

    # ---- avg_pool2d ----------------------------------------------------------------------------
    C.case("avg 2x2", "avg_pool2d", C.randn(2, 3, 7, 9), 2)
    C.case("avg k3 s2 pad1 include pad", "avg_pool2d", C.randn(2, 2, 7, 8), 3, stride=2, padding=1)
    C.case(
        "avg k3 s2 pad1 exclude pad", "avg_pool2d", C.randn(2, 2, 7, 8), 3, stride=2, padding=1, count_include_pad=False
    )
    C.case("avg non-square", "avg_pool2d", C.randn(1, 2, 8, 7), (3, 2), stride=(2, 1), padding=(1, 1))
    C.case("avg floor 5x5 k2 s2", "avg_pool2d", C.randn(1, 2, 5, 5), 2, stride=2)
    C.case("avg ceil 5x5 k2 s2", "avg_pool2d", C.randn(1, 2, 5, 5), 2, stride=2, ceil_mode=True)
    # 6 + 2*1 with k3 s2 ceil: the last window covers one input row and one padded row.
    C.case("avg ceil pad include pad", "avg_pool2d", C.randn(1, 2, 6, 7), 3, stride=2, padding=1, ceil_mode=True)
    C.case(
        "avg ceil pad exclude pad",
        "avg_pool2d",
        C.randn(1, 2, 6, 7),
        3,
        stride=2,
        padding=1,
        ceil_mode=True,
        count_include_pad=False,
    )
    C.case("avg ceil drops window in padding", "avg_pool2d", C.randn(1, 1, 5, 6), 2, stride=2, padding=1, ceil_mode=True)
    C.case("avg divisor override", "avg_pool2d", C.randn(2, 2, 7, 7), 3, stride=2, padding=1, divisor_override=4)
    C.case("avg divisor override ceil", "avg_pool2d", C.randn(1, 2, 6, 6), 3, stride=2, ceil_mode=True, divisor_override=5)
    C.case("avg batch 1", "avg_pool2d", C.randn(1, 1, 6, 5), 3, stride=1)
    C.case("avg unbatched", "avg_pool2d", C.randn(3, 7, 6), 2, stride=(2, 1), padding=1)

    # ---- avg_pool1d ----------------------------------------------------------------------------
    C.case("avg1d k3", "avg_pool1d", C.randn(2, 3, 11), 3)
    C.case("avg1d s2 pad1 ceil", "avg_pool1d", C.randn(1, 2, 10), 3, stride=2, padding=1, ceil_mode=True)
    C.case(
        "avg1d exclude pad", "avg_pool1d", C.randn(2, 2, 9), 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False
    )
    C.case("avg1d unbatched", "avg_pool1d", C.randn(3, 8), 2)

    # ---- adaptive ------------------------------------------------------------------------------
    C.case("adaptive avg 7x10 -> 3x4", "adaptive_avg_pool2d", C.randn(2, 3, 7, 10), (3, 4))
    C.case("adaptive avg global", "adaptive_avg_pool2d", C.randn(2, 4, 5, 6), 1)
    C.case("adaptive avg larger than input", "adaptive_avg_pool2d", C.randn(1, 2, 3, 5), (5, 7))
    C.case("adaptive avg None keeps size", "adaptive_avg_pool2d", C.randn(2, 2, 9, 6), (4, None))
    C.case("adaptive avg unbatched", "adaptive_avg_pool2d", C.randn(3, 10, 7), 3)
    C.case("adaptive max 7x10 -> 3x4", "adaptive_max_pool2d", C.randn(2, 3, 7, 10), (3, 4))
    C.case("adaptive max indices", "adaptive_max_pool2d", C.randn(2, 2, 10, 7), (4, 3), return_indices=True)
    C.case("adaptive max larger than input", "adaptive_max_pool2d", C.randn(1, 2, 3, 4), (5, 6), return_indices=True)
    C.case("adaptive max None", "adaptive_max_pool2d", C.randn(1, 3, 8, 5), (None, 2))
    C.case("adaptive max unbatched", "adaptive_max_pool2d", C.randn(2, 7, 7), 3, return_indices=True)
    C.case("adaptive avg1d 10 -> 4", "adaptive_avg_pool1d", C.randn(2, 3, 10), 4)
    C.case("adaptive avg1d 7 -> 3", "adaptive_avg_pool1d", C.randn(1, 2, 7), 3)
    C.case("adaptive avg1d 3 -> 5", "adaptive_avg_pool1d", C.randn(2, 2, 3), 5)
    C.case("adaptive avg1d unbatched", "adaptive_avg_pool1d", C.randn(3, 11), 4)
    C.case("adaptive max1d 10 -> 4", "adaptive_max_pool1d", C.randn(2, 3, 10), 4, return_indices=True)
    C.case("adaptive max1d 3 -> 5", "adaptive_max_pool1d", C.randn(1, 2, 3), 5)

    # ---- max_unpool (round trips: the indices come from the matching max pool) -----------------
    def pooled(x, *args, pool=F.max_pool2d, **kwargs):
        out, idx = pool(x, *args, return_indices=True, **kwargs)
        return out.detach().requires_grad_(True), idx

    unpool2d = _allow_nondeterministic(F.max_unpool2d)
    unpool1d = _allow_nondeterministic(F.max_unpool1d)

    v, i = pooled(C.randn(2, 3, 6, 8, grad=False), 2, stride=2)
    C.case("unpool round trip", "max_unpool2d", v, i, 2, stride=2, fn=unpool2d)
    v, i = pooled(C.randn(1, 2, 7, 7, grad=False), 2, stride=2)
    C.case("unpool output_size odd", "max_unpool2d", v, i, 2, stride=2, output_size=[7, 7], fn=unpool2d)
    v, i = pooled(C.randn(1, 2, 7, 9, grad=False), 2, stride=2)
    C.case("unpool output_size full shape", "max_unpool2d", v, i, 2, output_size=[1, 2, 7, 9], fn=unpool2d)
    v, i = pooled(C.randn(2, 2, 7, 7, grad=False), 3, stride=2, padding=1)
    C.case("unpool k3 s2 pad1", "max_unpool2d", v, i, 3, stride=2, padding=1, fn=unpool2d)
    v, i = pooled(C.randn(1, 2, 8, 9, grad=False), (2, 3), stride=(2, 3))
    C.case("unpool non-square", "max_unpool2d", v, i, (2, 3), stride=(2, 3), fn=unpool2d)
    v, i = pooled(C.randn(3, 6, 6, grad=False), 2)
    C.case("unpool unbatched", "max_unpool2d", v, i, 2, fn=unpool2d)
    v, i = pooled(C.randn(2, 3, 9, grad=False), 2, stride=2, pool=F.max_pool1d)
    C.case("unpool1d output_size", "max_unpool1d", v, i, 2, stride=2, output_size=[9], fn=unpool1d)
