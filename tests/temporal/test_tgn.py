"""TGN-style baseline: memory applied one batch late, "last" message aggregation, padding
invariance, gradients into the memory updater."""
import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.data.core import TemporalDataset
from jaxgraph.temporal import stream as S
from jaxgraph.temporal.tgn import TGN

SMALL = dict(memory_dim=8, time_dim=4, embed_dim=8, heads=1, num_neighbors=4, time_encoding="harmonic+log")


def _split(seed=0, n=16, m=200, d=2):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = (src + rng.integers(1, 4, m)) % n
    t = np.sort(rng.integers(0, 20 * m, m)).astype(np.float64)
    ds = TemporalDataset(name="synthetic", src=src.astype(np.int64), dst=dst.astype(np.int64), t=t,
                         edge_features=rng.normal(size=(m, d)).astype(np.float32), labels=None, num_nodes=n)
    return S.chronological_split(ds)


def _batches(split, b):
    neg = S.eval_negatives(split, seed=0)
    return [{k: jnp.asarray(v) for k, v in bt.as_dict().items()}
            for bt in S.iterate_batches(split, "train", b, negatives=neg)]


def test_memory_is_updated_one_batch_late():
    split = _split()
    model = TGN(**SMALL)
    bs = _batches(split, 10)
    params = model.init(jax.random.PRNGKey(0), split, bs[0])
    aux = {"edge_features": jnp.asarray(split.dataset.edge_features)}
    s0 = model.init_state(split)
    _, _, s1 = model.apply(params, s0, aux, bs[0], jax.random.PRNGKey(1), False)
    assert np.all(np.asarray(s1.memory) == 0)  # batch 0's messages are pending, not applied
    np.testing.assert_array_equal(np.asarray(s1.pend_src), np.asarray(bs[0]["src"]))
    _, _, s2 = model.apply(params, s1, aux, bs[1], jax.random.PRNGKey(2), False)
    touched = np.zeros(split.num_nodes, bool)
    touched[np.asarray(bs[0]["src"])] = True
    touched[np.asarray(bs[0]["dst"])] = True
    nz = np.abs(np.asarray(s2.memory)).sum(1) > 0
    np.testing.assert_array_equal(nz, touched)
    last = np.asarray(s2.last_t)
    t0 = np.asarray(bs[0]["t"])
    for u in np.flatnonzero(touched):  # last update time = time of u's latest batch-0 event
        ev = (np.asarray(bs[0]["src"]) == u) | (np.asarray(bs[0]["dst"]) == u)
        assert last[u] == t0[ev].max()
    assert np.all(last[~touched] == -1)


def test_last_message_aggregation():
    split = _split(seed=1)
    model = TGN(**SMALL)
    bs = _batches(split, 8)
    params = model.init(jax.random.PRNGKey(0), split, bs[0])
    net = model._net()
    ef = jnp.asarray(split.dataset.edge_features)
    mem = jax.random.normal(jax.random.PRNGKey(3), (split.num_nodes, SMALL["memory_dim"]))
    last_t = jnp.zeros((split.num_nodes,))
    src = jnp.array([1, 2, 1, 5], jnp.int32)
    dst = jnp.array([3, 4, 6, 7], jnp.int32)
    t = jnp.array([10.0, 11.0, 12.0, 13.0])
    eid = jnp.array([0, 1, 2, 3], jnp.int32)
    upd = lambda s, d, tt, e, m: net.apply({"params": params}, mem, last_t, ef, s, d, tt, e, m,  # noqa: E731
                                           method=lambda mod, *a: mod.update_memory(*a))
    full, lt = upd(src, dst, t, eid, jnp.ones(4, bool))
    only_last = upd(src[2:3], dst[2:3], t[2:3], eid[2:3], jnp.ones(1, bool))[0]
    np.testing.assert_allclose(np.asarray(full[1]), np.asarray(only_last[1]), rtol=1e-6)
    assert float(lt[1]) == 12.0
    # a masked-out pending event changes nothing
    masked, _ = upd(src, dst, t, eid, jnp.array([True, True, False, True]))
    np.testing.assert_allclose(np.asarray(masked[6]), np.asarray(mem[6]))


def test_padding_rows_change_nothing_and_gradients_reach_every_parameter():
    split = _split(seed=2)
    model = TGN(**SMALL)
    bs = _batches(split, 8)
    params = model.init(jax.random.PRNGKey(0), split, bs[0])
    aux = {"edge_features": jnp.asarray(split.dataset.edge_features)}
    pmodel = TGN(**SMALL)
    pparams = pmodel.init(jax.random.PRNGKey(0), split, {k: jnp.concatenate([v, v]) for k, v in bs[0].items()})
    s, sp = model.init_state(split), pmodel.init_state(split)
    step_m = jax.jit(lambda p, st, b: model.apply(p, st, aux, b, jax.random.PRNGKey(0), False))
    step_p = jax.jit(lambda p, st, b: pmodel.apply(p, st, aux, b, jax.random.PRNGKey(0), False))
    for b in bs[:6]:
        pad = {k: jnp.concatenate([v, jnp.zeros_like(v) + (3 if v.dtype == jnp.int32 else 0)]) for k, v in b.items()}
        pad["mask"] = jnp.concatenate([b["mask"], jnp.zeros_like(b["mask"])])
        pad["score_mask"] = pad["mask"]
        pos, neg, s = step_m(params, s, b)
        ppos, pneg, sp = step_p(pparams, sp, pad)
        np.testing.assert_allclose(np.asarray(ppos)[:8], np.asarray(pos), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np.asarray(pneg)[:8], np.asarray(neg), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(sp.memory), np.asarray(s.memory), rtol=1e-5, atol=1e-6)

    def loss(p):
        pos, neg, _ = model.apply(p, s, aux, bs[6], jax.random.PRNGKey(0), True)
        return jnp.mean(jax.nn.softplus(-pos)) + jnp.mean(jax.nn.softplus(neg))

    grads = jax.grad(loss)(params)
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        assert np.all(np.isfinite(np.asarray(g))), path
        assert np.abs(np.asarray(g)).max() > 0, path
