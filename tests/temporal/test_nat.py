"""NAT (Luo & Li 2022): joint structural features against brute force, N-cache semantics against
the event history, padding invariance, gradients, and learning a triadic-closure stream."""
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgraph.data.core import TemporalDataset
from jaxgraph.temporal import stream as S
from jaxgraph.temporal.nat import NAT, joint_structural_features
from jaxgraph.temporal.ncache import ncache_fetch
from jaxgraph.temporal.train import TrainConfig, fit_and_evaluate

SMALL = dict(m1=8, m2=4, self_dim=8, ngh_dim=4, pos_dim=4, heads=1, hidden=8, impl="xla")


def test_joint_features_match_brute_force():
    rng = np.random.default_rng(0)
    p, e, f = 7, 9, 3
    hops = np.array([0, 1, 1, 1, 1, 2, 2, 2, 2], np.int32)
    ka = rng.integers(-1, 8, (p, e)).astype(np.int32)
    kb = rng.integers(-1, 8, (p, e)).astype(np.int32)
    for k in (ka, kb):  # a dictionary holds a key at most once per hop
        for i in range(p):
            for h in (1, 2):
                idx = np.flatnonzero(hops == h)
                seen = set()
                for j in idx:
                    if k[i, j] in seen:
                        k[i, j] = -1
                    seen.add(k[i, j])
    ra = rng.normal(size=(p, e, f)).astype(np.float32)
    rb = rng.normal(size=(p, e, f)).astype(np.float32)
    rep, code, first = map(np.asarray, joint_structural_features(jnp.asarray(ka), jnp.asarray(ra), jnp.asarray(kb),
                                                                 jnp.asarray(rb), jnp.asarray(hops)))
    for i in range(p):
        keys = list(ka[i]) + list(kb[i])
        reps = list(ra[i]) + list(rb[i])
        bits = [1 << int(h) for h in hops] + [1 << (int(h) + 3) for h in hops]
        sums, codes, firsts = {}, {}, {}
        for j, k in enumerate(keys):
            if k < 0:
                continue
            sums[k] = sums.get(k, 0) + reps[j]
            codes[k] = codes.get(k, 0) | bits[j]
            firsts.setdefault(k, j)
        for j, k in enumerate(keys):
            if k < 0:
                assert not first[i, j] and code[i, j] == 0 and np.all(rep[i, j] == 0)
                continue
            np.testing.assert_allclose(rep[i, j], sums[k], rtol=1e-5, atol=1e-6)
            assert code[i, j] == codes[k]
            assert first[i, j] == (firsts[k] == j)


def _stream(seed=0, n=20, m=240, d=3, triadic=False):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = (src + rng.integers(1, 4, m)) % n
    if triadic:  # communities of 5: links only inside a community
        src = rng.integers(0, n, m)
        dst = (src // 5) * 5 + (src % 5 + rng.integers(1, 5, m)) % 5
    t = np.sort(rng.integers(0, 50 * m, m)).astype(np.float64)
    ef = rng.normal(size=(m, d)).astype(np.float32)
    return TemporalDataset(name="synthetic", src=src.astype(np.int64), dst=dst.astype(np.int64), t=t,
                           edge_features=ef, labels=None, num_nodes=n)


def _run_train_stream(model, split, b, params=None):
    aux = {"edge_features": jnp.asarray(split.dataset.edge_features)}
    negatives = S.eval_negatives(split, seed=1)
    batches = [{k: jnp.asarray(v) for k, v in bt.as_dict().items()}
               for bt in S.iterate_batches(split, "train", b, negatives=negatives)]
    if params is None:
        params = model.init(jax.random.PRNGKey(0), split, batches[0])
    state = model.init_state(split)
    step = jax.jit(lambda p, s, bt, k: model.apply(p, s, aux, bt, k, False))
    outs = []
    for i, bt in enumerate(batches):
        pos, neg, state = step(params, state, bt, jax.random.PRNGKey(i))
        outs.append((np.asarray(pos), np.asarray(neg)))
    return params, state, outs, batches


def test_ncache_contents_follow_the_event_history():
    ds = _stream()
    split = S.chronological_split(ds)
    model = NAT(**{**SMALL, "m1": 16, "m2": 16, "replace_prob": 1.0})
    _, state, _, _ = _run_train_stream(model, split, 12)
    m_end = split.train_end
    src, dst = ds.src[:m_end], ds.dst[:m_end]
    nbrs = {u: set() for u in range(ds.num_nodes)}
    last = {}
    for i, (u, v) in enumerate(zip(src, dst)):
        nbrs[u].add(v), nbrs[v].add(u)
        last[u], last[v] = (v, i), (u, i)
    nodes = jnp.arange(ds.num_nodes, dtype=jnp.int32)
    k1 = np.asarray(ncache_fetch(state.caches[1], nodes, slots=16)[0])
    k2 = np.asarray(ncache_fetch(state.caches[2], nodes, slots=16)[0])
    e1 = np.asarray(ncache_fetch(state.caches[1], nodes, slots=16)[2])
    two_hop = {u: set().union(*[nbrs[v] for v in nbrs[u]]) if nbrs[u] else set() for u in nbrs}
    for u in range(ds.num_nodes):
        keys1 = set(k1[u][k1[u] >= 0].tolist())
        assert keys1 <= nbrs[u], u
        assert set(k2[u][k2[u] >= 0].tolist()) <= two_hop[u], u
        if u in last:
            v, i = last[u]
            assert v in keys1  # alpha = 1: the latest neighbor is always cached
            assert e1[u][k1[u] == v][0] == i
            assert int(state.prev_opp[u]) == v and int(state.prev_eid[u]) == i
        else:
            assert int(state.prev_opp[u]) == -1
    assert sum(len(set(k2[u][k2[u] >= 0].tolist())) for u in range(ds.num_nodes)) > 0


def test_padding_rows_change_nothing():
    ds = _stream(seed=3)
    split = S.chronological_split(ds)
    model = NAT(**SMALL)
    params, state8, outs8, _ = _run_train_stream(model, split, 8)
    # the same events in batches of 8 real + 8 padding rows
    aux = {"edge_features": jnp.asarray(ds.edge_features)}
    state = model.init_state(split)
    negatives = S.eval_negatives(split, seed=1)
    step = jax.jit(lambda p, s, bt, k: model.apply(p, s, aux, bt, k, False))
    for i, bt in enumerate(S.iterate_batches(split, "train", 8, negatives=negatives)):
        d = bt.as_dict()
        pad = {k: np.concatenate([v, v[:8] * 0 if v.dtype != bool else np.zeros(8, bool)]) for k, v in d.items()}
        pad["src"][8:], pad["dst"][8:], pad["neg"][8:] = 3, 4, 5  # garbage ids in padding rows
        pos, neg, state = step(params, state, {k: jnp.asarray(v) for k, v in pad.items()}, jax.random.PRNGKey(i))
        real = d["mask"]
        np.testing.assert_allclose(np.asarray(pos)[:8][real], outs8[i][0][real], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np.asarray(neg)[:8][real], outs8[i][1][real], rtol=1e-5, atol=1e-6)
    for a, b in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(state8)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_gradients_reach_every_parameter():
    ds = _stream(seed=4)
    split = S.chronological_split(ds)
    model = NAT(**SMALL)
    params, state, _, batches = _run_train_stream(model, split, 16)
    aux = {"edge_features": jnp.asarray(ds.edge_features)}

    def loss(p):
        pos, neg, _ = model.apply(p, state, aux, batches[2], jax.random.PRNGKey(0), True)
        return optax.sigmoid_binary_cross_entropy(pos, 1.0).mean() + optax.sigmoid_binary_cross_entropy(neg, 0.0).mean()

    # state after the whole train stream: every cache and self representation is populated
    grads = jax.grad(loss)(params)
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        g = np.asarray(g)
        assert np.all(np.isfinite(g)), path
        assert np.abs(g).max() > 0, path


def test_rejects_bad_hyperparameters():
    with pytest.raises(ValueError, match="replace_prob"):
        NAT(replace_prob=1.5)
    with pytest.raises(ValueError, match="m1"):
        NAT(m1=0)


def test_nat_learns_community_links():
    ds = _stream(seed=5, n=40, m=1600, triadic=True)
    split = S.chronological_split(ds)
    res = fit_and_evaluate(NAT(**{**SMALL, "m1": 8, "m2": 8}), split,
                           TrainConfig(epochs=2, batch_size=50, lr=3e-3, progress=False), log=lambda *_: None)
    assert res["test"]["ap"] > 0.85, res["test"]


def test_pallas_ncache_path_gives_the_same_model():
    """NAT with the N-cache Pallas kernels (interpret mode on CPU) = NAT with the XLA path."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the top-level `kernels` package
    ds = _stream(seed=6, m=120)
    split = S.chronological_split(ds)
    cfg = {**SMALL, "m1": 4, "m2": 4}
    params, sx, ox, _ = _run_train_stream(NAT(**cfg), split, 16)
    _, sp, op, _ = _run_train_stream(NAT(**{**cfg, "impl": "pallas"}), split, 16, params=params)
    for a, b in zip(ox, op):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    for a, b in zip(jax.tree_util.tree_leaves(sx), jax.tree_util.tree_leaves(sp)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
