"""Link-prediction scores and ranking metrics: AUC, AP, Hits@K (OGB), MRR.

Conventions (host-side numpy, float64 internally):

* :func:`link_auc` — area under the ROC curve of positives vs negatives, the Mann-Whitney
  statistic ``P(s_pos > s_neg) + 0.5 P(s_pos == s_neg)`` (ties count one half, as
  ``sklearn.metrics.roc_auc_score``).
* :func:`link_ap` — average precision ``sum_n (R_n - R_{n-1}) P_n`` over the distinct score
  thresholds in decreasing order (tied scores enter together; equal to
  ``sklearn.metrics.average_precision_score``, no interpolation).
* :func:`hits_at_k` — OGB ``Evaluator`` (W. Hu et al., "Open Graph Benchmark", NeurIPS 2020):
  the fraction of positives scoring strictly above the ``k``-th highest negative score; a tie
  with that negative is a miss. With fewer than ``k`` negatives every positive is a hit (OGB's
  rule).
* :func:`mrr` — mean reciprocal rank of each positive among its own ``K`` negatives; ties are
  resolved by the OGB rule ``rank = 1 + (#neg > pos + #neg >= pos) / 2`` (the mean of the
  optimistic and pessimistic ranks).
* :func:`score_pairs` — embedding-based scores of node pairs (dot product, cosine).
* :func:`edge_features` — node2vec's binary operators (Grover & Leskovec, KDD 2016, Table 1:
  average, Hadamard, weighted-L1, weighted-L2) that turn two node embeddings into an edge
  feature vector for a downstream classifier.
"""
from __future__ import annotations

import numpy as np

from jaxgraph.train.metrics import average_precision, roc_auc

__all__ = ["link_auc", "link_ap", "hits_at_k", "mrr", "score_pairs", "edge_features"]


def _scores(name: str, x, ndim: int = 1) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)
            or np.issubdtype(a.dtype, np.bool_)):
        raise ValueError(f"{name} must be numeric, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        bad = a[~np.isfinite(a)][0]
        raise ValueError(f"{name} contains a non-finite score ({bad})")
    return a


def _pooled(pos_scores, neg_scores):
    """Validated ``(pos, neg, scores, labels)`` with the positives first (labels 1, then 0)."""
    pos = _scores("pos_scores", pos_scores)
    neg = _scores("neg_scores", neg_scores)
    return pos, neg, np.concatenate([pos, neg]), np.r_[np.ones(len(pos), bool), np.zeros(len(neg), bool)]


def link_auc(pos_scores, neg_scores) -> float:
    """ROC-AUC of positive vs negative pair scores (ties count 1/2).

    Args:
      pos_scores: ``[P]`` scores of true pairs (higher = more likely an edge).
      neg_scores: ``[Q]`` scores of non-edges.

    Returns:
      ``(sum over pos ranks - P(P+1)/2) / (P Q)`` with average ranks of the pooled scores.

    Raises:
      ValueError: an empty, non-1-D or non-finite (NaN/inf) score array.
    """
    pos, neg, s, y = _pooled(pos_scores, neg_scores)
    return roc_auc(s, y)


def link_ap(pos_scores, neg_scores) -> float:
    """Average precision of positive vs negative pair scores.

    ``AP = sum_n (R_n - R_{n-1}) P_n`` where ``n`` runs over the distinct scores in decreasing
    order and ``P_n``/``R_n`` are the precision/recall of predicting "edge" for scores ``>=`` it.

    Args:
      pos_scores: ``[P]``; neg_scores: ``[Q]``.

    Returns:
      AP in ``[0, 1]``.

    Raises:
      ValueError: an empty, non-1-D or non-finite score array.
    """
    pos, neg, s, y = _pooled(pos_scores, neg_scores)
    return average_precision(s, y)


def hits_at_k(pos_scores, neg_scores, k: int) -> float:
    """OGB Hits@K: fraction of positives scoring strictly above the ``k``-th highest negative.

    Args:
      pos_scores: ``[P]``; neg_scores: ``[Q]`` (one shared pool of negatives, as ogbl-collab/ddi).
      k: integer >= 1.

    Returns:
      Hits@K in ``[0, 1]``; 1.0 when ``Q < k`` (OGB's convention).

    Raises:
      ValueError: ``k < 1``, an empty/non-1-D/non-finite score array.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    pos = _scores("pos_scores", pos_scores)
    neg = _scores("neg_scores", neg_scores)
    if len(neg) < k:
        return 1.0
    kth = np.partition(neg, len(neg) - k)[len(neg) - k]
    return float(np.mean(pos > kth))


def mrr(pos_scores, neg_scores) -> float:
    """Mean reciprocal rank of each positive among its own negatives (OGB tie rule).

    ``rank_i = 1 + (#{j: neg[i, j] > pos[i]} + #{j: neg[i, j] >= pos[i]}) / 2``;
    ``MRR = mean_i 1 / rank_i``.

    Args:
      pos_scores: ``[P]``.
      neg_scores: ``[P, K]``: ``K`` negatives per positive.

    Returns:
      MRR in ``(0, 1]``.

    Raises:
      ValueError: shapes not ``[P]`` and ``[P, K]`` with the same ``P``; empty or non-finite scores.
    """
    pos = _scores("pos_scores", pos_scores)
    neg = _scores("neg_scores", neg_scores, ndim=2)
    if neg.shape[0] != pos.shape[0]:
        raise ValueError(f"neg_scores must have shape [P={pos.shape[0]}, K], got {neg.shape}")
    optimistic = np.sum(neg > pos[:, None], axis=1)
    pessimistic = np.sum(neg >= pos[:, None], axis=1)
    rank = 1.0 + 0.5 * (optimistic + pessimistic)
    return float(np.mean(1.0 / rank))


def _emb_pairs(embeddings, pairs):
    z = np.asarray(embeddings, np.float64)
    if z.ndim != 2:
        raise ValueError(f"embeddings must be [N, d], got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("embeddings contains a non-finite value")
    e = np.asarray(pairs)
    if e.ndim != 2 or e.shape[0] != 2:
        raise ValueError(f"pairs must have shape [2, P], got {e.shape}")
    if e.size and (not np.issubdtype(e.dtype, np.integer) or e.min() < 0 or e.max() >= z.shape[0]):
        raise ValueError(f"pairs must be integer node ids in [0, {z.shape[0]}), got dtype {e.dtype}, "
                         f"range [{e.min()}, {e.max()}]")
    return z, e.astype(np.int64)


def edge_features(embeddings, pairs, operator: str = "hadamard") -> np.ndarray:
    """node2vec edge features ``g(z_u, z_v)`` (Grover & Leskovec, KDD 2016, Table 1).

    ``average``: ``(z_u + z_v) / 2``; ``hadamard``: ``z_u * z_v``; ``weighted_l1``: ``|z_u - z_v|``;
    ``weighted_l2``: ``(z_u - z_v)^2`` (all elementwise).

    Args:
      embeddings: ``[N, d]`` float; pairs: int ``[2, P]``; operator: one of the four names.

    Returns:
      float64 ``[P, d]``.

    Raises:
      ValueError: bad shapes, ids out of range, non-finite embeddings, unknown ``operator``.
    """
    z, e = _emb_pairs(embeddings, pairs)
    a, b = z[e[0]], z[e[1]]
    if operator == "average":
        return (a + b) / 2
    if operator == "hadamard":
        return a * b
    if operator == "weighted_l1":
        return np.abs(a - b)
    if operator == "weighted_l2":
        return (a - b) ** 2
    raise ValueError(f"operator must be 'average', 'hadamard', 'weighted_l1' or 'weighted_l2', got {operator!r}")


def score_pairs(embeddings, pairs, kind: str = "dot") -> np.ndarray:
    """Scores node pairs from embeddings.

    Args:
      embeddings: ``[N, d]`` float.
      pairs: int ``[2, P]``.
      kind: ``"dot"`` (``z_u . z_v``) or ``"cosine"`` (``z_u . z_v / (|z_u| |z_v|)``, 0 for a zero vector).

    Returns:
      float64 ``[P]``.

    Raises:
      ValueError: bad shapes, ids out of range, unknown ``kind``, non-finite embeddings.
    """
    z, e = _emb_pairs(embeddings, pairs)
    if kind == "dot":
        return np.sum(z[e[0]] * z[e[1]], axis=1)
    if kind == "cosine":
        norm = np.linalg.norm(z, axis=1)
        norm = np.where(norm > 0, norm, 1.0)
        zn = z / norm[:, None]
        return np.sum(zn[e[0]] * zn[e[1]], axis=1)
    raise ValueError(f"kind must be 'dot' or 'cosine', got {kind!r}")
