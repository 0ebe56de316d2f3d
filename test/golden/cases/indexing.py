"""Goldens for indexing along a dim: gather, scatter (a tensor or a number, the reduce option),
scatter_add and F.one_hot, on odd shapes with every dim; forward and input gradients (gather and
scatter_add add up the gradient of repeated indices)."""

import torch


def distinct(C, size, count, lines):
    """For each of `lines` lines, `count` distinct indices from 0..size-1 (scatter without repeats)."""
    return [torch.randperm(size, generator=C.gen)[:count].tolist() for _ in range(lines)]


def build(C):
    # ---- gather ---------------------------------------------------------------------------
    C.case("gather dim 1", "torch.gather", C.randn(3, 5), 1, C.randint(0, 5, 3, 4))
    C.case("gather dim 0 repeats", "torch.gather", C.randn(4, 3), 0, C.const([[0, 0, 3], [0, 2, 3], [1, 0, 3]], dtype=None))
    C.case("gather dim -1 3-D", "Tensor.gather", C.randn(2, 3, 7), -1, C.randint(0, 7, 2, 3, 9))
    C.case("gather dim 1 smaller index", "Tensor.gather", C.randn(4, 6, 5), 1, C.randint(0, 6, 2, 3, 4))
    C.case("gather dim 0 1-D", "torch.gather", C.randn(7), 0, C.randint(0, 7, 11))
    C.case("gather sparse_grad False", "torch.gather", C.randn(3, 4), 1, C.randint(0, 4, 3, 2), sparse_grad=False)
    C.case("gather int64 input", "torch.gather", C.randint(-9, 9, 3, 4), 0, C.randint(0, 3, 2, 4))

    # ---- scatter --------------------------------------------------------------------------
    idx0 = C.const(list(map(list, zip(*distinct(C, 5, 3, 4)))), dtype=None)  # (3, 4), distinct per column
    C.case("scatter src dim 0", "torch.scatter", C.randn(5, 4), 0, idx0, C.randn(3, 4))
    idx1 = C.const(distinct(C, 6, 4, 3), dtype=None)  # (3, 4), distinct per row
    # (PyTorch 1.13 fails to make src's gradient when src is larger than the index: its shape is
    # the index's. test/unit/indexing.test.ts checks ours, zero where no index reads src.)
    C.case("scatter src larger than index", "Tensor.scatter", C.randn(3, 6), 1, idx1, C.randn(4, 5, grad=False))
    idx2 = C.const([distinct(C, 7, 3, 2), distinct(C, 7, 3, 2)], dtype=None)  # (2, 2, 3)
    C.case("scatter dim -1 3-D", "Tensor.scatter", C.randn(2, 3, 7), -1, idx2, C.randn(2, 2, 3))
    C.case("scatter value positional", "Tensor.scatter", C.randn(3, 6), 1, idx1, 2.5)
    C.case("scatter value keyword", "torch.scatter", C.randn(5, 4), 0, idx0, value=-1.5)
    dup = C.randint(0, 4, 3, 5)
    C.case("scatter reduce add", "Tensor.scatter", C.randn(4, 5, grad=False), 0, dup, C.randn(3, 5, grad=False), reduce="add")
    C.case("scatter reduce multiply", "torch.scatter", C.randn(4, 5, grad=False), 0, dup, C.randn(3, 5, grad=False), reduce="multiply")
    C.case("scatter value reduce add", "Tensor.scatter", C.randn(4, 5, grad=False), 0, dup, 0.5, reduce="add")

    # ---- scatter_add ----------------------------------------------------------------------
    C.case("scatter_add repeats", "torch.scatter_add", C.randn(4, 5), 0, C.randint(0, 4, 6, 5), C.randn(6, 5))
    C.case("scatter_add dim 1 src larger", "Tensor.scatter_add", C.randn(3, 4), 1, C.randint(0, 4, 2, 7), C.randn(3, 8, grad=False))
    C.case("scatter_add 3-D dim 1", "Tensor.scatter_add", C.randn(2, 3, 4), 1, C.randint(0, 3, 2, 5, 4), C.randn(2, 5, 4))
    C.case("scatter_add into zeros (bincount)", "torch.scatter_add", C.const([0.0] * 5), 0, C.const([4, 1, 1, 3, 1], dtype=None), C.randn(5))

    # ---- one_hot --------------------------------------------------------------------------
    C.case("one_hot inferred classes", "one_hot", C.const([3, 0, 1, 3, 2], dtype=None))
    C.case("one_hot num_classes", "one_hot", C.const([[1, 0], [4, 2]], dtype=None), 6)
    C.case("one_hot keyword", "one_hot", C.randint(0, 10, 7), num_classes=10)
    C.case("one_hot 0-d", "one_hot", C.const(2, dtype=None), 3)
