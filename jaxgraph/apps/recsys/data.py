"""Implicit-feedback user-item interaction sets for graph recommenders, and per-user splits.

Sources:

* :func:`planted_communities` -- a seeded generator with planted user/item communities (the CI and
  default-experiment data; generative model in its docstring).
* :func:`from_ratings` -- MovieLens-100k (:func:`jaxgraph.data.movielens.load_movielens_100k` /
  :func:`~jaxgraph.data.movielens.read_u_data`, user-supplied ``u.data``): every rating (or every
  rating ``>= min_rating``) is an interaction, with its timestamp.
* :func:`from_bitcoin` -- Bitcoin-OTC (:func:`jaxgraph.data.temporal.load_bitcoin_otc`): the
  *rater* is the "user" and the *ratee* the "item"; a rating ``>= min_rating`` (default: every
  positive rating, +1..+10) is an interaction ("rater would trust ratee"), negative ratings are
  dropped. Raters and ratees get separate dense index spaces (a node that both rates and is rated
  has one user index and one item index), so the graph is a genuine bipartite user-item graph.

Splits (:func:`split_per_user`): per user, a fraction of the interactions is held out for testing
(the latest ones by time with ``by_time=True``, a seeded random subset otherwise); users with a
single interaction keep it in training. Train and test pairs are disjoint, and the training graph
is built from the training pairs only (no leakage).
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

__all__ = [
    "Interactions",
    "RecSplit",
    "make_interactions",
    "planted_communities",
    "from_ratings",
    "from_bitcoin",
    "split_per_user",
]


@dataclasses.dataclass
class Interactions:
    """A set of distinct (user, item) interactions.

    Attributes:
      name: dataset name.
      users: ``[M]`` int32 user index in ``[0, num_users)``.
      items: ``[M]`` int32 item index in ``[0, num_items)``.
      times: ``[M]`` float64 timestamps, or None.
      num_users, num_items: sizes of the two index spaces.
      extras: anything else (e.g. planted communities, raw node ids).
    """

    name: str
    users: np.ndarray
    items: np.ndarray
    times: np.ndarray | None
    num_users: int
    num_items: int
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.users.shape[0])


@dataclasses.dataclass
class RecSplit:
    """A per-user train/test split of :class:`Interactions` (disjoint pair sets).

    Attributes:
      name: dataset name.
      num_users, num_items: index-space sizes.
      train_users, train_items: ``[M_train]`` int32 training pairs (sorted by user, then item).
      test_users, test_items: ``[M_test]`` int32 held-out pairs (sorted by user, then item).
      extras: anything carried over from the interactions.
    """

    name: str
    num_users: int
    num_items: int
    train_users: np.ndarray
    train_items: np.ndarray
    test_users: np.ndarray
    test_items: np.ndarray
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def stats(self) -> dict[str, Any]:
        n = self.num_users * self.num_items
        return {
            "users": self.num_users, "items": self.num_items, "train": int(self.train_users.size),
            "test": int(self.test_users.size),
            "test_users": int(np.unique(self.test_users).size),
            "density": float((self.train_users.size + self.test_users.size) / max(n, 1)),
        }


def _as_index(a, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            bad = a[~(np.isfinite(a) & (a == np.round(a)))][0]
            raise ValueError(f"{name} must hold integers, got {bad!r}")
    return a.astype(np.int64)


def make_interactions(users, items, num_users: int, num_items: int, times=None, name: str = "interactions",
                      extras: dict | None = None) -> Interactions:
    """Validates and deduplicates user-item pairs (the first occurrence, in time order if
    ``times`` is given, is kept).

    Args:
      users, items: ``[M]`` integer indices.
      num_users, num_items: index-space sizes (positive).
      times: optional ``[M]`` finite timestamps.

    Returns:
      :class:`Interactions` sorted by time (stable) when ``times`` is given, else by (user, item).

    Raises:
      ValueError: empty ``users``, mismatched lengths, non-positive sizes, an index out of
        ``[0, num_users)`` / ``[0, num_items)`` (naming the argument and the bad value), or
        non-finite times.
    """
    u = _as_index(users, "users")
    i = _as_index(items, "items")
    if u.size == 0:
        raise ValueError("users is empty: at least one interaction is needed")
    if u.shape != i.shape:
        raise ValueError(f"users and items must have the same length, got {u.size} and {i.size}")
    if int(num_users) < 1 or int(num_items) < 1:
        raise ValueError(f"num_users and num_items must be positive, got {num_users} and {num_items}")
    for arr, nm, hi in ((u, "users", num_users), (i, "items", num_items)):
        bad = (arr < 0) | (arr >= hi)
        if bad.any():
            raise ValueError(f"{nm} index {int(arr[bad][0])} out of range [0, {hi})")
    t = None
    if times is not None:
        t = np.asarray(times, np.float64)
        if t.shape != u.shape:
            raise ValueError(f"times must have shape {u.shape}, got {t.shape}")
        if not np.all(np.isfinite(t)):
            raise ValueError(f"times must be finite, got {t[~np.isfinite(t)][0]!r}")
        order = np.argsort(t, kind="stable")
    else:
        order = np.lexsort((i, u))
    u, i = u[order], i[order]
    t = t[order] if t is not None else None
    key = u * int(num_items) + i
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    return Interactions(name=name, users=u[keep].astype(np.int32), items=i[keep].astype(np.int32),
                        times=None if t is None else t[keep], num_users=int(num_users),
                        num_items=int(num_items), extras=dict(extras or {}))


def planted_communities(num_users: int = 600, num_items: int = 400, num_communities: int = 6,
                        mean_degree: float = 20.0, p_in: float = 0.8, zipf: float = 0.8,
                        seed: int = 0) -> Interactions:
    """Interactions with planted user/item communities (a degree-corrected stochastic block model).

    Generative model (all draws from ``numpy.random.default_rng(seed)``):

    1. every user ``u`` and every item ``i`` gets a community ``c`` uniform in
       ``[0, num_communities)``;
    2. item popularity ``w_i = rank_i^{-zipf}`` for a random permutation ``rank`` of
       ``1..num_items`` (long-tailed, as in real catalogues);
    3. user activity ``n_u = min(max(2, Geometric(1 / mean_degree)), num_items // 2)``;
    4. user ``u`` draws ``n_u`` distinct items without replacement from the mixture
       ``p(i | u) = p_in * w_i [c_i = c_u] / W_{c_u} + (1 - p_in) * w_i / W`` (``W_c``: popularity
       mass of community ``c``; ``W``: total).

    So a user's held-out items are predictable from the items its community-mates chose (what a
    collaborative filter must learn), with popularity noise. No timestamps.

    Returns:
      :class:`Interactions` with ``extras["user_community"]`` ``[U]`` and
      ``extras["item_community"]`` ``[I]``.

    Raises:
      ValueError: non-positive sizes, ``p_in`` outside ``[0, 1]``, ``mean_degree < 1``.
    """
    if num_users < 1 or num_items < 4 or num_communities < 1:
        raise ValueError(f"need num_users >= 1, num_items >= 4, num_communities >= 1; got "
                         f"{num_users}, {num_items}, {num_communities}")
    if not 0.0 <= p_in <= 1.0:
        raise ValueError(f"p_in must lie in [0, 1], got {p_in}")
    if mean_degree < 1:
        raise ValueError(f"mean_degree must be >= 1, got {mean_degree}")
    rng = np.random.default_rng(seed)
    cu = rng.integers(0, num_communities, num_users)
    ci = rng.integers(0, num_communities, num_items)
    w = (rng.permutation(num_items) + 1.0) ** (-float(zipf))
    glob = w / w.sum()
    n_u = np.minimum(np.maximum(2, rng.geometric(1.0 / mean_degree, num_users)), num_items // 2)
    us, its = [], []
    for u in range(num_users):
        inside = np.where(ci == cu[u], w, 0.0)
        p = (1 - p_in) * glob + (p_in * inside / inside.sum() if inside.sum() > 0 else p_in * glob)
        chosen = rng.choice(num_items, size=int(n_u[u]), replace=False, p=p / p.sum())
        us.append(np.full(chosen.size, u))
        its.append(chosen)
    return make_interactions(np.concatenate(us), np.concatenate(its), num_users, num_items,
                             name=f"planted-{num_communities}c",
                             extras={"user_community": cu, "item_community": ci})


def from_ratings(ds, min_rating: float | None = None) -> Interactions:
    """Interactions from a :class:`~jaxgraph.data.movielens.RatingsDataset` (MovieLens-100k).

    Every rating is an interaction (``min_rating=None``; the implicit-feedback convention of the
    NGCF/LightGCN line of work), or only ratings ``>= min_rating``. Timestamps are kept.

    Raises:
      ValueError: no rating passes ``min_rating`` (from :func:`make_interactions`).
    """
    keep = np.ones(len(ds), bool) if min_rating is None else np.asarray(ds.ratings) >= min_rating
    return make_interactions(ds.users[keep], ds.items[keep], ds.num_users, ds.num_items,
                             times=np.asarray(ds.t, np.float64)[keep], name=ds.name)


def from_bitcoin(ds, min_rating: int = 1) -> Interactions:
    """Rater -> ratee interactions from a Bitcoin-OTC/Alpha :class:`TemporalDataset`.

    A rating ``r >= min_rating`` (``edge_features[:, 0]``, -10..10) from ``src`` to ``dst`` is an
    interaction of user ``src`` with item ``dst``; the rest are dropped. Raters are re-indexed
    densely as users (in increasing node id), ratees as items; ``extras["user_node"]`` /
    ``extras["item_node"]`` map the indices back to the dataset's node ids.

    Raises:
      ValueError: ``min_rating`` outside ``1..10`` or no rating passes it.
    """
    if not 1 <= int(min_rating) <= 10:
        raise ValueError(f"min_rating must lie in 1..10 (positive ratings), got {min_rating}")
    r = np.asarray(ds.edge_features)[:, 0]
    keep = r >= min_rating
    if not keep.any():
        raise ValueError(f"no rating >= min_rating={min_rating}")
    src, dst, t = np.asarray(ds.src)[keep], np.asarray(ds.dst)[keep], np.asarray(ds.t)[keep]
    user_node, u = np.unique(src, return_inverse=True)
    item_node, i = np.unique(dst, return_inverse=True)
    return make_interactions(u, i, user_node.size, item_node.size, times=t, name=ds.name,
                             extras={"user_node": user_node, "item_node": item_node,
                                     "min_rating": int(min_rating)})


def split_per_user(inter: Interactions, test_frac: float = 0.2, by_time: bool = False,
                   seed: int = 0) -> RecSplit:
    """Per-user holdout: of a user's ``n >= 2`` interactions, ``max(1, round(test_frac * n))``
    (at most ``n - 1``) go to test -- the latest by time (ties by file order) with ``by_time``, a
    seeded random subset otherwise. Users with one interaction keep it in training.

    Raises:
      ValueError: ``test_frac`` outside ``(0, 1)``, or ``by_time`` without timestamps.
    """
    if not 0.0 < test_frac < 1.0:
        raise ValueError(f"test_frac must lie in (0, 1), got {test_frac}")
    if by_time and inter.times is None:
        raise ValueError(f"by_time=True but dataset {inter.name!r} has no timestamps")
    rng = np.random.default_rng(seed)
    m = len(inter)
    # position of each interaction in its user's sequence (time order or random order)
    key2 = np.arange(m) if by_time else rng.permutation(m)  # interactions are already time-sorted
    order = np.lexsort((key2, inter.users))
    u_sorted = inter.users[order]
    starts = np.searchsorted(u_sorted, u_sorted, side="left")
    counts = np.bincount(inter.users, minlength=inter.num_users)
    n = counts[u_sorted]
    pos = np.arange(m) - starts
    n_test = np.where(n >= 2, np.clip(np.round(test_frac * n), 1, n - 1), 0).astype(np.int64)
    is_test = np.zeros(m, bool)
    is_test[order] = pos >= n - n_test  # the last n_test of each user's sequence

    def pairs(mask):
        uu, ii = inter.users[mask], inter.items[mask]
        o = np.lexsort((ii, uu))
        return uu[o].astype(np.int32), ii[o].astype(np.int32)

    tr_u, tr_i = pairs(~is_test)
    te_u, te_i = pairs(is_test)
    return RecSplit(name=inter.name, num_users=inter.num_users, num_items=inter.num_items,
                    train_users=tr_u, train_items=tr_i, test_users=te_u, test_items=te_i,
                    extras=dict(inter.extras, by_time=bool(by_time), test_frac=float(test_frac)))
