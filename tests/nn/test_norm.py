"""Masked BatchNorm vs flax BatchNorm on the unpadded nodes; LayerNorm, GraphNorm and graph size
norm vs numpy float64 references; padding invariance under jit."""
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph.graph import node_mask
from jaxgraph.nn import GraphNorm, GraphSizeNorm, LayerNorm, MaskedBatchNorm, graph_size_norm
from zoo_reference import make_batch, pad, segment_ids

KEY = jax.random.PRNGKey(0)


def _noisy(v, seed=0):
    rng = np.random.default_rng(seed)
    return {**v, "params": jax.tree_util.tree_map(lambda x: x + 0.3 * rng.normal(size=x.shape).astype(np.float32), v["params"])}


def test_masked_batchnorm_equals_flax_on_unpadded():
    g = make_batch(20, count=5, f=4)
    g = g._replace(nodes=g.nodes * 3.0 + 1.5)
    pg = pad(g)
    pg = pg._replace(nodes=pg.nodes + 100.0 * (~np.asarray(node_mask(pg)))[:, None])  # junk on padding
    n = int(np.sum(g.n_node))

    ours, ref = MaskedBatchNorm(momentum=0.8), nn.BatchNorm(momentum=0.8)
    v = _noisy(jax.jit(lambda x: ours.init(KEY, x, use_running_average=False))(pg.nodes))
    v_ref = ref.init(KEY, g.nodes, use_running_average=False)
    assert jax.tree_util.tree_structure(v) == jax.tree_util.tree_structure(v_ref)  # same variable names

    @jax.jit
    def train_step(v, pg):
        return ours.apply(v, pg, node_mask(pg), use_running_average=False, mutable=["batch_stats"])

    out_g, upd = train_step(v, pg)  # GraphsTuple in, GraphsTuple out
    out_ref, upd_ref = ref.apply(v, g.nodes, use_running_average=False, mutable=["batch_stats"])
    np.testing.assert_allclose(out_g.nodes[:n], out_ref, rtol=1e-4, atol=1e-5)
    for k in ("mean", "var"):
        np.testing.assert_allclose(upd["batch_stats"][k], upd_ref["batch_stats"][k], rtol=1e-5, atol=1e-6)
    # numpy float64 reference of the statistics
    x = np.asarray(g.nodes, np.float64)
    np.testing.assert_allclose(upd["batch_stats"]["mean"], 0.2 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(upd["batch_stats"]["var"], 0.8 + 0.2 * x.var(0), rtol=1e-5)
    # evaluation uses the running averages
    v2 = {**v, **upd}
    ev = jax.jit(lambda v, x: ours.apply(v, x, use_running_average=True))(v2, pg.nodes)
    ev_ref = ref.apply({**v, **upd_ref}, g.nodes, use_running_average=True)
    np.testing.assert_allclose(ev[:n], ev_ref, rtol=1e-4, atol=1e-5)
    # unmasked on the unpadded array equals flax too
    out_plain, _ = ours.apply(v, g.nodes, use_running_average=False, mutable=["batch_stats"])
    np.testing.assert_allclose(out_plain, out_ref, rtol=1e-4, atol=1e-5)


def test_masked_batchnorm_all_masked_keeps_stats():
    x = jnp.ones((5, 3))
    bn = MaskedBatchNorm()
    v = bn.init(KEY, x, use_running_average=False)
    v = {**v, "batch_stats": {"mean": jnp.full(3, 2.0), "var": jnp.full(3, 3.0)}}
    out, upd = bn.apply(v, x, jnp.zeros(5, bool), use_running_average=False, mutable=["batch_stats"])
    assert np.isfinite(np.asarray(out)).all()
    np.testing.assert_array_equal(upd["batch_stats"]["mean"], 2.0)
    np.testing.assert_array_equal(upd["batch_stats"]["var"], 3.0)


def test_layer_norm_vs_numpy():
    g = make_batch(21, f=6)
    ln = LayerNorm()
    v = _noisy(ln.init(KEY, g.nodes))
    x = np.asarray(g.nodes, np.float64)
    ref = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    ref = ref * np.asarray(v["params"]["scale"]) + np.asarray(v["params"]["bias"])
    np.testing.assert_allclose(ln.apply(v, g.nodes), ref, rtol=1e-4, atol=1e-5)
    pg = pad(g)
    out = jax.jit(lambda v, pg: ln.apply(v, pg))(v, pg)
    n = len(x)
    np.testing.assert_allclose(out.nodes[:n], ref, rtol=1e-4, atol=1e-5)
    assert np.isfinite(np.asarray(out.nodes)).all()


def graph_norm_ref(x, n_node, alpha, scale, bias, eps=1e-5):
    out = np.zeros_like(x)
    start = 0
    for n in n_node:
        rows = x[start : start + n]
        if n:
            c = rows - alpha * rows.mean(0)
            out[start : start + n] = scale * c / np.sqrt((c**2).mean(0) + eps) + bias
        start += n
    return out


def test_graph_norm_vs_numpy_and_padding():
    g = make_batch(22, count=5, f=4, n_range=(2, 9))
    gn = GraphNorm()
    v = _noisy(gn.init(KEY, g))
    p = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), v["params"])
    x = np.asarray(g.nodes, np.float64)
    ref = graph_norm_ref(x, np.asarray(g.n_node), p["alpha"], p["scale"], p["bias"])
    np.testing.assert_allclose(gn.apply(v, g).nodes, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gn.apply(v, g.nodes, g.n_node), ref, rtol=1e-4, atol=1e-4)
    pg = pad(g)
    out = jax.jit(lambda v, pg: gn.apply(v, pg, node_mask=node_mask(pg)))(v, pg)
    np.testing.assert_allclose(out.nodes[: len(x)], ref, rtol=1e-4, atol=1e-4)
    assert np.isfinite(np.asarray(out.nodes)).all()
    # without alpha: plain per-graph standardisation (mean 0, var ~1 in every non-trivial graph)
    gn0 = GraphNorm(learn_alpha=False)
    y = np.asarray(gn0.apply(gn0.init(KEY, g), g).nodes, np.float64)
    ids = segment_ids(g.n_node)
    for gi in np.flatnonzero(np.asarray(g.n_node) > 1):
        np.testing.assert_allclose(y[ids == gi].mean(0), 0.0, atol=1e-5)
    with pytest.raises(ValueError, match="n_node"):
        gn.apply(v, g.nodes)


def test_graph_size_norm():
    g = make_batch(23, count=4, f=3)
    x = np.asarray(g.nodes, np.float64)
    ref = x / np.sqrt(np.asarray(g.n_node)[segment_ids(g.n_node)])[:, None]
    np.testing.assert_allclose(graph_size_norm(g).nodes, ref, rtol=1e-5)
    np.testing.assert_allclose(GraphSizeNorm().apply({}, g.nodes, g.n_node), ref, rtol=1e-5)
    pg = pad(g)
    out = jax.jit(graph_size_norm)(pg)
    np.testing.assert_allclose(out.nodes[: len(x)], ref, rtol=1e-5)
    assert np.isfinite(np.asarray(out.nodes)).all()
