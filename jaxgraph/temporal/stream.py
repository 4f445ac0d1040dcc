"""Event-stream splits, negative sampling, batching and link-prediction metrics (host, numpy).

The evaluation protocol of temporal link prediction used by TGN (Rossi et al. 2020), CAWN
(Wang et al. 2021) and NAT (Luo & Li, "Neighborhood-aware Scalable Temporal Network
Representation Learning", LoG 2022):

* **Chronological split.** The event stream ``(src, dst, t)`` of ``M`` events (sorted by time) is
  cut by time into train / validation / test ranges at the ``1 - val_frac - test_frac`` and
  ``1 - test_frac`` quantiles of the events; the cut is moved left to the first event carrying
  the boundary timestamp, so no timestamp is shared across a boundary.
* **Transductive** setting: every train-range event is trained on and every val/test event is
  scored.
* **Inductive** setting: a seeded random ``new_node_frac`` of the nodes that appear in val/test
  events is masked out of training (train events touching them are removed); a node is *unseen*
  if it appears in no remaining training event, and only val/test events with at least one
  unseen endpoint are scored. All val/test events are still *processed* in time order (they
  update memories / neighbor buffers), as in the reference implementations.
* **Negatives.** Each positive event ``(s, d, t)`` is paired with a corrupted destination
  ``(s, d', t)``: uniform over the destination pool ("random"), or drawn from ``s``'s earlier
  destinations ("historical", in the spirit of Poursafaei et al., NeurIPS 2022 D&B). Evaluation
  uses negatives fixed once per split (:func:`eval_negatives`) so results are reproducible.
* **Metrics.** AP and ROC-AUC of positive vs negative scores, over the whole phase and as the mean
  of per-batch values (the reporting style of the TGN/CAWN/NAT code).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Iterator

import numpy as np

from jaxgraph.data.core import TemporalDataset
from jaxgraph.train.metrics import average_precision, roc_auc

__all__ = [
    "EventSplit",
    "chronological_split",
    "random_negatives",
    "HistoricalNegatives",
    "eval_negatives",
    "EventBatch",
    "iterate_batches",
    "num_batches",
    "link_metrics",
]

_SETTINGS = ("transductive", "inductive")
_PHASES = ("train", "val", "test")
_NEG_KINDS = ("random", "historical")


# ----------------------------------------------------------------------------- split
@dataclasses.dataclass(frozen=True)
class EventSplit:
    """A chronological train / val / test split of an event stream (see the module docstring).

    Attributes:
      dataset: the :class:`~jaxgraph.data.core.TemporalDataset` (``M`` events, ``N`` nodes).
      setting: ``"transductive"`` or ``"inductive"``.
      train_end, val_end: events ``[0, train_end)`` form the train range, ``[train_end, val_end)``
        the validation range and ``[val_end, M)`` the test range.
      new_nodes: bool ``[N]`` nodes masked out of training (inductive); all False if transductive.
      unseen: bool ``[N]`` nodes that appear in no ``train_mask`` event.
      train_mask: bool ``[M]`` train-range events used for training (inductive: those touching no
        ``new_nodes`` node); False outside the train range.
      val_mask: bool ``[M]`` val-range events that are scored (transductive: all of them;
        inductive: those with an unseen endpoint); False outside the val range.
      test_mask: bool ``[M]`` the same for the test range.
      t_rel: float32 ``[M]`` ``t - t[0]``.
      dst_pool: int32 sorted node ids random negatives are drawn from (bipartite: every node that is
        ever a destination; otherwise all nodes).
    """

    dataset: TemporalDataset
    setting: str
    train_end: int
    val_end: int
    new_nodes: np.ndarray
    unseen: np.ndarray
    train_mask: np.ndarray
    val_mask: np.ndarray
    test_mask: np.ndarray
    t_rel: np.ndarray
    dst_pool: np.ndarray

    @property
    def num_events(self) -> int:
        return len(self.dataset)

    @property
    def num_nodes(self) -> int:
        return int(self.dataset.num_nodes)


def _check_frac(name, v, lo_open=True):
    if not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {v!r}")
    if (v <= 0 if lo_open else v < 0) or v >= 1:
        interval = "(0, 1)" if lo_open else "[0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {v!r}")


def chronological_split(
    ds: TemporalDataset,
    *,
    setting: str = "transductive",
    val_frac: float = 0.15,
    test_frac: float = 0.15,
    new_node_frac: float = 0.1,
    seed: int = 0,
) -> EventSplit:
    """Splits an event stream by time for temporal link prediction (TGN / CAWN / NAT protocol).

    ``train_end = searchsorted(t, t[floor((1 - val_frac - test_frac) * M)], "left")`` and
    ``val_end = searchsorted(t, t[floor((1 - test_frac) * M)], "left")``: the boundaries are the
    first events carrying the quantile timestamps, so no timestamp is shared across a boundary.

    Inductive setting: ``new_nodes`` is a uniformly random subset (``np.random.default_rng(seed)``)
    of ``round(new_node_frac * V)`` of the ``V`` nodes appearing in val/test events; train-range
    events touching a new node are removed from ``train_mask``; ``unseen`` = nodes in no
    ``train_mask`` event; a val/test event is scored iff at least one endpoint is unseen.

    Args:
      ds: the event stream (``M`` events sorted by time).
      setting: ``"transductive"`` or ``"inductive"``.
      val_frac, test_frac: fractions of events in the val / test ranges, each in ``(0, 1)``, with
        ``val_frac + test_frac < 1``.
      new_node_frac: inductive only: fraction of the val/test nodes masked out of training, in
        ``[0, 1)``.
      seed: seed of the new-node draw.

    Returns:
      An :class:`EventSplit`.

    Raises:
      ValueError: on an unknown ``setting``, fractions out of range, a stream whose ``t`` is not
        non-decreasing, an empty train / val / test range (e.g. all boundary timestamps equal),
        or (inductive) a val / test range with no scored event.
    """
    if setting not in _SETTINGS:
        raise ValueError(f"setting must be one of {_SETTINGS}, got {setting!r}")
    _check_frac("val_frac", val_frac)
    _check_frac("test_frac", test_frac)
    _check_frac("new_node_frac", new_node_frac, lo_open=False)
    if val_frac + test_frac >= 1:
        raise ValueError(f"val_frac + test_frac must be < 1, got {val_frac} + {test_frac} = {val_frac + test_frac}")
    src = np.asarray(ds.src, np.int64)
    dst = np.asarray(ds.dst, np.int64)
    t = np.asarray(ds.t, np.float64)
    m, n = len(src), int(ds.num_nodes)
    if m == 0:
        raise ValueError(f"dataset {ds.name!r} has no events")
    if np.any(np.diff(t) < 0):
        raise ValueError(f"dataset {ds.name!r}: t must be non-decreasing")
    train_end = int(np.searchsorted(t, t[int(math.floor((1 - val_frac - test_frac) * m))], "left"))
    val_end = int(np.searchsorted(t, t[int(math.floor((1 - test_frac) * m))], "left"))
    for name, lo, hi in (("train", 0, train_end), ("val", train_end, val_end), ("test", val_end, m)):
        if hi <= lo:
            raise ValueError(
                f"the {name} range [{lo}, {hi}) is empty (val_frac={val_frac}, test_frac={test_frac}, "
                f"M={m}; equal timestamps cannot be split)"
            )
    idx = np.arange(m)
    in_train, in_val, in_test = idx < train_end, (idx >= train_end) & (idx < val_end), idx >= val_end
    new_nodes = np.zeros(n, bool)
    if setting == "inductive":
        vt_nodes = np.unique(np.concatenate([src[train_end:], dst[train_end:]]))
        n_new = int(round(new_node_frac * len(vt_nodes)))
        chosen = np.random.default_rng(seed).choice(vt_nodes, size=n_new, replace=False)
        new_nodes[chosen] = True
        train_mask = in_train & ~new_nodes[src] & ~new_nodes[dst]
    else:
        train_mask = in_train
    seen = np.zeros(n, bool)
    seen[src[train_mask]] = True
    seen[dst[train_mask]] = True
    unseen = ~seen
    if setting == "inductive":
        touches = unseen[src] | unseen[dst]
        val_mask, test_mask = in_val & touches, in_test & touches
        for name, mk in (("val", val_mask), ("test", test_mask)):
            if not mk.any():
                raise ValueError(
                    f"inductive split has no scored {name} event (no {name} event touches an unseen node; "
                    f"new_node_frac={new_node_frac})"
                )
    else:
        val_mask, test_mask = in_val, in_test
    if ds.bipartite:
        dst_pool = np.unique(dst).astype(np.int32)
    else:
        dst_pool = np.arange(n, dtype=np.int32)
    return EventSplit(
        dataset=ds,
        setting=setting,
        train_end=train_end,
        val_end=val_end,
        new_nodes=new_nodes,
        unseen=unseen,
        train_mask=train_mask,
        val_mask=val_mask,
        test_mask=test_mask,
        t_rel=(t - t[0]).astype(np.float32),
        dst_pool=dst_pool,
    )


# ----------------------------------------------------------------------------- negatives
def random_negatives(split: EventSplit, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` destinations drawn uniformly (with replacement) from ``split.dst_pool``.

    Args:
      split: the split.
      n: number of negatives, ``>= 0``.
      rng: a ``numpy.random.Generator``.

    Returns:
      int32 ``[n]`` node ids.

    Raises:
      ValueError: if ``n < 0``.
    """
    if int(n) < 0:
        raise ValueError(f"n must be >= 0, got {n!r}")
    pool = split.dst_pool
    return pool[rng.integers(0, len(pool), int(n))].astype(np.int32)


class HistoricalNegatives:
    """Historical negative sampling with a fixed source (in the spirit of Poursafaei et al. 2022).

    For event ``i = (s, d_i, t_i)`` the negative destination is drawn uniformly, with
    multiplicity, among the destinations ``d_j`` of the *history* events ``j`` with source
    ``src_j == s`` and ``t_j < t_i`` (strictly earlier; equal timestamps are not history),
    excluding ``d_j == d_i``. If no such destination other than ``d_i`` exists the negative is a
    random one (:func:`random_negatives`, which may equal ``d_i``).

    The history is the set of events a model processes: the ``train_mask`` events plus every
    val/test event. (Transductive: all events. Inductive: train-range events touching a new node
    are excluded, so a new node never becomes a historical negative of a training event through a
    removed event.) Interactions are directed: only events where ``s`` is the source count, which
    keeps negatives on the destination side of bipartite graphs.

    Sampling is vectorised: the history is sorted by ``(src, time)``; the number of eligible
    events is found with ``searchsorted``; up to 8 rejection rounds remove draws equal to ``d_i``;
    the rare rows still rejected after that are resolved exactly, one at a time.

    Args:
      split: an :class:`EventSplit` (built once per split, ``O(M log M)``).
    """

    _ROUNDS = 8

    def __init__(self, split: EventSplit):
        self.split = split
        ds = split.dataset
        m = len(ds)
        self._src = np.asarray(ds.src, np.int64)
        self._dst = np.asarray(ds.dst, np.int64)
        t = np.asarray(ds.t, np.float64)
        _, trank = np.unique(t, return_inverse=True)  # dense time rank: t_j < t_i <=> rank_j < rank_i
        self._trank = trank.astype(np.int64)
        self._span = int(self._trank.max()) + 2
        hist = split.train_mask | (np.arange(m) >= split.train_end)
        h = np.flatnonzero(hist)
        key = self._src[h] * self._span + self._trank[h]  # events are time-sorted, so key order is (src, t)
        order = np.argsort(key, kind="stable")
        self._hkey = key[order]
        self._hdst = self._dst[h][order]
        # Same with the destination in the key, to count history events (s, d_i) before t_i.
        n = int(ds.num_nodes)
        key2 = (self._src[h] * n + self._dst[h]) * self._span + self._trank[h]
        self._hkey2 = np.sort(key2)
        self._n = n

    def sample(self, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Historical negatives for events ``idx``.

        Args:
          idx: int ``[B]`` global event indices.
          rng: a ``numpy.random.Generator``.

        Returns:
          int32 ``[B]`` negative destination ids.

        Raises:
          ValueError: if an index is out of ``[0, M)``.
        """
        idx = np.asarray(idx, np.int64).reshape(-1)
        m = len(self._src)
        if idx.size and (idx.min() < 0 or idx.max() >= m):
            raise ValueError(f"idx must lie in [0, {m}), got values in [{idx.min()}, {idx.max()}]")
        s, d, r = self._src[idx], self._dst[idx], self._trank[idx]
        lo = np.searchsorted(self._hkey, s * self._span, "left")
        hi = np.searchsorted(self._hkey, s * self._span + r, "left")
        c = hi - lo
        k2 = (s * self._n + d) * self._span
        same = np.searchsorted(self._hkey2, k2 + r, "left") - np.searchsorted(self._hkey2, k2, "left")
        out = random_negatives(self.split, len(idx), rng).astype(np.int64)
        todo = np.flatnonzero(c - same > 0)  # rows with an alternative to d_i
        for _ in range(self._ROUNDS):
            if todo.size == 0:
                break
            pick = lo[todo] + np.minimum((rng.random(todo.size) * c[todo]).astype(np.int64), c[todo] - 1)
            cand = self._hdst[pick]
            ok = cand != d[todo]
            out[todo[ok]] = cand[ok]
            todo = todo[~ok]
        for i in todo:  # exact draw among the alternatives (rare)
            seg = self._hdst[lo[i] : hi[i]]
            alt = seg[seg != d[i]]
            out[i] = alt[rng.integers(0, len(alt))]
        return out.astype(np.int32)


def eval_negatives(split: EventSplit, kind: str = "random", seed: int = 0) -> np.ndarray:
    """Fixed negatives for every event, for reproducible validation / test.

    Args:
      split: the split.
      kind: ``"random"`` (:func:`random_negatives`) or ``"historical"`` (:class:`HistoricalNegatives`).
      seed: seed of ``np.random.default_rng``.

    Returns:
      int32 ``[M]``: the negative destination of each event.

    Raises:
      ValueError: on an unknown ``kind``.
    """
    if kind not in _NEG_KINDS:
        raise ValueError(f"kind must be one of {_NEG_KINDS}, got {kind!r}")
    rng = np.random.default_rng(seed)
    m = split.num_events
    if kind == "random":
        return random_negatives(split, m, rng)
    return HistoricalNegatives(split).sample(np.arange(m), rng)


# ----------------------------------------------------------------------------- batching
@dataclasses.dataclass
class EventBatch:
    """One padded batch of ``B`` events (see :mod:`jaxgraph.temporal.base`).

    Attributes:
      src, dst, neg: int32 ``[B]`` source, destination and negative destination.
      t: float32 ``[B]`` event times (``split.t_rel``).
      eid: int32 ``[B]`` global event index.
      mask: bool ``[B]`` real events (processed; they update the model state).
      score_mask: bool ``[B]`` events counted in the loss / metrics (a subset of ``mask``).

    Padding rows have ``mask = score_mask = False``, ``src = dst = neg = eid = 0`` and ``t`` equal
    to the last real time of the batch.
    """

    src: np.ndarray
    dst: np.ndarray
    neg: np.ndarray
    t: np.ndarray
    eid: np.ndarray
    mask: np.ndarray
    score_mask: np.ndarray

    def as_dict(self) -> dict:
        """The batch dict of :mod:`jaxgraph.temporal.base` plus ``"score_mask"`` (numpy arrays,
        which jitted functions accept directly)."""
        return {
            "src": self.src,
            "dst": self.dst,
            "neg": self.neg,
            "t": self.t,
            "eid": self.eid,
            "mask": self.mask,
            "score_mask": self.score_mask,
        }

    def __len__(self) -> int:
        return int(self.src.shape[0])


def _phase_events(split: EventSplit, phase: str):
    if phase not in _PHASES:
        raise ValueError(f"phase must be one of {_PHASES}, got {phase!r}")
    if phase == "train":
        idx = np.flatnonzero(split.train_mask)
        return idx, np.ones(len(idx), bool)
    lo, hi, mk = (
        (split.train_end, split.val_end, split.val_mask)
        if phase == "val"
        else (split.val_end, split.num_events, split.test_mask)
    )
    idx = np.arange(lo, hi)
    return idx, mk[idx]


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    return int(batch_size)


def num_batches(split: EventSplit, phase: str, batch_size: int) -> int:
    """Number of batches :func:`iterate_batches` yields: ``ceil(events of the phase / batch_size)``.

    Raises:
      ValueError: on an unknown ``phase`` or ``batch_size < 1``.
    """
    b = _check_batch_size(batch_size)
    idx, _ = _phase_events(split, phase)
    return -(-len(idx) // b)


def iterate_batches(
    split: EventSplit,
    phase: str,
    batch_size: int,
    *,
    negatives: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    neg_kind: str = "random",
    hist: HistoricalNegatives | None = None,
) -> Iterator[EventBatch]:
    """Yields the events of a phase in time order, in padded batches of ``batch_size``.

    * ``"train"``: the ``train_mask`` events; ``score_mask = mask``. Negatives are ``negatives[eid]``
      if ``negatives`` is given, else drawn fresh per batch with ``rng``: uniform from
      ``split.dst_pool`` (``neg_kind="random"``) or historical (``neg_kind="historical"``, using
      ``hist``, built from ``split`` if None).
    * ``"val"`` / ``"test"``: *every* event of ``[train_end, val_end)`` / ``[val_end, M)`` is
      processed (``mask``); ``score_mask`` is ``val_mask`` / ``test_mask``. ``negatives`` (``[M]``,
      from :func:`eval_negatives`) is required.

    The last batch is padded to ``batch_size`` (see :class:`EventBatch`).

    Args:
      split: the split.
      phase: ``"train"``, ``"val"`` or ``"test"``.
      batch_size: ``B >= 1``.
      negatives: optional (required for val/test) int ``[M]`` negative of every event.
      rng: ``numpy.random.Generator`` for fresh train negatives.
      neg_kind: ``"random"`` or ``"historical"`` (train without ``negatives`` only).
      hist: a prebuilt :class:`HistoricalNegatives` for ``split``.

    Yields:
      :class:`EventBatch` objects.

    Raises:
      ValueError: on an unknown ``phase`` or ``neg_kind``, ``batch_size < 1``, missing
        ``negatives`` (val/test) or ``rng`` (train without ``negatives``), or ``negatives`` of the
        wrong shape.
    """
    b = _check_batch_size(batch_size)
    idx, score = _phase_events(split, phase)
    if neg_kind not in _NEG_KINDS:
        raise ValueError(f"neg_kind must be one of {_NEG_KINDS}, got {neg_kind!r}")
    m = split.num_events
    if negatives is not None:
        negatives = np.asarray(negatives)
        if negatives.shape != (m,):
            raise ValueError(f"negatives must have shape ({m},), got {negatives.shape}")
    elif phase != "train":
        raise ValueError(f"phase {phase!r} needs fixed negatives (negatives=eval_negatives(split)), got None")
    elif rng is None:
        raise ValueError("phase 'train' without negatives needs rng (a numpy Generator), got None")
    elif neg_kind == "historical" and hist is None:
        hist = HistoricalNegatives(split)
    ds = split.dataset
    return _batches(split, ds, idx, score, b, negatives, rng, neg_kind, hist)


def _batches(split, ds, idx, score, b, negatives, rng, neg_kind, hist):
    for start in range(0, len(idx), b):
        e = idx[start : start + b]
        r = len(e)
        if negatives is not None:
            neg = negatives[e]
        elif neg_kind == "historical":
            neg = hist.sample(e, rng)
        else:
            neg = random_negatives(split, r, rng)
        pad = b - r

        def padded(x, dtype, fill=0):
            out = np.full(b, fill, dtype)
            out[:r] = x
            return out

        t = split.t_rel[e]
        yield EventBatch(
            src=padded(ds.src[e], np.int32),
            dst=padded(ds.dst[e], np.int32),
            neg=padded(neg, np.int32),
            t=padded(t, np.float32, t[-1] if pad else 0),
            eid=padded(e, np.int32),
            mask=padded(True, bool, False),
            score_mask=padded(score[start : start + b], bool, False),
        )


# ----------------------------------------------------------------------------- metrics
def link_metrics(pos, neg, batch_index=None) -> dict:
    """AP and ROC-AUC of positive vs negative link scores.

    Args:
      pos: float ``[n]`` scores of the scored positive events.
      neg: float ``[n]`` scores of their negatives.
      batch_index: optional int ``[n]`` batch number of each event.

    Returns:
      ``{"ap", "auc"}`` over all ``2n`` scores (positives labelled 1, negatives 0), plus, when
      ``batch_index`` is given, ``"ap_batch_mean"`` and ``"auc_batch_mean"``: the mean over the
      batches present in ``batch_index`` of the per-batch AP / AUC (as reported by the TGN, CAWN and
      NAT code; batches without a scored event do not appear and are skipped).

    Raises:
      ValueError: if ``pos`` / ``neg`` / ``batch_index`` are not 1-D of one length ``n >= 1``.
    """
    pos = np.asarray(pos, np.float64)
    neg = np.asarray(neg, np.float64)
    if pos.ndim != 1 or neg.ndim != 1 or pos.shape != neg.shape:
        raise ValueError(f"pos and neg must be 1-D of equal length, got shapes {pos.shape} and {neg.shape}")
    if pos.size == 0:
        raise ValueError("pos and neg are empty: no scored event")

    def ap_auc(p, q):
        s = np.concatenate([p, q])
        y = np.concatenate([np.ones(len(p), bool), np.zeros(len(q), bool)])
        return average_precision(s, y), roc_auc(s, y)

    ap, auc = ap_auc(pos, neg)
    out = {"ap": ap, "auc": auc}
    if batch_index is not None:
        bi = np.asarray(batch_index)
        if bi.shape != pos.shape:
            raise ValueError(f"batch_index must have shape {pos.shape}, got {bi.shape}")
        aps, aucs = [], []
        for g in np.unique(bi):
            sel = bi == g
            a, u = ap_auc(pos[sel], neg[sel])
            aps.append(a)
            aucs.append(u)
        out["ap_batch_mean"] = float(np.mean(aps))
        out["auc_batch_mean"] = float(np.mean(aucs))
    return out
