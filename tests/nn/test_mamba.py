"""Selective scan, bidirectional Mamba block, tokenization and ordering (jaxgraph.nn.mamba)."""
import itertools

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

from jaxgraph.nn import mamba as M


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def _scan_inputs(key, shape=(3, 9, 4), n=5, dtype=jnp.float64):
    k = jax.random.split(key, 6)
    u = jax.random.normal(k[0], shape, dtype)
    dt = jax.nn.softplus(jax.random.normal(k[1], shape, dtype))
    A = -jnp.exp(jax.random.normal(k[2], (shape[-1], n), dtype))
    B = jax.random.normal(k[3], shape[:-1] + (n,), dtype)
    C = jax.random.normal(k[4], shape[:-1] + (n,), dtype)
    D = jax.random.normal(k[5], (shape[-1],), dtype)
    return u, dt, A, B, C, D


def _numpy_loop(u, dt, A, B, C, D, mask, reverse, disc):
    """Independent float64 reference: explicit Python loops over batch, time, channel, state."""
    u, dt, A, B, C, D = (np.asarray(a, np.float64) for a in (u, dt, A, B, C, D))
    mask = np.asarray(mask)
    bsz, L, d = u.shape
    n = A.shape[1]
    y = np.zeros_like(u)
    for b in range(bsz):
        h = np.zeros((d, n))
        ts = range(L - 1, -1, -1) if reverse else range(L)
        for t in ts:
            if not mask[b, t]:
                continue
            for c in range(d):
                for s in range(n):
                    a = np.exp(dt[b, t, c] * A[c, s])
                    coef = (a - 1.0) / A[c, s] if disc == "zoh" else dt[b, t, c]
                    h[c, s] = a * h[c, s] + coef * B[b, t, s] * u[b, t, c]
                y[b, t, c] = np.dot(C[b, t], h[c]) + D[c] * u[b, t, c]
    return y


@pytest.mark.parametrize("reverse,disc", list(itertools.product([False, True], ["zoh", "euler"])))
def test_selective_scan_matches_sequential_value_and_grad(x64, reverse, disc):
    u, dt, A, B, C, D = _scan_inputs(jax.random.PRNGKey(0))
    mask = jnp.arange(9)[None] < jnp.array([9, 6, 2])[:, None]
    y = M.selective_scan(u, dt, A, B, C, D, mask, reverse=reverse, discretization=disc)
    y_ref = M.selective_scan_reference(u, dt, A, B, C, D, mask, reverse=reverse, discretization=disc)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, _numpy_loop(u, dt, A, B, C, D, mask, reverse, disc), rtol=1e-10, atol=1e-12)
    w = jax.random.normal(jax.random.PRNGKey(1), y.shape, jnp.float64)
    f = lambda fn: (lambda *a: jnp.sum(w * fn(*a, mask, reverse=reverse, discretization=disc)))
    g = jax.grad(f(M.selective_scan), argnums=tuple(range(6)))(u, dt, A, B, C, D)
    g_ref = jax.grad(f(M.selective_scan_reference), argnums=tuple(range(6)))(u, dt, A, B, C, D)
    for a, b in zip(g, g_ref):
        assert float(jnp.abs(a).max()) > 0
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_selective_scan_float32_close_to_float64(x64):
    u, dt, A, B, C, D = _scan_inputs(jax.random.PRNGKey(2), shape=(2, 64, 3))
    y64 = M.selective_scan_reference(u, dt, A, B, C, D)
    y32 = M.selective_scan(*(a.astype(jnp.float32) for a in (u, dt, A, B, C, D)))
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-4)


def test_discretize_zoh_limits(x64):
    # exact ZOH: for A -> 0 the input coefficient tends to Δ (Euler); for a constant input the
    # state converges to the continuous fixed point -B u / A.
    dt = jnp.full((1, 1), 0.3)
    u = jnp.ones((1, 1))
    B = jnp.ones((1, 2))
    a, bu = M.discretize(dt, jnp.array([[0.0, -1e-9]]), B, u, "zoh")
    np.testing.assert_allclose(bu, 0.3, rtol=1e-8)
    np.testing.assert_allclose(a, 1.0, rtol=1e-8)
    L = 400
    y = M.selective_scan(jnp.ones((L, 1)), jnp.full((L, 1), 0.1), jnp.array([[-2.0]]), jnp.ones((L, 1)),
                         jnp.ones((L, 1)))
    np.testing.assert_allclose(y[-1, 0], 1.0 / 2.0, rtol=1e-9)


@pytest.mark.parametrize("reverse", [False, True])
def test_selective_scan_padding_invariance(reverse):
    u, dt, A, B, C, D = _scan_inputs(jax.random.PRNGKey(3), shape=(2, 5, 3), dtype=jnp.float32)
    scan = jax.jit(M.selective_scan, static_argnames=("reverse",))
    y = scan(u, dt, A, B, C, D, reverse=reverse)
    # garbage at padded positions, in front, middle and back
    k = jax.random.PRNGKey(4)
    pad_u, pad_dt, _, pad_B, pad_C, _ = _scan_inputs(k, shape=(2, 8, 3), dtype=jnp.float32)
    pos = jnp.array([1, 2, 4, 6, 7])  # real tokens at these places of a length-8 sequence
    mask = jnp.zeros((2, 8), bool).at[:, pos].set(True)
    put = lambda big, small: big.at[:, pos].set(small)
    yp = scan(put(pad_u, u), put(pad_dt, dt), A, put(pad_B, B), put(pad_C, C), D, mask, reverse=reverse)
    np.testing.assert_allclose(yp[:, pos], y, rtol=1e-5, atol=1e-6)
    assert float(jnp.abs(jnp.where(mask[..., None], 0.0, yp)).max()) == 0.0


def test_selective_scan_validation():
    u, dt, A, B, C, D = _scan_inputs(jax.random.PRNGKey(0), dtype=jnp.float32)
    with pytest.raises(ValueError, match="discretization"):
        M.selective_scan(u, dt, A, B, C, D, discretization="bilinear")
    with pytest.raises(ValueError, match="delta"):
        M.selective_scan(u, dt[:, :3], A, B, C, D)
    with pytest.raises(ValueError, match="A must be"):
        M.selective_scan(u, dt, A[:2], B, C, D)
    with pytest.raises(ValueError, match="B must be"):
        M.selective_scan(u, dt, A, B[..., :2], C, D)
    with pytest.raises(ValueError, match="mask"):
        M.selective_scan(u, dt, A, B, C, D, mask=jnp.ones((3, 4), bool))


def test_causal_conv1d_matches_numpy():
    x = np.random.default_rng(0).normal(size=(2, 7, 3)).astype(np.float32)
    w = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)
    b = np.arange(3, dtype=np.float32)
    y = np.asarray(M.causal_conv1d(jnp.asarray(x), jnp.asarray(w), jnp.asarray(b)))
    ref = np.zeros_like(x)
    for t in range(7):
        for j in range(4):
            s = t - 3 + j
            if s >= 0:
                ref[:, t] += w[j] * x[:, s]
    np.testing.assert_allclose(y, ref + b, rtol=1e-5, atol=1e-5)


def _block_params(L=6, F=8, bidirectional=True):
    blk = M.BiMambaBlock(d_state=4, expand=2, bidirectional=bidirectional)
    x = jax.random.normal(jax.random.PRNGKey(0), (3, L, F))
    mask = jnp.arange(L)[None] < jnp.array([L, 4, 1])[:, None]
    params = blk.init(jax.random.PRNGKey(1), x, mask)
    return blk, params, x, mask


def test_bimamba_padding_invariance_and_mask():
    blk, params, x, mask = _block_params()
    apply = jax.jit(blk.apply)
    out = apply(params, x, mask)
    garbage = jax.random.normal(jax.random.PRNGKey(9), (3, 10, 8)) * 5
    xp = garbage.at[:, :6].set(jnp.where(mask[..., None], x, garbage[:, :6]))
    mp = jnp.zeros((3, 10), bool).at[:, :6].set(mask)
    outp = apply(params, xp, mp)
    np.testing.assert_allclose(np.where(mask[..., None], outp[:, :6], 0), np.where(mask[..., None], out, 0),
                               rtol=1e-5, atol=1e-5)
    assert float(jnp.abs(jnp.where(mp[..., None], 0.0, outp)).max()) == 0.0
    # a row's real outputs equal the block run on that row alone, unpadded
    alone = blk.apply(params, x[1:2, :4], None)
    np.testing.assert_allclose(out[1, :4], alone[0], rtol=1e-5, atol=1e-5)


def test_bimamba_is_bidirectional_and_gradients_reach_every_parameter():
    blk, params, x, mask = _block_params()
    x = x[:1]
    mask = jnp.ones((1, 6), bool)
    # first output depends on the last token only through the backward scan
    w = jax.random.normal(jax.random.PRNGKey(5), (8,))
    dx = jax.jit(jax.grad(lambda z, p, b: jnp.dot(b.apply(p, z, mask)[0, 0], w)), static_argnums=2)
    assert float(jnp.abs(dx(x, params, blk)[0, -1]).max()) > 1e-6
    blk1 = M.BiMambaBlock(d_state=4, expand=2, bidirectional=False)
    p1 = blk1.init(jax.random.PRNGKey(1), x, mask)
    g1 = dx(x, p1, blk1)
    assert float(jnp.abs(g1[0, 0]).max()) > 0 and float(jnp.abs(g1[0, 1:]).max()) == 0.0  # causal
    g = jax.jit(jax.grad(lambda p: jnp.sum(jnp.sin(blk.apply(p, x, mask)))))(params)
    for path, leaf in jax.tree_util.tree_leaves_with_path(g):
        assert float(jnp.abs(leaf).max()) > 0, f"no gradient reaches {jax.tree_util.keystr(path)}"


# ----------------------------------------------------------------------------- tokenization
def _random_graph(n=12, p=0.25, seed=0):
    g = nx.gnp_random_graph(n, p, seed=seed)
    e = np.array(list(g.edges()), np.int64).reshape(-1, 2)
    s = np.concatenate([e[:, 0], e[:, 1]])
    r = np.concatenate([e[:, 1], e[:, 0]])
    return g, s, r


def test_hop_tokens_equal_networkx_balls():
    g, s, r = _random_graph()
    m = 3
    idx, mask, truncated = M.hop_tokens(s, r, 12, m, max_size=12)
    assert not truncated and idx.shape == (12, m + 1, 12)
    for v in range(12):
        dist = nx.single_source_shortest_path_length(g, v, cutoff=m)
        for t in range(m + 1):
            l = m - t
            got = set(idx[v, t][mask[v, t]].tolist())
            assert got == {u for u, d in dist.items() if d <= l}
            assert len(got) == mask[v, t].sum()  # no duplicates


def test_hop_tokens_truncation_and_padding_nodes():
    g, s, r = _random_graph(n=20, p=0.4, seed=1)
    idx, mask, truncated = M.hop_tokens(s, r, 22, 2, max_size=4, n_real=20)
    assert truncated and mask.sum(-1).max() == 4
    assert not mask[20:].any()
    for v in range(20):  # nearer shells are kept first: the hop-1 token keeps v
        assert idx[v, -1, 0] == v and mask[v, -1].sum() == 1


def test_random_walk_tokens_are_walk_balls():
    g, s, r = _random_graph(n=15, p=0.2, seed=2)
    m, Mw, rep = 3, 2, 2
    idx, mask = M.random_walk_tokens(s, r, 15, m, Mw, rep, seed=0)
    assert idx.shape == (15, rep * (m + 1), 1 + Mw * m)
    for v in range(15):
        dist = nx.single_source_shortest_path_length(g, v)
        for t in range(rep * (m + 1)):
            l = m - t // rep
            nodes = idx[v, t][mask[v, t]].tolist()
            assert v in nodes and len(set(nodes)) == len(nodes) <= 1 + Mw * l
            assert all(dist[u] <= l for u in nodes)
            assert nx.is_connected(g.subgraph(nodes))  # union of walks from v
        assert mask[v, -1].sum() == 1  # the last token is the node itself


def test_token_subgraph_edges_are_induced_subgraphs():
    g, s, r = _random_graph(n=10, p=0.35, seed=3)
    idx, mask, _ = M.hop_tokens(s, r, 10, 2, max_size=10)
    ts, tr, em = M.token_subgraph_edges(s, r, 10, idx, mask, edge_budget=2000)
    assert em.sum() < 2000 and not em[em.sum():].any()
    N, T, S = idx.shape
    got = {(int(a), int(b)) for a, b in zip(ts[em], tr[em])}
    want = set()
    for v in range(N):
        for t in range(T):
            slots = [(v * T + t) * S + j for j in range(S) if mask[v, t, j]]
            for p in slots:
                for q in slots:
                    if g.has_edge(int(idx.flat[p]), int(idx.flat[q])) and p != q:
                        want.add((p, q))
    assert got == want
    with pytest.raises(ValueError, match="edge_budget"):
        M.token_subgraph_edges(s, r, 10, idx, mask, edge_budget=3)


def test_degree_order_sorted_and_equivariant_with_a_tie_break_key():
    g, s, r = _random_graph(n=14, p=0.3, seed=5)
    degs = np.array([g.degree(v) for v in range(14)])
    assert len(set(degs.tolist())) < 14  # a simple graph always has equal degrees
    key = np.random.default_rng(0).normal(size=14)  # distinct per node, travels with the node
    order, mask = M.degree_order(s, r, [14], tie_break="key", key=key)
    assert mask.all() and sorted(order[0].tolist()) == list(range(14))
    assert np.all(np.diff(degs[order[0]]) >= 0)
    perm = np.random.default_rng(1).permutation(14)  # node v -> perm[v]
    key_p = np.empty(14)
    key_p[perm] = key
    order_p, _ = M.degree_order(perm[s], perm[r], [14], tie_break="key", key=key_p)
    np.testing.assert_array_equal(order_p[0], perm[order[0]])
    # 'index' tie-breaking is not equivariant when degrees tie
    o, _ = M.degree_order(s, r, [14])
    o_p, _ = M.degree_order(perm[s], perm[r], [14])
    assert not np.array_equal(o_p[0], perm[o[0]])
    # rows per graph, padding to max_len
    o2, m2 = M.degree_order(np.array([0, 1, 2, 3]), np.array([1, 0, 3, 2]), [2, 2], max_len=3)
    assert o2.shape == (2, 3) and m2.sum() == 4 and set(o2[1, :2].tolist()) == {2, 3}


def test_tokenizer_validation():
    s, r = np.array([0, 1]), np.array([1, 0])
    with pytest.raises(ValueError, match="n \\(number of nodes\\)"):
        M.hop_tokens(s, r, 0, 1, 4)
    with pytest.raises(ValueError, match="senders/receivers"):
        M.hop_tokens(s, np.array([1, 5]), 2, 1, 4)
    with pytest.raises(ValueError, match="num_hops"):
        M.hop_tokens(s, r, 2, -1, 4)
    with pytest.raises(ValueError, match="num_walks"):
        M.random_walk_tokens(s, r, 2, 1, 0)
    with pytest.raises(ValueError, match="n_real"):
        M.random_walk_tokens(s, r, 2, 1, 1, n_real=3)
    with pytest.raises(ValueError, match="tie_break"):
        M.degree_order(s, r, [2], tie_break="degree")
    with pytest.raises(ValueError, match="key must be given"):
        M.degree_order(s, r, [2], tie_break="key")
    with pytest.raises(ValueError, match="max_len"):
        M.degree_order(s, r, [2], max_len=1)
