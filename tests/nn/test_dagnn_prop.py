"""DAGNN adaptive propagation (Liu, Gao & Ji, KDD 2020, Eq. (7)-(9)) against a dense float64
numpy reference, plus scores in (0, 1), padding invariance, permutation equivariance, gradients
and input validation."""
import jax
import jax.numpy as jnp
import jraph
import networkx as nx
import numpy as np
import pytest
from jax.test_util import check_grads

from jaxgraph.nn.dagnn import DAGNNProp, adaptive_propagation, retainment_scores


def _graph(n=9, p=0.3, seed=0):
    """Undirected random graph (both directions as edges) with one isolated node."""
    g = nx.gnp_random_graph(n - 1, p, seed=seed)
    g.add_node(n - 1)
    e = np.array([(u, v) for u, v in g.edges()] + [(v, u) for u, v in g.edges()], np.int32).reshape(-1, 2)
    return e[:, 0], e[:, 1], g


def _dense_ref(x, senders, receivers, n, k, w, b):
    """Σ_l σ(H_l w + b) H_l with H_l = Â^l x, Â = D^-1/2 (A + I) D^-1/2, all in float64."""
    a = np.zeros((n, n))
    np.add.at(a, (receivers, senders), 1.0)  # row i gathers from its in-neighbours
    a += np.eye(n)
    d = a.sum(1)
    a_hat = a / np.sqrt(d)[:, None] / np.sqrt(d)[None, :]
    h = np.asarray(x, np.float64)
    out = np.zeros_like(h)
    scores = []
    for _ in range(k + 1):
        s = 1.0 / (1.0 + np.exp(-(h @ w + b)))
        out += s[:, None] * h
        scores.append(s)
        h = a_hat @ h
    return out, np.stack(scores, 1)


@pytest.mark.parametrize("k", [0, 1, 7])
def test_matches_dense_float64_reference(k):
    s, r, _ = _graph()
    n, c = 9, 4
    rng = np.random.default_rng(k)
    x = rng.normal(size=(n, c)).astype(np.float32)
    w = rng.normal(size=(c, 1)).astype(np.float32)
    b = np.float32(0.3)
    out, scores = adaptive_propagation(x, s, r, n, k, w, jnp.array([b]), return_scores=True)
    ref, ref_scores = _dense_ref(x, s, r, n, k, w[:, 0].astype(np.float64), float(b))
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(scores), ref_scores, rtol=1e-5, atol=1e-6)
    assert scores.shape == (n, k + 1)
    # the stacked form of the paper gives the same scores: σ(S w + b) with S = [H_0..H_K]
    assert np.all((np.asarray(scores) > 0) & (np.asarray(scores) < 1))


def test_retainment_scores_in_open_unit_interval_and_stack_form():
    rng = np.random.default_rng(1)
    stack = jnp.asarray(rng.normal(size=(6, 5, 3)) * 3, jnp.float32)  # [N, K+1, C]
    w = jnp.asarray(rng.normal(size=(3, 1)), jnp.float32)
    s = np.asarray(retainment_scores(stack, w, jnp.array([0.5])))
    assert s.shape == (6, 5) and np.all((s > 0) & (s < 1))
    ref = 1 / (1 + np.exp(-(np.asarray(stack, np.float64) @ np.asarray(w, np.float64)[:, 0] + 0.5)))
    np.testing.assert_allclose(s, ref, rtol=1e-5)


def test_without_self_loops_and_with_edge_weights():
    s, r, _ = _graph(seed=3)
    n, c, k = 9, 3, 4
    rng = np.random.default_rng(2)
    x = rng.normal(size=(n, c)).astype(np.float32)
    w = rng.normal(size=(c,)).astype(np.float32)
    ew = rng.uniform(0.5, 2.0, size=len(s)).astype(np.float32)
    out = adaptive_propagation(x, s, r, n, k, w, edge_weight=ew, add_self_loops=False)
    a = np.zeros((n, n))
    np.add.at(a, (r, s), ew)
    d = a.sum(1)
    inv = np.where(d > 0, 1 / np.sqrt(np.where(d > 0, d, 1)), 0.0)
    a_hat = inv[:, None] * a * inv[None, :]
    h, ref = x.astype(np.float64), 0
    for _ in range(k + 1):
        ref = ref + (1 / (1 + np.exp(-(h @ w))))[:, None] * h
        h = a_hat @ h
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-5, atol=1e-5)


def _graphs_tuple(s, r, x):
    n = x.shape[0]
    return jraph.GraphsTuple(nodes=jnp.asarray(x), edges=None, senders=jnp.asarray(s), receivers=jnp.asarray(r),
                             n_node=jnp.array([n]), n_edge=jnp.array([len(s)]), globals=None)


def test_layer_padding_invariance_and_edge_mask():
    s, r, _ = _graph(seed=4)
    n, c = 9, 5
    x = np.random.default_rng(3).normal(size=(n, c)).astype(np.float32)
    graph = _graphs_tuple(s, r, x)
    layer = DAGNNProp(k=6)
    params = layer.init(jax.random.PRNGKey(0), graph)
    assert params["params"]["kernel"].shape == (c, 1) and params["params"]["bias"].shape == (1,)
    out = np.asarray(layer.apply(params, graph).nodes)
    # the layer is the pure function with its parameters
    ref = adaptive_propagation(x, s, r, n, 6, params["params"]["kernel"], params["params"]["bias"])
    np.testing.assert_allclose(out, np.asarray(ref), rtol=1e-6)
    # jraph padding: extra nodes and edges among padding nodes only
    padded = jraph.pad_with_graphs(graph, n_node=n + 4, n_edge=len(s) + 6, n_graph=3)
    np.testing.assert_allclose(np.asarray(layer.apply(params, padded).nodes)[:n], out, rtol=1e-5, atol=1e-6)
    # masked garbage edges that touch real nodes are ignored
    rng = np.random.default_rng(5)
    gs, gr = rng.integers(0, n, 7).astype(np.int32), rng.integers(0, n, 7).astype(np.int32)
    s2, r2 = np.concatenate([s, gs]), np.concatenate([r, gr])
    mask = jnp.asarray(np.r_[np.ones(len(s), bool), np.zeros(7, bool)])
    g2 = _graphs_tuple(s2, r2, x)
    np.testing.assert_allclose(np.asarray(layer.apply(params, g2, edge_mask=mask).nodes), out, rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(layer.apply(params, g2).nodes), out)  # the mask matters


def test_permutation_equivariance():
    s, r, _ = _graph(seed=6)
    n, c, k = 9, 3, 5
    rng = np.random.default_rng(4)
    x = rng.normal(size=(n, c)).astype(np.float32)
    w = rng.normal(size=(c,)).astype(np.float32)
    perm = rng.permutation(n)
    inv = np.argsort(perm)  # node i becomes inv[i]
    out = np.asarray(adaptive_propagation(x, s, r, n, k, w))
    out_p = np.asarray(adaptive_propagation(x[perm], inv[s], inv[r], n, k, w))
    np.testing.assert_allclose(out_p, out[perm], rtol=1e-5, atol=1e-6)


def test_gradients_match_finite_differences():
    s, r, _ = _graph(n=6, seed=7)
    rng = np.random.default_rng(6)
    with jax.enable_x64(True):
        x = jnp.asarray(rng.normal(size=(6, 3)), jnp.float64)
        w = jnp.asarray(rng.normal(size=(3, 1)), jnp.float64)
        b = jnp.asarray([0.2], jnp.float64)
        f = lambda x, w, b: adaptive_propagation(x, s, r, 6, 3, w, b)
        check_grads(f, (x, w, b), order=1, modes=["rev"], eps=1e-5, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(k=-1), "k must be"),
    (dict(k=2.5), "k must be"),
    (dict(proj_kernel=np.ones((4, 2), np.float32)), "proj_kernel"),
    (dict(proj_bias=np.ones(3, np.float32)), "proj_bias"),
    (dict(x=np.ones((9,), np.float32)), "x must be"),
    (dict(n=10), "n=10"),
])
def test_bad_inputs_raise(kwargs, match):
    s, r, _ = _graph()
    args = dict(x=np.ones((9, 3), np.float32), senders=s, receivers=r, n=9, k=2,
                proj_kernel=np.ones((3, 1), np.float32), proj_bias=None)
    if "proj_kernel" in kwargs:
        args["x"] = np.ones((9, 4), np.float32)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        adaptive_propagation(**args)
