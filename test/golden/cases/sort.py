"""Goldens for sort, argsort and topk on odd shapes along every dim, ascending and descending,
largest and smallest, with NaN (which sorts above every number) and with ties under stable=True;
forward and the input gradient (each value's gradient goes back to where it came from).
Random values have no ties, so every order is PyTorch's exact one."""


def build(C):
    nan = float("nan")
    # ---- sort -----------------------------------------------------------------------------
    C.case("sort last dim", "torch.sort", C.randn(3, 7))
    C.case("sort dim 0 descending", "torch.sort", C.randn(5, 4), 0, True)
    C.case("sort keyword dim", "Tensor.sort", C.randn(2, 5, 3), dim=1)
    C.case("sort keyword descending", "Tensor.sort", C.randn(4, 6), descending=True)
    C.case("sort 1-D", "Tensor.sort", C.randn(9))
    C.case("sort stable ties", "torch.sort", C.const([[2.0, 1.0, 2.0, 1.0, 3.0, 2.0], [0.0, 0.0, -1.0, 0.0, 5.0, 0.0]], grad=True), stable=True)
    C.case("sort stable ties descending", "torch.sort", C.const([3.0, 1.0, 3.0, 2.0, 1.0, 3.0], grad=True), stable=True, descending=True)
    C.case("sort NaN", "torch.sort", C.const([1.0, nan, -2.0, 4.0, nan, 0.5]))
    C.case("sort NaN descending", "torch.sort", C.const([1.0, nan, -2.0, 4.0, 0.5]), descending=True)
    C.case("sort int64", "torch.sort", C.randint(-50, 50, 3, 5))

    # ---- argsort --------------------------------------------------------------------------
    C.case("argsort", "torch.argsort", C.randn(3, 6))
    C.case("argsort dim 0 descending", "Tensor.argsort", C.randn(5, 3), 0, True)
    C.case("argsort stable ties", "torch.argsort", C.const([2.0, 1.0, 2.0, 1.0, 0.0]), stable=True)
    C.case("argsort keyword", "Tensor.argsort", C.randn(2, 4, 3), dim=1, descending=True)

    # ---- topk -----------------------------------------------------------------------------
    C.case("topk 3", "torch.topk", C.randn(4, 9), 3)
    C.case("topk smallest dim 0", "torch.topk", C.randn(7, 3), 2, 0, False)
    C.case("topk keyword", "Tensor.topk", C.randn(2, 5, 6), 4, dim=1, largest=True, sorted=True)
    C.case("topk smallest keyword", "Tensor.topk", C.randn(3, 8), 5, largest=False)
    C.case("topk all", "torch.topk", C.randn(6), 6)
    C.case("topk k 0", "torch.topk", C.randn(3, 4), 0)
    C.case("topk NaN", "torch.topk", C.const([1.0, nan, 3.0, 2.0]), 2)
