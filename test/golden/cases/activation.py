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
