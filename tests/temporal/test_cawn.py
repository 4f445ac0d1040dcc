"""CAWN-style baseline: walk sampling, causal anonymization, leakage, training (< 40 s)."""
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgraph.temporal.cawn import CAWN, TemporalWalks, anonymize_counts, sample_temporal_walks
from jaxgraph.temporal.neighbors import init_neighbor_buffer, recent_neighbors, update_neighbor_buffer


# ---------------------------------------------------------------------------------------------
# helpers
def _split(num_nodes, edge_features):
    return SimpleNamespace(dataset=SimpleNamespace(num_nodes=num_nodes, edge_features=edge_features))


def _random_stream(rng, n_nodes, n_events, tie_every=3):
    src = rng.integers(0, n_nodes, n_events)
    dst = (src + rng.integers(1, n_nodes, n_events)) % n_nodes
    t = np.floor(np.arange(n_events) / tie_every).astype(np.float32) * 10.0  # ties inside batches
    return src.astype(np.int32), dst.astype(np.int32), t


def _batches(src, dst, t, neg, bs):
    """Consecutive padded batches (last one padded with mask False)."""
    out = []
    m = len(src)
    for s in range(0, m, bs):
        idx = np.arange(s, s + bs)
        real = idx < m
        idx_c = np.minimum(idx, m - 1)
        out.append(dict(
            src=jnp.asarray(np.where(real, src[idx_c], 0), jnp.int32),
            dst=jnp.asarray(np.where(real, dst[idx_c], 0), jnp.int32),
            neg=jnp.asarray(np.where(real, neg[idx_c], 0), jnp.int32),
            t=jnp.asarray(np.where(real, t[idx_c], t[m - 1]), jnp.float32),
            eid=jnp.asarray(np.where(real, idx, 0), jnp.int32),
            mask=jnp.asarray(real),
        ))
    return out


_apply = jax.jit(CAWN.apply, static_argnums=(0, 6))  # (model, params, state, aux, batch, key, train)
_sample_walks = jax.jit(CAWN.sample_walks, static_argnums=0)
_update = jax.jit(update_neighbor_buffer)
_recent = jax.jit(recent_neighbors)


def _run_stream(model, params, split, aux, batches, seed=0, train=False):
    state = model.init_state(split)
    pos, neg, states = [], [], [state]
    for i, b in enumerate(batches):
        p, n, state = _apply(model, params, state, aux, b, jax.random.PRNGKey(seed + i), train)
        pos.append(np.asarray(p))
        neg.append(np.asarray(n))
        states.append(state)
    return pos, neg, states


SMALL = dict(num_walks=4, walk_len=2, buffer_size=4, theta=0.05, anon_dim=8, time_dim=8, hidden_dim=8, dropout=0.1,
             time_encoding="harmonic+log")


# ---------------------------------------------------------------------------------------------
def test_anonymize_counts_bruteforce():
    rng = np.random.default_rng(0)
    q, w, p = 3, 5, 3

    def rand_walks():
        node = rng.integers(0, 5, (q, w, p)).astype(np.int32)
        node[:, :, 0] = rng.integers(0, 5, (q, 1))  # all walks of a query start at the query node
        length = rng.integers(1, p + 1, (q, w))
        valid = np.arange(p)[None, None, :] < length[..., None]
        node = np.where(valid, node, -1)  # padding as produced by the sampler
        return TemporalWalks(jnp.asarray(node), jnp.zeros((q, w, p)), jnp.full((q, w, p), -1), jnp.asarray(valid))

    wu, wv = rand_walks(), rand_walks()
    cu, cv = anonymize_counts(wu, wv)
    assert cu.shape == (q, w, p, 2 * p) and cv.shape == (q, w, p, 2 * p)
    nu, vu, nv, vv = (np.asarray(a) for a in (wu.node, wu.valid, wv.node, wv.valid))

    def g(a, nodes, valid):
        return [sum(1 for ww in range(w) if valid[ww, l] and nodes[ww, l] == a) for l in range(p)]

    for b in range(q):
        for own_n, own_v, c in ((nu, vu, cu), (nv, vv, cv)):
            for ww in range(w):
                for pos in range(p):
                    got = np.asarray(c[b, ww, pos])
                    if not own_v[b, ww, pos]:
                        assert (got == 0).all()
                        continue
                    a = own_n[b, ww, pos]
                    want = g(a, nu[b], vu[b]) + g(a, nv[b], vv[b])
                    np.testing.assert_array_equal(got, want)
    # the query node sits at position 0 of all W of its own walks
    assert (np.asarray(cu[:, :, 0, 0]) >= w).all()


def test_walks_are_causal_and_real_buffer_entries():
    rng = np.random.default_rng(1)
    n, m, bs, k = 10, 80, 10, 4
    src, dst, t = _random_stream(rng, n, m)
    batches = _batches(src, dst, t, dst, bs)
    buf = init_neighbor_buffer(n, k)
    sample = jax.jit(lambda b, nodes, t0, key: sample_temporal_walks(b, nodes, t0, key, 16, 3, 0.01))
    checked_steps = 0
    for bi, b in enumerate(batches):
        nodes = jnp.concatenate([b["src"], b["dst"]])
        t0 = jnp.tile(b["t"], 2)
        wk = jax.tree_util.tree_map(np.asarray, sample(buf, nodes, t0, jax.random.PRNGKey(bi)))
        rn, rt, re, rv = (np.asarray(a) for a in _recent(buf, jnp.arange(n)))
        assert (wk.valid[..., 0]).all()
        assert (np.diff(wk.valid.astype(int), axis=-1) <= 0).all()  # valid positions are a prefix
        first_eid = bi * bs
        for l in range(wk.node.shape[2] - 1):
            here, nxt = wk.valid[..., l], wk.valid[..., l + 1]
            x, tau = np.where(here, wk.node[..., l], 0), wk.t[..., l]
            earlier = rv[x] & (rt[x] < tau[..., None]) & here[..., None]  # [Q, W, K]
            np.testing.assert_array_equal(nxt, earlier.any(-1))  # stops iff no continuation exists
            y, ty, e = wk.node[..., l + 1][nxt], wk.t[..., l + 1][nxt], wk.eid[..., l + 1][nxt]
            assert (ty < tau[nxt]).all()
            assert (e >= 0).all() and (e < first_eid).all()  # never an event of this or a later batch
            ends = np.sort(np.stack([src[e], dst[e]], -1), -1)
            np.testing.assert_array_equal(ends, np.sort(np.stack([x[nxt], y], -1), -1))
            np.testing.assert_array_equal(t[e], ty)
            hit = earlier[nxt] & (rn[x[nxt]] == y[:, None]) & (rt[x[nxt]] == ty[:, None]) & (re[x[nxt]] == e[:, None])
            assert hit.any(-1).all()  # a real buffer entry of the previous node
            checked_steps += int(nxt.sum())
        buf = _update(buf, b["src"], b["dst"], b["t"], b["eid"], b["mask"])
    assert checked_steps > 500


def test_sampling_frequencies_follow_exp_theta_dt():
    theta = 0.7
    buf = init_neighbor_buffer(6, 8)
    nb = np.array([1, 2, 3, 4], np.int32)
    times = np.array([0.0, 1.0, 2.0, 3.0], np.float32)
    buf = update_neighbor_buffer(buf, jnp.zeros(4, jnp.int32), jnp.asarray(nb), jnp.asarray(times),
                                 jnp.arange(4, dtype=jnp.int32), jnp.ones(4, bool))
    w = 20000
    for tq, n_opts in ((4.0, 4), (3.0, 3)):  # at t=3 the neighbor at t=3 is not strictly earlier
        wk = jax.jit(sample_temporal_walks, static_argnums=(4, 5, 6))(
            buf, jnp.array([0], jnp.int32), jnp.array([tq]), jax.random.PRNGKey(3), w, 1, theta)
        assert np.asarray(wk.valid[0, :, 1]).all()
        got = np.bincount(np.asarray(wk.node[0, :, 1]), minlength=6)[1:5]
        p = np.exp(theta * (times - tq)) * (times < tq)
        p = p / p.sum()
        assert (got[n_opts:] == 0).all()
        exp = p[:n_opts] * w
        chi2 = float((((got[:n_opts] - exp) ** 2) / exp).sum())
        assert chi2 < 20.0, (got, exp, chi2)  # df <= 3: p-value ~ 2e-4


def _leak_setup(seed=2):
    rng = np.random.default_rng(seed)
    n, m, bs, d = 12, 64, 8, 3
    src, dst, t = _random_stream(rng, n, m)
    neg = rng.integers(0, n, m).astype(np.int32)
    ef = rng.normal(size=(m, d)).astype(np.float32)
    model = CAWN(**SMALL)
    split = _split(n, ef)
    batches = _batches(src, dst, t, neg, bs)
    params = model.init(jax.random.PRNGKey(0), split, batches[0])
    return model, params, split, (src, dst, t, neg, ef), batches, bs


def test_no_leakage_from_later_batches_or_same_batch():
    model, params, split, (src, dst, t, neg, ef), batches, bs = _leak_setup()
    pos0, neg0, states = _run_stream(model, params, split, {"edge_features": jnp.asarray(ef)}, batches)
    assert all(np.isfinite(p).all() for p in pos0)
    for bi in range(1, len(batches)):  # the walks apply uses only see events of earlier batches
        walks = _sample_walks(model, states[bi], batches[bi], jax.random.PRNGKey(bi))
        eids = np.concatenate([np.asarray(w.eid)[np.asarray(w.valid)] for w in walks])
        assert eids.max() < bi * bs
    # later batches altered (endpoints, negatives, edge features); times kept monotone
    b_cut = 4
    rng = np.random.default_rng(7)
    src2, dst2, neg2, ef2 = src.copy(), dst.copy(), neg.copy(), ef.copy()
    later = slice(b_cut * bs + bs, None)
    src2[later] = rng.integers(0, 12, len(src2[later]))
    dst2[later] = (src2[later] + 1) % 12
    neg2[later] = rng.integers(0, 12, len(neg2[later]))
    ef2[later] = rng.normal(size=ef2[later].shape)
    pos1, neg1, _ = _run_stream(model, params, split, {"edge_features": jnp.asarray(ef2)},
                                _batches(src2, dst2, t, neg2, bs))
    for b in range(b_cut + 1):
        np.testing.assert_allclose(pos1[b], pos0[b], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(neg1[b], neg0[b], rtol=1e-6, atol=1e-6)
    assert any(not np.allclose(pos1[b], pos0[b]) for b in range(b_cut + 1, len(batches)))
    # same batch: altering event j changes no other event i of that batch
    j = b_cut * bs + 3
    src3, dst3, ef3 = src.copy(), dst.copy(), ef.copy()
    src3[j], dst3[j] = (src[j] + 5) % 12, (dst[j] + 7) % 12
    if src3[j] == dst3[j]:
        dst3[j] = (dst3[j] + 1) % 12
    ef3[j] = 100.0
    pos3, neg3, _ = _run_stream(model, params, split, {"edge_features": jnp.asarray(ef3)},
                                _batches(src3, dst3, t, neg, bs))
    others = np.arange(bs) != 3
    np.testing.assert_allclose(pos3[b_cut][others], pos0[b_cut][others], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(neg3[b_cut][others], neg0[b_cut][others], rtol=1e-6, atol=1e-6)
    assert not np.allclose(pos3[b_cut][3], pos0[b_cut][3])
    for b in range(b_cut):
        np.testing.assert_allclose(pos3[b], pos0[b], rtol=1e-6, atol=1e-6)


def test_padding_rows_change_nothing():
    model, params, split, (src, dst, t, neg, ef), batches, bs = _leak_setup()
    aux = {"edge_features": jnp.asarray(ef)}
    _, _, states = _run_stream(model, params, split, aux, batches[:3])
    state = states[-1]
    b = dict(batches[3])
    mask = np.array([True, False, True, True, False, False, True, False])
    b["mask"] = jnp.asarray(mask)
    key = jax.random.PRNGKey(11)
    p1, n1, s1 = _apply(model, params, state, aux, b, key, False)
    b2 = dict(b)
    junk = np.random.default_rng(5)
    for name in ("src", "dst", "neg"):
        b2[name] = jnp.where(b["mask"], b[name], jnp.asarray(junk.integers(0, 12, bs), jnp.int32))
    b2["t"] = jnp.where(b["mask"], b["t"], 1e6)
    b2["eid"] = jnp.where(b["mask"], b["eid"], 1)
    p2, n2, s2 = _apply(model, params, state, aux, b2, key, False)
    np.testing.assert_allclose(np.asarray(p2)[mask], np.asarray(p1)[mask], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(n2)[mask], np.asarray(n1)[mask], rtol=1e-6, atol=1e-6)
    for a, c in zip(jax.tree_util.tree_leaves(s1), jax.tree_util.tree_leaves(s2)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(c))
    # an all-padding batch leaves the state untouched
    b3 = dict(b2, mask=jnp.zeros(bs, bool))
    _, _, s3 = _apply(model, params, state, aux, b3, key, False)
    for a, c in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(s3)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(c))


def test_gradients_finite_and_nonzero():
    model, params, split, (src, dst, t, neg, ef), batches, bs = _leak_setup()
    aux = {"edge_features": jnp.asarray(ef)}
    _, _, states = _run_stream(model, params, split, aux, batches[:4])
    b = batches[4]

    def loss(pr):
        p, n, _ = model.apply(pr, states[-1], aux, b, jax.random.PRNGKey(0), True)
        return (optax.sigmoid_binary_cross_entropy(p, jnp.ones_like(p))
                + optax.sigmoid_binary_cross_entropy(n, jnp.zeros_like(n))).mean()

    grads = jax.jit(jax.grad(loss))(params)
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        g = np.asarray(g)
        assert np.isfinite(g).all(), path
        assert np.abs(g).max() > 0, path


# ---------------------------------------------------------------------------------------------
def _triadic_stream(seed, n_nodes=100, n_events=400, p_close=0.9, window=40):
    """Links mostly close a recent open triangle u-w-v (u, v both recently linked to w)."""
    rng = np.random.default_rng(seed)
    src, dst = [], []
    for i in range(n_events):
        made = False
        if i >= 30 and rng.random() < p_close:
            lo = max(0, i - window)
            e = rng.integers(lo, i)
            u, w = (src[e], dst[e]) if rng.random() < 0.5 else (dst[e], src[e])
            nbrs = [dst[f] if src[f] == w else src[f] for f in range(lo, i) if w in (src[f], dst[f])]
            nbrs = [v for v in nbrs if v != u]
            if nbrs:
                v = nbrs[rng.integers(len(nbrs))]
                made = True
        if not made:
            u, v = rng.choice(n_nodes, 2, replace=False)
        src.append(int(u))
        dst.append(int(v))
    neg = rng.integers(0, n_nodes, n_events).astype(np.int32)
    t = np.arange(n_events, dtype=np.float32)
    return np.asarray(src, np.int32), np.asarray(dst, np.int32), t, neg


def _average_precision(pos, neg):
    s = np.concatenate([pos, neg])
    y = np.concatenate([np.ones_like(pos), np.zeros_like(neg)])
    y = y[np.argsort(-s, kind="stable")]
    hits = np.cumsum(y)
    return float((hits / np.arange(1, len(y) + 1))[y == 1].mean())


def test_training_on_triadic_closure():
    n, bs = 100, 25
    model = CAWN(num_walks=8, walk_len=2, buffer_size=8, theta=0.1, anon_dim=16,
                 hidden_dim=16, dropout=0.0)  # theta: time unit = one event here
    split = _split(n, np.zeros((400, 0), np.float32))
    aux = {"edge_features": jnp.zeros((400, 0), jnp.float32)}
    train_batches = _batches(*_triadic_stream(0), bs)
    test_batches = _batches(*_triadic_stream(1), bs)
    params = model.init(jax.random.PRNGKey(0), split, train_batches[0])
    opt = optax.adam(1e-2)
    opt_state = opt.init(params)

    def loss_fn(pr, state, b, key):
        p, ng, new_state = model.apply(pr, state, aux, b, key, True)
        m = b["mask"].astype(jnp.float32)
        l = (optax.sigmoid_binary_cross_entropy(p, jnp.ones_like(p))
             + optax.sigmoid_binary_cross_entropy(ng, jnp.zeros_like(ng)))
        return (l * m).sum() / jnp.maximum(m.sum(), 1.0) / 2, new_state

    @jax.jit
    def step(pr, os, state, b, key):
        (l, new_state), g = jax.value_and_grad(loss_fn, has_aux=True)(pr, state, b, key)
        upd, os = opt.update(g, os, pr)
        return optax.apply_updates(pr, upd), os, new_state, l

    epoch_losses, key = [], jax.random.PRNGKey(1)
    for _ in range(16):  # 16 epochs x 16 batches = 256 steps (compiling the step dominates)
        state, ls = model.init_state(split), []
        for b in train_batches:
            key, sk = jax.random.split(key)
            params, opt_state, state, l = step(params, opt_state, state, b, sk)
            ls.append(float(l))
        epoch_losses.append(float(np.mean(ls[2:])))  # skip the cold-start batches
    assert epoch_losses[-1] < 0.8 * np.log(2) and epoch_losses[-1] < epoch_losses[0], epoch_losses
    pos, neg, _ = _run_stream(model, params, split, aux, test_batches, seed=100)
    mask = np.concatenate([np.asarray(b["mask"]) for b in test_batches])
    pos, neg = np.concatenate(pos)[mask], np.concatenate(neg)[mask]
    ap = _average_precision(pos[50:], neg[50:])  # after the cold start
    assert ap > 0.7, (ap, epoch_losses)
