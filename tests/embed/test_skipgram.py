"""Skip-gram with negative sampling (DeepWalk / node2vec) vs brute force, and on a planted partition."""
import jax
import networkx as nx
import numpy as np
import pytest

from jaxgraph.embed.skipgram import (deepwalk, fit_skipgram, node2vec, sgns_block_curvature, sgns_block_loss,
                                     skipgram_pairs, train_skipgram, unigram_noise)
from jaxgraph.embed.walks import random_walks
from jaxgraph.graph.build import from_edge_list

WALKS = np.array([[3, 1, 4, 1, 5, -1, -1],
                  [2, 6, 5, 3, 5, 8, 9],
                  [0, -1, -1, -1, -1, -1, -1]])


def _brute_pairs(walks, window):
    out = []
    for w in walks:
        for i in range(len(w)):
            for j in range(len(w)):
                if 1 <= abs(i - j) <= window and w[i] >= 0 and w[j] >= 0:
                    out.append((int(w[i]), int(w[j])))
    return sorted(out)


def _pair_slots(walks, window):
    """(walk b, center position i, context position j, negative slot) of every pair, brute force."""
    for b, w in enumerate(walks):
        for i in range(len(w)):
            for j in range(len(w)):
                o = abs(i - j)
                if 1 <= o <= window and w[i] >= 0 and w[j] >= 0:
                    yield b, i, j, 2 * (o - 1) + (0 if j > i else 1)


@pytest.mark.parametrize("window", [1, 2, 3, 10])
def test_pairs_match_brute_force(window):
    pairs = skipgram_pairs(WALKS, window)
    assert pairs.shape[0] == 2 and pairs.dtype == np.int32
    assert sorted(map(tuple, pairs.T.tolist())) == _brute_pairs(WALKS, window)


def test_block_loss_matches_float64_brute_force():
    rng = np.random.default_rng(0)
    n, d, k, window = 10, 4, 3, 2
    v = rng.normal(size=(n, d))
    u = rng.normal(size=(n, d))
    neg = rng.integers(0, n, size=WALKS.shape + (2 * window, k))
    ids = np.maximum(WALKS, 0)
    loss, count = sgns_block_loss(v[ids].astype(np.float32), u[ids].astype(np.float32),
                                  u[neg].astype(np.float32), WALKS >= 0, window)

    def log_sig(x):
        return -np.log1p(np.exp(-x))

    expected, pairs = 0.0, 0
    for b, i, j, slot in _pair_slots(WALKS, window):
        w = WALKS[b]
        expected -= log_sig(u[w[j]] @ v[w[i]])
        expected -= sum(log_sig(-u[x] @ v[w[i]]) for x in neg[b, i, slot])
        pairs += 1
    assert int(count) == pairs == len(_brute_pairs(WALKS, window))
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_block_curvature_matches_float64_brute_force():
    rng = np.random.default_rng(1)
    n, d, k, window = 10, 4, 3, 2
    v, u = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    neg = rng.integers(0, n, size=WALKS.shape + (2 * window, k))
    ids = np.maximum(WALKS, 0)
    hv, hu, hneg = sgns_block_curvature(v[ids].astype(np.float32), u[ids].astype(np.float32),
                                        u[neg].astype(np.float32), WALKS >= 0, window)

    def term(x, p, positive):  # sigma'(s)(|p|^2 + |x||p|) + |dl/ds| for the loss softplus(-+s)
        s = x @ p
        return _sig(s) * _sig(-s) * (p @ p + np.linalg.norm(x) * np.linalg.norm(p)) + (_sig(-s) if positive else _sig(s))

    ev, eu, en = np.zeros(WALKS.shape), np.zeros(WALKS.shape), np.zeros(neg.shape)
    for b, i, j, slot in _pair_slots(WALKS, window):
        w = WALKS[b]
        ev[b, i] += term(v[w[i]], u[w[j]], True)
        eu[b, j] += term(u[w[j]], v[w[i]], True)
        for q, x in enumerate(neg[b, i, slot]):
            ev[b, i] += term(v[w[i]], u[x], False)
            en[b, i, slot, q] = term(u[x], v[w[i]], False)
    np.testing.assert_allclose(np.asarray(hv), ev, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(hu), eu, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(hneg), en, rtol=1e-4, atol=1e-6)


def test_block_curvature_bounds_the_hessian():
    """Summed per row, the guard's curvature is a block-Gershgorin bound: no eigenvalue of the
    float64 Hessian of the block loss (over all input and output rows) exceeds its maximum."""
    with jax.enable_x64(True):
        rng = np.random.default_rng(2)
        n, d, k, window = 6, 3, 2, 2
        neg = rng.integers(0, n, size=WALKS.shape + (2 * window, k))
        walks = np.where(WALKS >= 0, WALKS % n, -1)
        ids = np.maximum(walks, 0)
        valid = walks >= 0

        def loss(theta):
            v, u = theta[: n * d].reshape(n, d), theta[n * d:].reshape(n, d)
            return sgns_block_loss(v[ids], u[ids], u[neg], valid, window)[0]

        for scale in (0.3, 1.0, 3.0):
            theta = jax.numpy.asarray(rng.normal(size=2 * n * d) * scale)
            v, u = theta[: n * d].reshape(n, d), theta[n * d:].reshape(n, d)
            hv, hu, hneg = sgns_block_curvature(v[ids], u[ids], u[neg], valid, window)
            bound_v = np.zeros(n)
            np.add.at(bound_v, ids[valid], np.asarray(hv)[valid])
            bound_u = np.zeros(n)
            np.add.at(bound_u, ids[valid], np.asarray(hu)[valid])
            np.add.at(bound_u, neg.reshape(-1), np.asarray(hneg).reshape(-1))
            lam = np.linalg.eigvalsh(np.asarray(jax.hessian(loss)(theta)))
            bound = max(bound_v.max(), bound_u.max())
            assert np.abs(lam).max() <= bound * (1 + 1e-9), (scale, np.abs(lam).max(), bound)
            assert np.abs(lam).max() >= 0.05 * bound  # and not vacuous


def test_curvature_guard_keeps_hub_graph_stable():
    """On a Barabasi-Albert graph the hubs occur dozens of times per step: plain summed SGD
    (guard and count cap off) diverges, the default guard trains."""
    g = nx.barabasi_albert_graph(400, 2, seed=0)
    e = np.array(g.edges())
    graph = from_edge_list(np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]]), 400)
    walks = np.asarray(random_walks(graph, jax.random.key(0), walks_per_node=10, walk_length=40))
    kw = dict(dim=32, window=5)
    plain = fit_skipgram(walks, 400, jax.random.key(1), guard=float("inf"), **kw).losses
    guarded = fit_skipgram(walks, 400, jax.random.key(1), **kw).losses
    assert not np.all(np.isfinite(plain)) or plain[-20:].mean() > 100 * plain[:5].mean()
    assert np.all(np.isfinite(guarded)) and guarded[-20:].mean() < 0.6 * guarded[:5].mean()


def test_unigram_noise():
    p = unigram_noise(WALKS, 12)
    counts = np.bincount(WALKS[WALKS >= 0], minlength=12).astype(float)
    np.testing.assert_allclose(p, counts ** 0.75 / (counts ** 0.75).sum())
    assert p[7] == 0 and p[10] == 0  # never in the corpus: never a negative


def _sbm(sizes=(30, 30), p_in=0.3, p_out=0.01, seed=0):
    g = nx.stochastic_block_model(list(sizes), [[p_in, p_out], [p_out, p_in]], seed=seed)
    e = np.asarray(g.edges()).T
    graph = from_edge_list(np.r_[e[0], e[1]], np.r_[e[1], e[0]], sum(sizes))
    y = np.repeat(np.arange(len(sizes)), sizes)
    return graph, y


def test_deepwalk_separates_planted_communities_and_loss_decreases():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    graph, y = _sbm()
    walks = random_walks(graph, jax.random.key(0), walks_per_node=10, walk_length=20)
    res = fit_skipgram(walks, 60, jax.random.key(1), dim=16, window=4, negatives=5, epochs=3, batch_size=1024)
    z = res.embeddings
    assert z.shape == (60, 16) and z.dtype == np.float32 and np.isfinite(z).all()
    losses = res.losses[np.isfinite(res.losses)]
    tenth = max(1, len(losses) // 10)
    assert losses[:tenth].mean() > losses[-tenth:].mean() + 0.5, (losses[:tenth].mean(), losses[-tenth:].mean())
    np.testing.assert_allclose(res.losses[0], 6 * np.log(2), rtol=1e-3)  # u = 0 at init: (1 + K) log 2
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    cos = zn @ zn.T
    same = y[:, None] == y[None]
    np.fill_diagonal(same, False)
    assert cos[same].mean() > cos[y[:, None] != y[None]].mean() + 0.3
    acc = cross_val_score(LogisticRegression(max_iter=1000), z, y, cv=5).mean()
    assert acc >= 0.95
    # a shuffled-label control is at chance, so the test can fail
    ctrl = cross_val_score(LogisticRegression(max_iter=1000), z, np.random.default_rng(0).permutation(y), cv=5).mean()
    assert ctrl < 0.8


def test_deepwalk_node2vec_wrappers_deterministic():
    graph, _ = _sbm(sizes=(8, 8), p_in=0.6, p_out=0.1)
    kw = dict(dim=8, walks_per_node=2, walk_length=6, window=2, negatives=2, batch_size=64)
    a = deepwalk(graph, jax.random.key(3), **kw)
    b = deepwalk(graph, jax.random.key(3), **kw)
    c = node2vec(graph, jax.random.key(3), p=0.5, q=2.0, **kw)
    assert a.shape == c.shape == (16, 8) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("walks,kwargs,field", [
    (np.arange(6), {}, "walks"),
    (np.array([[0, 1], [2, 99]]), {}, "walks"),
    (np.array([[0, 1], [2, 3]]), dict(dim=0), "dim"),
    (np.array([[0, 1], [2, 3]]), dict(window=0), "window"),
    (np.array([[0, 1], [2, 3]]), dict(negatives=0), "negatives"),
    (np.array([[0, 1], [2, 3]]), dict(learning_rate=-0.1), "learning_rate"),
    (np.array([[0, 1], [2, 3]]), dict(epochs=0), "epochs"),
    (np.array([[0], [2]]), {}, "no \\(center, context\\) pair"),
    (np.array([[0, -1], [2, -1]]), {}, "no \\(center, context\\) pair"),
])
def test_bad_input_raises(walks, kwargs, field):
    with pytest.raises(ValueError, match=field):
        train_skipgram(walks, 10, jax.random.key(0), **kwargs)


def test_row_cap_validation_and_effect():
    walks = np.array([[0, 1, 0, 1, 0, 1, 2, 3]])
    with pytest.raises(ValueError, match="row_cap"):
        fit_skipgram(walks, 4, jax.random.key(0), dim=4, window=2, row_cap=0.0)
    with pytest.raises(ValueError, match="guard"):
        fit_skipgram(walks, 4, jax.random.key(0), dim=4, window=2, guard=-1.0)
    # the cap changes the training only when some row is gathered more than row_cap times in a step
    kw = dict(dim=4, window=2, epochs=3)
    a = fit_skipgram(walks, 4, jax.random.key(0), row_cap=float("inf"), **kw)
    b = fit_skipgram(walks, 4, jax.random.key(0), row_cap=1.0, **kw)
    c = fit_skipgram(walks, 4, jax.random.key(0), row_cap=1e9, **kw)
    assert not np.allclose(a.context, b.context)
    np.testing.assert_array_equal(a.embeddings, c.embeddings)
    np.testing.assert_array_equal(a.context, c.context)
