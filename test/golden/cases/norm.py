"""Goldens for batch_norm: training and evaluation on (N, C), (N, C, L) and (N, C, H, W) input,
with and without affine parameters and running statistics; the running statistics are compared
after the call (they are updated in place in training)."""


def build(C):
    def stats(c):
        return C.randn(c, grad=False, scale=0.5), C.rand(c, grad=False, low=0.5, high=2.0)

    shapes = {"2-D": (6, 3), "3-D": (4, 3, 5), "4-D": (3, 4, 3, 3)}
    for label, shape in shapes.items():
        c = shape[1]
        rm, rv = stats(c)
        C.case(
            f"batch_norm training {label} affine + running stats",
            "batch_norm",
            C.randn(*shape, scale=2.0),
            rm,
            rv,
            weight=C.randn(c),
            bias=C.randn(c),
            training=True,
            after=(1, 2),
        )
        rm, rv = stats(c)
        C.case(f"batch_norm training {label} no affine", "batch_norm", C.randn(*shape), rm, rv, training=True, after=(1, 2))
        C.case(f"batch_norm training {label} no running stats", "batch_norm", C.randn(*shape), None, None, weight=C.randn(c), bias=C.randn(c), training=True)
        rm, rv = stats(c)
        C.case(f"batch_norm eval {label} affine", "batch_norm", C.randn(*shape), rm, rv, weight=C.randn(c), bias=C.randn(c), after=(1, 2))
        rm, rv = stats(c)
        C.case(f"batch_norm eval {label} no affine", "batch_norm", C.randn(*shape), rm, rv, training=False)

    rm, rv = stats(2)
    C.case(
        "batch_norm training momentum and eps",
        "batch_norm",
        C.randn(5, 2, 4, scale=0.05),
        rm,
        rv,
        weight=C.randn(2),
        bias=C.randn(2),
        training=True,
        momentum=0.3,
        eps=1e-3,
        after=(1, 2),
    )
    rm, rv = stats(3)
    C.case("batch_norm training weight only", "batch_norm", C.randn(2, 3, 2, 2), rm, rv, weight=C.randn(3), training=True, after=(1, 2))
    rm, rv = stats(3)
    C.case("batch_norm eval eps", "batch_norm", C.randn(2, 3, 4), rm, rv, bias=C.randn(3), eps=0.1)
    rm, rv = stats(2)
    C.case("batch_norm training batch of one, spatial", "batch_norm", C.randn(1, 2, 3, 3), rm, rv, training=True, after=(1, 2))
