"""Goldens for the activations (relu, relu6, leaky_relu, elu, sigmoid, tanh, softplus, hardtanh)
and F.linear with and without bias on 2-D and 3-D inputs. Inputs include exact kinks (0 and the
hardtanh/relu6 bounds) where the derivative convention matters."""


def build(C):
    kinks = [-7.0, -6.0, -1.0, -0.5, 0.0, 0.5, 1.0, 6.0, 7.0, 25.0, -25.0]
    for op in ["relu", "relu6", "sigmoid", "tanh", "softplus", "hardtanh", "elu", "leaky_relu"]:
        C.case(f"{op}", op, C.randn(3, 5, scale=3.0))
        C.case(f"{op} at kinks and extremes", op, C.const(kinks, grad=True))
    C.case("leaky_relu slope 0.2", "leaky_relu", C.randn(4, 4), 0.2)
    C.case("elu alpha 0.5", "elu", C.randn(4, 4, scale=2.0), 0.5)
    C.case("hardtanh bounds", "hardtanh", C.randn(4, 4), -0.5, 0.8)
    C.case("hardtanh bounds at the bounds", "hardtanh", C.const([-0.5, 0.8, 0.0, -1.0, 1.0], grad=True), -0.5, 0.8)
    C.case("relu 4-D", "relu", C.randn(2, 3, 2, 2))
    C.case("sigmoid large", "sigmoid", C.randn(10, scale=30.0))

    C.case("linear 2-D with bias", "linear", C.randn(4, 5), C.randn(3, 5), C.randn(3))
    C.case("linear 2-D without bias", "linear", C.randn(4, 5), C.randn(3, 5))
    C.case("linear 3-D with bias", "linear", C.randn(2, 3, 5), C.randn(4, 5), C.randn(4))
    C.case("linear 3-D without bias", "linear", C.randn(2, 3, 5), C.randn(4, 5))
    C.case("linear 1-D input", "linear", C.randn(6), C.randn(2, 6), C.randn(2))
    C.case("linear None bias", "linear", C.randn(3, 2), C.randn(5, 2), None)

    # ---- activations added for issue 17 (MobileNetV3, EfficientNet, transformers) -------------
    kinks17 = [-30.0, -5.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 30.0]
    for op in ["silu", "hardswish", "hardsigmoid", "gelu", "mish", "selu", "celu"]:
        C.case(f"{op}", op, C.randn(3, 7, scale=3.0))
        C.case(f"{op} at kinks and extremes", op, C.const(kinks17, grad=True))
    C.case("gelu approximate tanh", "gelu", C.randn(4, 5, scale=3.0), approximate="tanh")
    C.case("gelu approximate tanh at extremes", "gelu", C.const(kinks17, grad=True), approximate="tanh")
    C.case("gelu approximate none", "gelu", C.randn(5, scale=2.0), approximate="none")
    C.case("gelu 4-D", "gelu", C.randn(2, 3, 3, 2))
    C.case("celu alpha 0.5", "celu", C.randn(4, 5, scale=2.0), 0.5)
    C.case("celu alpha 2 keyword", "celu", C.randn(3, 5, scale=2.0), alpha=2.0)
    C.case("elu alpha keyword", "elu", C.randn(3, 5, scale=2.0), alpha=0.3)
    C.case("leaky_relu keyword slope", "leaky_relu", C.randn(3, 5), negative_slope=0.1)
    C.case("softplus beta 2 threshold 5", "softplus", C.randn(4, 6, scale=3.0), 2.0, 5.0)
    C.case("softplus beta 0.5", "softplus", C.randn(4, 6, scale=5.0), 0.5)
    C.case("softplus keyword beta threshold", "softplus", C.randn(3, 5, scale=4.0), beta=3.0, threshold=2.0)
    C.case("softplus negative beta", "softplus", C.randn(3, 5, scale=2.0), -1.5)
    C.case("softplus past the threshold", "softplus", C.const([-25.0, -21.0, 19.0, 21.0, 30.0], grad=True))
    C.case("prelu one slope", "prelu", C.randn(2, 3, 4, 5), C.const([0.25], grad=True))
    C.case("prelu per channel", "prelu", C.randn(2, 3, 4, 5), C.const([0.1, -0.2, 0.5], grad=True))
    C.case("prelu (N, C)", "prelu", C.randn(5, 4), C.randn(4))
    C.case("prelu (N, C, L) at zero", "prelu", C.const([[[0.0, -1.0, 2.0], [0.0, 3.0, -4.0]]], grad=True), C.const([0.3, 0.7], grad=True))
    C.case("prelu 1-D one slope", "prelu", C.randn(6), C.const([0.2], grad=True))
    C.case("prelu 0-d slope", "prelu", C.randn(3, 4), C.const(0.15, grad=True))
