"""Goldens for pairwise_distance (p-norms, eps, keepdim, broadcasting) and cosine_similarity
(dims, broadcasting, and vectors whose norm falls below eps, where 1.13's formula shows)."""


def build(C):
    C.case("pairwise_distance default", "pairwise_distance", C.randn(5, 4), C.randn(5, 4))
    C.case("pairwise_distance p=1", "pairwise_distance", C.randn(4, 6), C.randn(4, 6), p=1.0)
    C.case("pairwise_distance p=3 keepdim", "pairwise_distance", C.randn(3, 5), C.randn(3, 5), p=3.0, keepdim=True)
    C.case("pairwise_distance p=inf", "pairwise_distance", C.randn(4, 5), C.randn(4, 5), p=float("inf"))
    C.case("pairwise_distance eps", "pairwise_distance", C.randn(3, 4), C.randn(3, 4), eps=0.1)
    C.case("pairwise_distance broadcast (N, D) with (D)", "pairwise_distance", C.randn(4, 3), C.randn(3))
    C.case("pairwise_distance 3-D", "pairwise_distance", C.randn(2, 3, 4), C.randn(2, 3, 4))
    C.case("pairwise_distance 1-D", "pairwise_distance", C.randn(5), C.randn(5))

    C.case("cosine_similarity default dim 1", "cosine_similarity", C.randn(5, 4), C.randn(5, 4))
    C.case("cosine_similarity dim 0", "cosine_similarity", C.randn(6, 3), C.randn(6, 3), dim=0)
    C.case("cosine_similarity dim -1 3-D", "cosine_similarity", C.randn(2, 3, 4), C.randn(2, 3, 4), dim=-1)
    C.case("cosine_similarity broadcast", "cosine_similarity", C.randn(4, 5), C.randn(1, 5))
    C.case("cosine_similarity eps", "cosine_similarity", C.randn(3, 4), C.randn(3, 4), eps=0.5)
    C.case("cosine_similarity norm below eps", "cosine_similarity", C.randn(2, 3, scale=1e-9), C.randn(2, 3))
    C.case("cosine_similarity norm below custom eps", "cosine_similarity", C.randn(3, 4, scale=0.01), C.randn(3, 4), eps=0.1)
    C.case("cosine_similarity zero vector", "cosine_similarity", C.const([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]], grad=True), C.randn(2, 3))
