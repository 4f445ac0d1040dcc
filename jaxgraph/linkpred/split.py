"""Link-prediction splits without leakage, and sampling of true non-edges.

The protocol (node2vec, A. Grover, J. Leskovec, KDD 2016, Sec. 4.4; and the GNN link-prediction
setting of e.g. SEAL/OGB): the undirected edges of a graph are split at random into

* **held-out** validation and test positives, removed from everything a model may see;
* **training** edges: the **message** edges (both directions, the graph a GNN or random walk runs
  on) and the **supervision** positives ``train_pos``. By default they are the same pairs; with
  ``supervision_fraction > 0`` a fraction of the training edges is moved out of the message graph
  into ``train_pos`` only, so the model never scores an edge it can also pass messages over;
* **negatives** for validation/test: pairs ``u < v``, ``u != v`` that are *not* edges of the full
  graph (in either direction), distinct from each other.

Self loops of the input are not link-prediction targets: they are dropped. A directed input is
read as undirected (``{u, v}`` is an edge if ``u -> v`` or ``v -> u`` is). Training negatives are
not fixed here; draw them per step with :func:`sample_negatives` (``forbidden_pairs`` = the
message and supervision edges, so that no held-out information is used).
"""
from __future__ import annotations

import dataclasses
import math

import jraph
import numpy as np

from jaxgraph.graph.build import from_edge_list

__all__ = ["LinkSplit", "link_split", "sample_negatives", "undirected_pairs"]

_ENUMERATE_LIMIT = 2_000_000  # enumerate all candidate pairs when N(N-1)/2 is at most this


@dataclasses.dataclass
class LinkSplit:
    """A leakage-free link-prediction split (see the module docstring).

    Attributes:
      num_nodes: ``N``.
      message: int64 ``[2, M]`` directed message-passing edges: both directions of the message
        pairs, sorted by (sender, receiver).
      train_pos: int64 ``[2, T]`` undirected supervision positives ``u < v`` (the message pairs
        when ``supervision_fraction == 0``, else disjoint from them).
      val_pos, val_neg, test_pos, test_neg: int64 ``[2, *]`` pairs ``u < v``. Negatives are
        non-edges of the full graph, not self loops, all distinct across val and test.
    """

    num_nodes: int
    message: np.ndarray
    train_pos: np.ndarray
    val_pos: np.ndarray
    val_neg: np.ndarray
    test_pos: np.ndarray
    test_neg: np.ndarray

    def message_graph(self, node_features=None) -> jraph.GraphsTuple:
        """The message edges as a validated numpy ``jraph.GraphsTuple`` with ``N`` nodes.

        Args:
          node_features: optional ``[N, ...]`` array or pytree for ``graph.nodes``.
        """
        return from_edge_list(self.message[0], self.message[1], self.num_nodes, node_features=node_features)


def _check_fraction(name: str, value, allow_zero: bool = True) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}") from None
    if not math.isfinite(v) or v < 0 or v >= 1 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return v


def _pairs_array(name: str, pairs, num_nodes: int) -> np.ndarray:
    a = np.asarray(pairs)
    if a.size == 0:
        return np.zeros((2, 0), np.int64)
    if a.ndim != 2 or a.shape[0] != 2:
        raise ValueError(f"{name} must have shape [2, F], got {a.shape}")
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must be integer node ids, got dtype {a.dtype}")
    if a.min() < 0 or a.max() >= num_nodes:
        bad = a[(a < 0) | (a >= num_nodes)][0]
        raise ValueError(f"{name} contains node id {int(bad)} outside [0, num_nodes={num_nodes})")
    return a.astype(np.int64)


def _codes(pairs: np.ndarray, n: int) -> np.ndarray:
    """Unique sorted codes ``min * n + max`` of the unordered pairs (self loops dropped)."""
    u = np.minimum(pairs[0], pairs[1])
    v = np.maximum(pairs[0], pairs[1])
    keep = u != v
    return np.unique(u[keep] * n + v[keep])


def undirected_pairs(graph: jraph.GraphsTuple) -> np.ndarray:
    """The distinct undirected non-loop edges of ``graph`` as int64 ``[2, P]``, ``u < v``, sorted."""
    n = int(np.asarray(graph.n_node).sum())
    e = np.stack([np.asarray(graph.senders, np.int64).reshape(-1), np.asarray(graph.receivers, np.int64).reshape(-1)])
    c = _codes(e, max(n, 1))
    return np.stack([c // max(n, 1), c % max(n, 1)])


def sample_negatives(num_nodes: int, forbidden_pairs, count: int, rng: np.random.Generator) -> np.ndarray:
    """Uniformly random distinct unordered non-edges.

    Draws ``count`` distinct pairs ``{u, v}``, ``u != v``, uniformly without replacement from all
    pairs not in ``forbidden_pairs`` (read as unordered). For ``N(N-1)/2 <= 2e6`` (or when more than half of the
    non-edges are requested) the candidate
    set is enumerated exactly; otherwise rejection sampling in vectorised rounds.

    Args:
      num_nodes: ``N``.
      forbidden_pairs: int ``[2, F]`` pairs (either orientation; self loops ignored).
      count: number of pairs to draw (>= 0).
      rng: ``numpy.random.Generator`` (the only source of randomness).

    Returns:
      int64 ``[2, count]`` with ``u < v`` in each column, in random order.

    Raises:
      ValueError: ``num_nodes`` or ``count`` negative/non-integer, malformed ``forbidden_pairs``,
        or fewer than ``count`` non-edges exist.
    """
    if isinstance(num_nodes, bool) or not isinstance(num_nodes, (int, np.integer)) or num_nodes < 0:
        raise ValueError(f"num_nodes must be a non-negative integer, got {num_nodes!r}")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be a non-negative integer, got {count!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n = int(num_nodes)
    count = int(count)
    forb = _codes(_pairs_array("forbidden_pairs", forbidden_pairs, max(n, 1)), max(n, 1))
    available = n * (n - 1) // 2 - len(forb)
    if count > available:
        raise ValueError(f"count={count} negatives requested but only {available} non-edges exist among "
                         f"num_nodes={n} nodes with {len(forb)} forbidden pairs")
    if count == 0:
        return np.zeros((2, 0), np.int64)
    total = n * (n - 1) // 2
    if total <= _ENUMERATE_LIMIT or count > available // 2:
        if total > 50 * _ENUMERATE_LIMIT:
            raise ValueError(f"count={count} is more than half of the {available} non-edges of a graph with "
                             f"num_nodes={n}; too dense to sample")
        iu, ju = np.triu_indices(n, k=1)
        cand = iu.astype(np.int64) * n + ju
        cand = cand[~np.isin(cand, forb, assume_unique=True)]
        chosen = rng.choice(cand, size=count, replace=False)
    else:
        chosen = np.zeros(0, np.int64)
        seen = forb
        while len(chosen) < count:
            need = count - len(chosen)
            m = int(need * 1.3) + 16
            u = rng.integers(0, n, m)
            v = rng.integers(0, n, m)
            lo, hi = np.minimum(u, v), np.maximum(u, v)
            c = (lo * n + hi)[lo != hi]
            c = c[~np.isin(c, seen)]
            _, first = np.unique(c, return_index=True)
            c = c[np.sort(first)][:need]  # keep draw order, drop repeats within the round
            chosen = np.concatenate([chosen, c])
            seen = np.union1d(seen, c)
    return np.stack([chosen // n, chosen % n]).astype(np.int64)


def link_split(graph: jraph.GraphsTuple, *, val_fraction: float = 0.05, test_fraction: float = 0.1,
               supervision_fraction: float = 0.0, negatives_per_positive: int = 1, seed: int = 0) -> LinkSplit:
    """Random leakage-free link-prediction split of an (undirected) graph.

    The ``P`` distinct undirected non-loop edges are shuffled (``numpy.random.default_rng(seed)``);
    the first ``round(test_fraction * P)`` are test positives, the next ``round(val_fraction * P)``
    validation positives, the rest training edges. Of the training edges, ``round(supervision_fraction
    * T)`` become supervision-only positives and the rest message edges (all of them serve both roles
    when ``supervision_fraction == 0``). Validation and test negatives (``negatives_per_positive``
    per positive) are distinct uniformly random non-edges of the full graph.

    Args:
      graph: ``jraph.GraphsTuple``; directed edges are read as undirected, self loops dropped.
      val_fraction, test_fraction: fractions of the edges held out, each in ``[0, 1)``, sum < 1.
      supervision_fraction: fraction of the training edges used only as supervision, in ``[0, 1)``.
      negatives_per_positive: validation/test negatives per positive (int >= 0).
      seed: integer seed; the same seed gives the same split.

    Returns:
      :class:`LinkSplit`.

    Raises:
      ValueError: a fraction outside ``[0, 1)``, ``val_fraction + test_fraction >= 1``, a negative
        or non-integer ``negatives_per_positive``, no edge to split, or too few non-edges.
    """
    val_fraction = _check_fraction("val_fraction", val_fraction)
    test_fraction = _check_fraction("test_fraction", test_fraction)
    supervision_fraction = _check_fraction("supervision_fraction", supervision_fraction)
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"val_fraction + test_fraction must be < 1, got {val_fraction} + {test_fraction} "
                         f"= {val_fraction + test_fraction}")
    if (isinstance(negatives_per_positive, bool) or not isinstance(negatives_per_positive, (int, np.integer))
            or negatives_per_positive < 0):
        raise ValueError(f"negatives_per_positive must be a non-negative integer, got {negatives_per_positive!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    n = int(np.asarray(graph.n_node).sum())
    pairs = undirected_pairs(graph)
    num = pairs.shape[1]
    if num == 0:
        raise ValueError(f"graph has no non-loop edge to split (num_nodes={n})")
    rng = np.random.default_rng(seed)
    pairs = pairs[:, rng.permutation(num)]
    n_test = int(round(test_fraction * num))
    n_val = int(round(val_fraction * num))
    if n_test + n_val >= num:
        raise ValueError(f"val_fraction={val_fraction} and test_fraction={test_fraction} leave no training "
                         f"edge out of {num}")
    test_pos, val_pos, train = pairs[:, :n_test], pairs[:, n_test:n_test + n_val], pairs[:, n_test + n_val:]
    n_sup = int(round(supervision_fraction * train.shape[1]))
    if supervision_fraction > 0 and n_sup == 0:
        n_sup = 1
    if n_sup >= train.shape[1] and supervision_fraction > 0:
        raise ValueError(f"supervision_fraction={supervision_fraction} leaves no message edge out of "
                         f"{train.shape[1]} training edges")
    if n_sup:
        train_pos, msg = train[:, :n_sup], train[:, n_sup:]
    else:
        train_pos, msg = train, train
    k = int(negatives_per_positive)
    negs = sample_negatives(n, pairs, k * (n_val + n_test), rng)
    val_neg, test_neg = negs[:, :k * n_val], negs[:, k * n_val:]

    def sort_pairs(a):
        return a[:, np.lexsort((a[1], a[0]))]

    both = np.concatenate([msg, msg[::-1]], axis=1)
    return LinkSplit(num_nodes=n, message=sort_pairs(both), train_pos=sort_pairs(train_pos),
                     val_pos=sort_pairs(val_pos), val_neg=val_neg, test_pos=sort_pairs(test_pos), test_neg=test_neg)
