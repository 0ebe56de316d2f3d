"""Goldens for flip (fliplr, flipud), roll and cumsum on odd shapes, every dim, negative dims and
shifts, shifts larger than the dim, and roll without dims (as if flattened); forward and the input
gradient."""

import torch


def build(C):
    # ---- flip -----------------------------------------------------------------------------
    C.case("flip dim 0", "torch.flip", C.randn(4, 3), [0])
    C.case("flip dims 0 2", "torch.flip", C.randn(2, 3, 5), [0, 2])
    C.case("flip negative dim", "Tensor.flip", C.randn(3, 4, 5), [-1])
    C.case("flip all dims", "Tensor.flip", C.randn(2, 3, 2, 3), [3, 1, 0, 2])
    C.case("flip no dims", "torch.flip", C.randn(3, 2), [])
    C.case("flip int64", "torch.flip", C.randint(-9, 9, 3, 4), [1])
    C.case("fliplr", "torch.fliplr", C.randn(3, 5, 2))
    C.case("flipud", "torch.flipud", C.randn(4, 3))

    # ---- roll -----------------------------------------------------------------------------
    C.case("roll flattened", "torch.roll", C.randn(3, 4), 5)
    C.case("roll flattened negative", "Tensor.roll", C.randn(2, 3, 2), -7)
    C.case("roll dim 1", "torch.roll", C.randn(3, 5), 2, 1)
    C.case("roll two dims", "torch.roll", C.randn(3, 4, 5), [1, -2], [0, 2])
    C.case("roll larger than the dim", "Tensor.roll", C.randn(4, 3), [9], [-2])
    C.case("roll keyword dims", "torch.roll", C.randn(2, 6), shifts=(3,), dims=(1,))
    C.case("roll same dim twice", "torch.roll", C.randn(5, 2), [1, 2], [0, 0])

    # ---- cumsum ---------------------------------------------------------------------------
    C.case("cumsum dim 0", "torch.cumsum", C.randn(5, 3), 0)
    C.case("cumsum dim -1", "Tensor.cumsum", C.randn(2, 3, 7), -1)
    C.case("cumsum middle dim keyword", "torch.cumsum", C.randn(2, 6, 3), dim=1)
    C.case("cumsum 1-D", "Tensor.cumsum", C.randn(11), 0)
    C.case("cumsum int64", "torch.cumsum", C.randint(-9, 9, 3, 4), 1)
    C.case("cumsum int64 to float32", "torch.cumsum", C.randint(-9, 9, 5), 0, dtype=torch.float32)
    C.case("cumsum bool", "torch.cumsum", C.const([True, False, True, True], dtype=torch.bool), 0)
