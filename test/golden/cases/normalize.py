"""Goldens for F.normalize with every option: p 2 (default), 1, 3, 0.5 and inf, dim positive and
negative, eps positional and keyword, a zero vector (the eps clamp: gradient 1/eps times the
upstream one); forward and the input gradient."""


def build(C):
    C.case("normalize default (p 2, dim 1)", "normalize", C.randn(4, 5))
    C.case("normalize dim -1 4-D", "normalize", C.randn(2, 3, 4, 5), dim=-1)
    C.case("normalize p 1 dim 0 positional", "normalize", C.randn(5, 3), 1.0, 0)
    C.case("normalize p 3", "normalize", C.randn(3, 6), p=3.0)
    C.case("normalize p 0.5", "normalize", C.rand(3, 4, low=0.5, high=2.0), p=0.5, dim=1)
    C.case("normalize p inf", "normalize", C.randn(4, 6), float("inf"), -1)
    C.case("normalize eps keyword", "normalize", C.randn(3, 4, scale=1e-3), eps=0.01)
    zero = C.const([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]], grad=True)
    C.case("normalize zero vector", "normalize", zero, dim=1)
    C.case("normalize zero vector p 1 eps", "normalize", C.const([[0.0, 0.0], [1.0, -2.0]], grad=True), 1.0, 1, 1e-4)
    C.case("normalize 1-D dim 0", "normalize", C.randn(7), dim=0)
    C.case("normalize scaled large", "normalize", C.randn(2, 5, scale=1e3))
