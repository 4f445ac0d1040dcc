"""GCNConv and GATConv vs dense float64 references; padding invariance; gradients."""
import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph import graph as G
from jaxgraph.models import GAT, GCN
from jaxgraph.nn import GATConv, GCNConv
from jaxgraph.testing import random_graphs


def _batch(seed=0):
    return G.batch(random_graphs(np.random.default_rng(seed), 4, n_range=(2, 9), f=5))


def _adj(g):
    n = int(g.n_node.sum())
    a = np.zeros((n, n))
    np.add.at(a, (g.receivers, g.senders), 1.0)  # a[i, j] = #edges j -> i
    return a


def test_gcnconv_vs_dense():
    g = _batch()
    conv = GCNConv(3)
    p = conv.init(jax.random.PRNGKey(0), g)
    bias = np.random.default_rng(1).normal(size=3)
    p = {"params": {**p["params"], "bias": jnp.asarray(bias, jnp.float32)}}
    out = np.asarray(conv.apply(p, g).nodes)
    a = _adj(g) + np.eye(int(g.n_node.sum()))
    d = a.sum(1) ** -0.5  # in-degree of Ã (row sums of receiver-major A)
    ahat = d[:, None] * a * d[None, :]
    w = np.asarray(p["params"]["linear"]["kernel"], np.float64)
    ref = ahat @ (g.nodes.astype(np.float64) @ w) + bias
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_gatconv_vs_dense():
    g = _batch(2)
    heads, c = 3, 4
    conv = GATConv(c, heads=heads, concat=True)
    p = conv.init(jax.random.PRNGKey(0), g)
    out = np.asarray(conv.apply(p, g).nodes)
    prm = jax.tree_util.tree_map(lambda x: np.asarray(x, np.float64), p["params"])
    n = int(g.n_node.sum())
    h = (g.nodes.astype(np.float64) @ prm["linear"]["kernel"]).reshape(n, heads, c)
    s = np.concatenate([g.senders, np.arange(n)])
    r = np.concatenate([g.receivers, np.arange(n)])
    ref = np.zeros((n, heads, c))
    for k in range(heads):
        e = (h[s, k] @ prm["att_src"][k]) + (h[r, k] @ prm["att_dst"][k])
        e = np.where(e > 0, e, 0.2 * e)
        for i in range(n):
            sel = r == i
            wts = np.exp(e[sel] - e[sel].max())
            wts /= wts.sum()
            ref[i, k] = wts @ h[s[sel], k]
    ref = ref.reshape(n, heads * c) + prm["bias"]
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    mean_conv = GATConv(c, heads=heads, concat=False)
    p_mean = {"params": {**p["params"], "bias": jnp.zeros(c)}}
    out_mean = np.asarray(mean_conv.apply(p_mean, g).nodes)
    np.testing.assert_allclose(out_mean, (ref - prm["bias"]).reshape(n, heads, c).mean(1), rtol=1e-4, atol=1e-5)


def test_padding_invariance_gcn_gat_models():
    g = _batch(3)
    n = int(g.n_node.sum())
    p_graph = G.pad_to_budget(g, G.Budget(n + 9, int(g.n_edge.sum()) + 13, 8))
    for model in (GCN(hidden=8, num_classes=3), GAT(hidden=4, heads=2, num_classes=3)):
        params = model.init(jax.random.PRNGKey(0), g)
        ref = model.apply(params, g)
        out = jax.jit(lambda pr, gr: model.apply(pr, gr))(params, p_graph)
        np.testing.assert_allclose(np.asarray(out[:n]), np.asarray(ref), rtol=1e-5, atol=1e-5)
        # With the edge mask, padding nodes stay clean as well (finite, no NaN).
        assert np.all(np.isfinite(np.asarray(out)))


def test_gcn_gradient_matches_finite_differences():
    g = _batch(4)
    conv = GCNConv(2)
    p = conv.init(jax.random.PRNGKey(0), g)
    x = jnp.asarray(g.nodes)
    f = lambda xx: jnp.sum(jnp.sin(conv.apply(p, g._replace(nodes=xx)).nodes))
    grad = np.asarray(jax.grad(f)(x))
    rng = np.random.default_rng(0)
    for _ in range(5):
        i, j = rng.integers(0, x.shape[0]), rng.integers(0, x.shape[1])
        e = np.zeros(x.shape, np.float32)
        e[i, j] = 1e-2
        fd = (f(x + e) - f(x - e)) / 2e-2
        np.testing.assert_allclose(grad[i, j], float(fd), rtol=2e-2, atol=2e-3)
