"""Goldens for tensor basics: elementwise math with broadcasting, reductions, shape ops, matmul."""


def build(C):
    # Elementwise binary ops with broadcasting (odd sizes, size-1 dims, scalars).
    for op in ["add", "sub", "mul", "div", "maximum", "minimum"]:
        a, b = C.randn(3, 1, 5), C.randn(4, 1)
        C.case(f"{op} broadcast", f"Tensor.{op}", a, b)
    C.case("add scalar", "Tensor.add", C.randn(2, 3), 2.5)
    C.case("div by scalar", "Tensor.div", C.randn(7), 3.0)
    C.case("pow tensor", "Tensor.pow", C.rand(2, 3, low=0.5, high=2.0), C.randn(3))
    C.case("pow scalar", "Tensor.pow", C.rand(4, 3, low=0.1, high=2.0), 2.5)
    C.case("pow square", "Tensor.pow", C.randn(5), 2)
    for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
        a = C.const([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
        C.case(op, f"Tensor.{op}", a, C.const([2.0, 2.0, 2.0]))

    # Unary math.
    for op in ["neg", "exp", "tanh", "sigmoid", "abs", "relu", "square", "sin", "cos"]:
        C.case(op, f"Tensor.{op}", C.randn(3, 4))
    for op in ["log", "sqrt", "rsqrt", "reciprocal"]:
        C.case(op, f"Tensor.{op}", C.rand(3, 4, low=0.2, high=3.0))
    C.case("clamp both", "Tensor.clamp", C.randn(4, 5), -0.5, 0.7)
    C.case("clamp min", "Tensor.clamp", C.randn(9), -0.2)
    C.case("where", "torch.where", C.const([[True, False, True]], dtype=None), C.randn(2, 3), C.randn(2, 1))

    # Reductions.
    x = C.randn(3, 4, 5)
    C.case("sum all", "Tensor.sum", x)
    C.case("sum dim 1", "Tensor.sum", x, 1)
    C.case("sum dims keepdim", "Tensor.sum", x, [0, 2], True)
    C.case("sum neg dim", "Tensor.sum", C.randn(2, 3), -1)
    C.case("mean all", "Tensor.mean", C.randn(4, 6))
    C.case("mean dim keepdim", "Tensor.mean", C.randn(4, 6, 3), 1, True)
    C.case("max all", "Tensor.max", C.randn(3, 7))
    C.case("max dim", "Tensor.max", C.randn(3, 7), 1)
    C.case("min dim keepdim", "Tensor.min", C.randn(3, 7, 2), 0, True)
    C.case("amax dims", "Tensor.amax", C.randn(3, 4, 5), [1, 2])
    C.case("argmax dim", "Tensor.argmax", C.randn(4, 9), 1)
    C.case("argmax all", "Tensor.argmax", C.randn(4, 9))
    C.case("argmin dim", "Tensor.argmin", C.randn(4, 9), 0)
    C.case("var all", "Tensor.var", C.randn(5, 6))
    C.case("var dim", "Tensor.var", C.randn(5, 6), 1)
    C.case("var dim population", "Tensor.var", C.randn(5, 6), 0, correction=0, keepdim=True)
    C.case("std dim", "Tensor.std", C.randn(4, 7), 1)
    C.case("logsumexp", "Tensor.logsumexp", C.randn(3, 8), 1)
    C.case("norm", "Tensor.norm", C.randn(3, 4))

    # Shape ops.
    C.case("reshape", "Tensor.reshape", C.randn(2, 3, 4), [4, -1])
    C.case("flatten", "Tensor.flatten", C.randn(2, 3, 4, 5), 1)
    C.case("permute", "Tensor.permute", C.randn(2, 3, 4, 5), [0, 2, 3, 1])
    C.case("transpose", "Tensor.transpose", C.randn(2, 3, 4), 0, 2)
    C.case("unsqueeze", "Tensor.unsqueeze", C.randn(3, 4), 1)
    C.case("squeeze dim", "Tensor.squeeze", C.randn(3, 1, 4), 1)
    C.case("expand", "Tensor.expand", C.randn(3, 1), [2, 3, 4])
    C.case("select channel", "Tensor.select", C.randn(2, 3, 4, 4), 1, 2)
    C.case("narrow", "Tensor.narrow", C.randn(4, 6), 1, 2, 3)
    C.case("index_select", "Tensor.index_select", C.randn(5, 3), 0, C.const([4, 0, 0, 2], dtype=None))
    C.case("cat dim 1", "torch.cat", [C.randn(2, 3), C.randn(2, 5)], 1)
    C.case("stack dim 0", "torch.stack", [C.randn(2, 3), C.randn(2, 3), C.randn(2, 3)], 0)
    C.case("stack dim -1", "torch.stack", [C.randn(2, 3), C.randn(2, 3)], -1)
    C.case("repeat", "Tensor.repeat", C.randn(2, 3), [2, 1, 2])

    # Matrix products.
    C.case("matmul 2d", "torch.matmul", C.randn(3, 5), C.randn(5, 4))
    C.case("matmul batched broadcast", "torch.matmul", C.randn(2, 1, 3, 5), C.randn(4, 5, 2))
    C.case("matmul vec-mat", "torch.matmul", C.randn(5), C.randn(5, 3))
    C.case("matmul mat-vec", "torch.matmul", C.randn(3, 5), C.randn(5))
    C.case("matmul dot", "torch.matmul", C.randn(6), C.randn(6))
