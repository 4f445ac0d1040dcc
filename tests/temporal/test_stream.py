"""Splits, negatives, batching and metrics of jaxgraph.temporal.stream against independent references."""
import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

import jaxgraph.data
from jaxgraph.data.core import TemporalDataset
from jaxgraph.temporal.stream import (
    EventBatch,
    HistoricalNegatives,
    chronological_split,
    eval_negatives,
    iterate_batches,
    link_metrics,
    num_batches,
    random_negatives,
)


@pytest.fixture(scope="module")
def uci():
    return jaxgraph.data.load("uci")


def _synthetic(m=400, n=12, seed=0, bipartite=False, ties=True):
    rng = np.random.default_rng(seed)
    if bipartite:
        src = rng.integers(0, n // 2, m)
        dst = rng.integers(n // 2, n, m)
    else:
        src = rng.integers(0, n, m)
        dst = rng.integers(0, n, m)
    t = np.sort(rng.integers(0, m // 3 if ties else 10**9, m)).astype(np.float64) + 1000.0
    return TemporalDataset(
        name="synthetic", src=src, dst=dst, t=t, edge_features=np.zeros((m, 0), np.float32),
        labels=None, num_nodes=n, bipartite=bipartite,
    )


# ----------------------------------------------------------------------------- split
def test_transductive_split_on_uci(uci):
    s = chronological_split(uci)
    t, m = uci.t, len(uci)
    # reference: the boundary is the number of events strictly before the quantile event's time
    q1, q2 = t[int(0.7 * m)], t[int(0.85 * m)]
    assert s.train_end == sum(1 for x in t if x < q1)
    assert s.val_end == sum(1 for x in t if x < q2)
    assert 0.69 * m < s.train_end <= 0.7 * m and 0.84 * m < s.val_end <= 0.85 * m
    # no timestamp shared across a boundary
    assert not set(t[: s.train_end]) & set(t[s.train_end : s.val_end])
    assert not set(t[s.train_end : s.val_end]) & set(t[s.val_end :])
    assert s.train_mask.sum() == s.train_end and s.train_mask[: s.train_end].all()
    assert s.val_mask.sum() == s.val_end - s.train_end and s.val_mask[s.train_end : s.val_end].all()
    assert s.test_mask.sum() == m - s.val_end and s.test_mask[s.val_end :].all()
    assert not s.new_nodes.any()
    train_nodes = set(uci.src[: s.train_end]) | set(uci.dst[: s.train_end])
    assert set(np.flatnonzero(~s.unseen)) == train_nodes
    assert s.t_rel.dtype == np.float32 and s.t_rel[0] == 0
    np.testing.assert_allclose(s.t_rel, uci.t - uci.t[0], rtol=1e-6)
    assert s.dst_pool.dtype == np.int32 and s.dst_pool.tolist() == list(range(uci.num_nodes))


def test_inductive_split_on_uci(uci):
    s = chronological_split(uci, setting="inductive", seed=3)
    src, dst = uci.src, uci.dst
    vt = set(src[s.train_end :]) | set(dst[s.train_end :])
    new = set(np.flatnonzero(s.new_nodes))
    assert len(new) == round(0.1 * len(vt)) and new <= vt
    kept = [i for i in range(s.train_end) if src[i] not in new and dst[i] not in new]
    assert np.flatnonzero(s.train_mask).tolist() == kept
    seen = set(src[kept]) | set(dst[kept])
    assert not new & seen
    assert set(np.flatnonzero(~s.unseen)) == seen
    for lo, hi, mk in ((s.train_end, s.val_end, s.val_mask), (s.val_end, len(uci), s.test_mask)):
        ref = [i for i in range(lo, hi) if src[i] not in seen or dst[i] not in seen]
        assert np.flatnonzero(mk).tolist() == ref and len(ref) > 0
    # the draw depends on the seed and is reproducible
    assert (chronological_split(uci, setting="inductive", seed=3).new_nodes == s.new_nodes).all()
    assert not (chronological_split(uci, setting="inductive", seed=4).new_nodes == s.new_nodes).all()


def test_bipartite_dst_pool():
    ds = _synthetic(bipartite=True)
    s = chronological_split(ds)
    assert s.dst_pool.tolist() == sorted(set(ds.dst.tolist()))
    neg = random_negatives(s, 1000, np.random.default_rng(0))
    assert neg.dtype == np.int32 and set(neg.tolist()) <= set(ds.dst.tolist())


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(setting="semi"), "setting"),
        (dict(val_frac=0.0), "val_frac"),
        (dict(test_frac=-0.1), "test_frac"),
        (dict(val_frac=0.5, test_frac=0.5), "val_frac \\+ test_frac"),
        (dict(new_node_frac=1.0), "new_node_frac"),
        (dict(val_frac=float("nan")), "val_frac"),
    ],
)
def test_split_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        chronological_split(_synthetic(), **kwargs)


def test_split_empty_range_raises():
    ds = _synthetic()
    ds.t[:] = 5.0  # one timestamp: train range empty
    with pytest.raises(ValueError, match="train range"):
        chronological_split(ds)
    ds2 = _synthetic(m=40, n=4)  # all val/test nodes seen, 0 new nodes -> nothing to score
    with pytest.raises(ValueError, match="no scored val"):
        chronological_split(ds2, setting="inductive", new_node_frac=0.0)


# ----------------------------------------------------------------------------- negatives
@pytest.mark.parametrize("setting", ["transductive", "inductive"])
def test_historical_negatives_brute_force(setting):
    ds = _synthetic(m=600, n=10, seed=1)
    s = chronological_split(ds, setting=setting, new_node_frac=0.3)
    hist_ok = s.train_mask | (np.arange(len(ds)) >= s.train_end)
    h = HistoricalNegatives(s)
    rng = np.random.default_rng(0)
    draws = np.stack([h.sample(np.arange(len(ds)), rng) for _ in range(30)])  # [30, M]
    assert draws.dtype == np.int32
    n_hist = 0
    for i in range(len(ds)):
        earlier = [ds.dst[j] for j in range(len(ds)) if hist_ok[j] and ds.src[j] == ds.src[i] and ds.t[j] < ds.t[i]]
        alt = [d for d in earlier if d != ds.dst[i]]
        if alt:
            n_hist += 1
            assert set(draws[:, i].tolist()) <= set(alt), i  # earlier destinations of the source, never dst_i
    assert n_hist > 300
    # uniform with multiplicity: one source's pooled draw frequencies match its history counts
    i = len(ds) - 1
    earlier = [ds.dst[j] for j in range(len(ds)) if hist_ok[j] and ds.src[j] == ds.src[i] and ds.t[j] < ds.t[i]]
    alt = np.array([d for d in earlier if d != ds.dst[i]])
    many = h.sample(np.full(20000, i), np.random.default_rng(1))
    expected = np.bincount(alt, minlength=ds.num_nodes) / len(alt)
    np.testing.assert_allclose(np.bincount(many, minlength=ds.num_nodes) / 20000, expected, atol=0.02)


def test_historical_negatives_fallback_and_rejection():
    # source 0 has 50 earlier events to node 1 and one to node 2; the query event is (0 -> 1).
    src = np.r_[np.zeros(60, np.int64), np.full(20, 4)]
    dst = np.array([1] * 25 + [2] + [1] * 25 + [3] * 8 + [1] + [3] * 20)
    t = np.r_[np.arange(60, dtype=np.float64), 200.0 + np.arange(20)]
    t[51:60] = 100.0  # events 51..58 (0 -> 3) share the query's time 100: not earlier
    ds = TemporalDataset(name="x", src=src, dst=dst, t=t, edge_features=np.zeros((80, 0), np.float32),
                         labels=None, num_nodes=5)
    s = chronological_split(ds, val_frac=0.1, test_frac=0.1)
    assert s.train_end == 64
    h = HistoricalNegatives(s)
    got = h.sample(np.full(500, 59), np.random.default_rng(0))
    assert (got == 2).all()  # node 3 is not earlier (same time), node 1 is dst_i: only node 2 remains
    # event 0 has no history: random fallback from the pool
    got0 = h.sample(np.zeros(2000, np.int64), np.random.default_rng(0))
    assert set(got0.tolist()) == set(range(5))
    # event 1 (0 -> 1 at t=1) has only dst_i in its history: random fallback
    assert len(set(h.sample(np.ones(2000, np.int64), np.random.default_rng(0)).tolist())) == 5
    with pytest.raises(ValueError, match="idx"):
        h.sample(np.array([80]), np.random.default_rng(0))


def test_historical_speed_and_eval_negatives(uci):
    import time

    s = chronological_split(uci)
    t0 = time.perf_counter()
    neg = HistoricalNegatives(s).sample(np.arange(len(uci)), np.random.default_rng(0))
    assert time.perf_counter() - t0 < 1.0
    assert neg.shape == (len(uci),)
    e1 = eval_negatives(s, "historical", seed=5)
    assert (e1 == eval_negatives(s, "historical", seed=5)).all()
    r = eval_negatives(s, "random", seed=5)
    assert r.dtype == np.int32 and r.shape == (len(uci),) and (r == eval_negatives(s, seed=5)).all()
    assert not (r == eval_negatives(s, seed=6)).all()
    with pytest.raises(ValueError, match="kind"):
        eval_negatives(s, "hard")


# ----------------------------------------------------------------------------- batching
@pytest.mark.parametrize("setting", ["transductive", "inductive"])
@pytest.mark.parametrize("bs", [1, 7, 64])
def test_batches_cover_phases(setting, bs):
    ds = _synthetic(m=300, n=30, seed=2)
    s = chronological_split(ds, setting=setting, new_node_frac=0.3)
    negs = eval_negatives(s, seed=1)
    ref = {
        "train": (np.flatnonzero(s.train_mask), None),
        "val": (np.arange(s.train_end, s.val_end), s.val_mask),
        "test": (np.arange(s.val_end, len(ds)), s.test_mask),
    }
    for phase, (events, smask) in ref.items():
        kw = dict(negatives=negs) if phase != "train" else dict(rng=np.random.default_rng(0))
        batches = list(iterate_batches(s, phase, bs, **kw))
        assert len(batches) == num_batches(s, phase, bs) == math.ceil(len(events) / bs)
        eids, scored = [], []
        for b in batches:
            d = b.as_dict()
            assert set(d) == {"src", "dst", "neg", "t", "eid", "mask", "score_mask"}
            for k in ("src", "dst", "neg", "eid"):
                assert d[k].dtype == np.int32 and d[k].shape == (bs,)
            assert d["t"].dtype == np.float32 and d["mask"].dtype == bool
            r = int(b.mask.sum())
            assert b.mask[:r].all() and not b.mask[r:].any()
            e = b.eid[:r]
            assert (b.src[:r] == ds.src[e]).all() and (b.dst[:r] == ds.dst[e]).all()
            assert (b.t[:r] == s.t_rel[e]).all()
            # padding rows
            assert (b.src[r:] == 0).all() and (b.dst[r:] == 0).all() and (b.neg[r:] == 0).all()
            assert (b.eid[r:] == 0).all() and (b.t[r:] == b.t[r - 1]).all() and not b.score_mask[r:].any()
            if phase == "train":
                assert (b.score_mask == b.mask).all()
            else:
                assert (b.neg[:r] == negs[e]).all()
            eids.extend(e.tolist())
            scored.extend(b.score_mask[:r].tolist())
        assert eids == events.tolist()  # each event once, in time order
        if smask is not None:
            assert scored == smask[events].tolist()


def test_train_negatives_modes():
    ds = _synthetic(m=300, n=30, seed=3, bipartite=True)
    s = chronological_split(ds)
    a = np.concatenate([b.neg for b in iterate_batches(s, "train", 50, rng=np.random.default_rng(0))])
    c = np.concatenate([b.neg for b in iterate_batches(s, "train", 50, rng=np.random.default_rng(1))])
    real = np.concatenate([b.mask for b in iterate_batches(s, "train", 50, rng=np.random.default_rng(0))])
    assert not (a == c).all() and set(a[real].tolist()) <= set(s.dst_pool.tolist())
    fixed = eval_negatives(s, "historical", seed=0)
    f = np.concatenate([b.neg[b.mask] for b in iterate_batches(s, "train", 50, negatives=fixed)])
    assert (f == fixed[: s.train_end]).all()
    h = HistoricalNegatives(s)
    hh = list(iterate_batches(s, "train", 50, rng=np.random.default_rng(0), neg_kind="historical", hist=h))
    rng = np.random.default_rng(0)
    for b in hh:
        assert (b.neg[b.mask] == h.sample(b.eid[b.mask], rng)).all()


def test_batch_validation():
    s = chronological_split(_synthetic())
    negs = eval_negatives(s)
    with pytest.raises(ValueError, match="batch_size"):
        iterate_batches(s, "val", 0, negatives=negs)
    with pytest.raises(ValueError, match="batch_size"):
        num_batches(s, "val", 2.5)
    with pytest.raises(ValueError, match="phase"):
        iterate_batches(s, "eval", 8, negatives=negs)
    with pytest.raises(ValueError, match="phase"):
        num_batches(s, "dev", 8)
    with pytest.raises(ValueError, match="negatives"):
        iterate_batches(s, "test", 8)
    with pytest.raises(ValueError, match="rng"):
        iterate_batches(s, "train", 8)
    with pytest.raises(ValueError, match="negatives must have shape"):
        iterate_batches(s, "val", 8, negatives=negs[:-1])
    with pytest.raises(ValueError, match="neg_kind"):
        iterate_batches(s, "train", 8, rng=np.random.default_rng(0), neg_kind="hard")
    with pytest.raises(ValueError, match="n must be"):
        random_negatives(s, -1, np.random.default_rng(0))
    assert isinstance(next(iter(iterate_batches(s, "val", 8, negatives=negs))), EventBatch)


# ----------------------------------------------------------------------------- metrics
def test_link_metrics_vs_sklearn():
    rng = np.random.default_rng(0)
    n = 500
    pos = rng.normal(0.5, 1, n).round(1)  # rounding creates ties
    neg = rng.normal(0.0, 1, n).round(1)
    bi = np.sort(rng.integers(0, 7, n)) * 3  # non-contiguous batch numbers
    out = link_metrics(pos, neg, bi)
    y = np.r_[np.ones(n), np.zeros(n)]
    s = np.r_[pos, neg]
    assert out["ap"] == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert out["auc"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    aps, aucs = [], []
    for g in np.unique(bi):
        sel = bi == g
        yy = np.r_[np.ones(sel.sum()), np.zeros(sel.sum())]
        ss = np.r_[pos[sel], neg[sel]]
        aps.append(average_precision_score(yy, ss))
        aucs.append(roc_auc_score(yy, ss))
    assert out["ap_batch_mean"] == pytest.approx(np.mean(aps), abs=1e-12)
    assert out["auc_batch_mean"] == pytest.approx(np.mean(aucs), abs=1e-12)
    assert out["ap_batch_mean"] != pytest.approx(out["ap"], abs=1e-6)
    assert set(link_metrics(pos, neg)) == {"ap", "auc"}
    with pytest.raises(ValueError, match="pos and neg"):
        link_metrics(pos, neg[:-1])
    with pytest.raises(ValueError, match="empty"):
        link_metrics([], [])
    with pytest.raises(ValueError, match="batch_index"):
        link_metrics(pos, neg, bi[:-1])
