"""Goldens for softmax and log_softmax along several dims (including negative), and with large
scores that would overflow a naive exp."""


def build(C):
    for op in ["softmax", "log_softmax"]:
        C.case(f"{op} (N, C) dim 1", op, C.randn(4, 7), 1)
        C.case(f"{op} (N, C) dim 0", op, C.randn(5, 3), 0)
        C.case(f"{op} 3-D dim -1", op, C.randn(2, 3, 6), -1)
        C.case(f"{op} 4-D channels dim 1", op, C.randn(2, 4, 3, 3), 1)
        C.case(f"{op} 4-D dim -2", op, C.randn(2, 3, 5, 2), -2)
        C.case(f"{op} 1-D dim 0", op, C.randn(9), 0)
        C.case(f"{op} large scores", op, C.randn(3, 5, scale=60.0), 1)
        C.case(f"{op} dim keyword", op, C.randn(3, 4), dim=-1)
