"""Graph readouts vs numpy per-graph loops, with empty graphs, padding and gradients."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph import ops
from jaxgraph.graph import graph_mask, node_mask
from jaxgraph.nn import AttentionReadout, Readout, max_readout, mean_readout, sum_readout
from zoo_reference import dense, f64, make_batch, pad

KEY = jax.random.PRNGKey(0)


def loop_ref(x, n_node, reduce):
    out, start = [], 0
    for n in np.asarray(n_node):
        rows = x[start : start + n]
        start += n
        if n == 0:
            out.append(np.zeros(x.shape[1]))
        else:
            out.append({"sum": rows.sum(0), "mean": rows.mean(0), "max": rows.max(0)}[reduce])
    return np.stack(out)


def attention_ref(p, x, n_node, gating, hidden):
    a = x
    for i in range(hidden):
        a = np.maximum(dense(p[f"gate_hidden_{i}"], a), 0.0)
    a = dense(p["gate"], a)[:, 0]
    f = dense(p["value"], x)
    out, start = [], 0
    for n in np.asarray(n_node):
        aa, ff = a[start : start + n], f[start : start + n]
        start += n
        if n == 0:
            out.append(np.zeros(f.shape[1]))
            continue
        w = np.exp(aa - aa.max()) / np.exp(aa - aa.max()).sum() if gating == "softmax" else 1 / (1 + np.exp(-aa))
        out.append((w[:, None] * ff).sum(0))
    return np.stack(out)


def _batch():
    g = make_batch(10, count=5, f=4, empty_at=0)  # empty graph first ...
    g2 = make_batch(11, count=2, f=4, empty_at=1)  # ... and one in the middle
    from jaxgraph.graph import batch

    return batch([g, g2])


@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
def test_readouts_vs_loops_and_padding(reduce):
    g = _batch()
    assert (np.asarray(g.n_node) == 0).sum() >= 2
    fn = {"sum": sum_readout, "mean": mean_readout, "max": max_readout}[reduce]
    ref = loop_ref(np.asarray(g.nodes, np.float64), g.n_node, reduce)
    out = fn(g)
    assert out.shape == (len(g.n_node), 4)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(Readout(reduce).apply({}, g), ref, rtol=1e-5, atol=1e-6)

    pg = pad(g)
    pg = pg._replace(nodes=pg.nodes + 10.0 * (~np.asarray(node_mask(pg)))[:, None])  # junk on padding nodes
    run = jax.jit(lambda pg: (fn(pg, node_mask(pg)), fn(pg)))
    masked, unmasked = run(pg)
    G = len(g.n_node)
    np.testing.assert_allclose(masked[:G], ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(unmasked[:G], ref, rtol=1e-5, atol=1e-6)  # padding graph holds the junk
    assert np.all(np.asarray(masked[G:]) == 0) and np.isfinite(np.asarray(unmasked)).all()


def test_segment_ids_convention():
    n_node = np.array([2, 0, 3, 1])
    np.testing.assert_array_equal(ops.graph_segment_ids(n_node, 6), [0, 0, 2, 2, 2, 3])


@pytest.mark.parametrize("gating,hidden", [("softmax", 0), ("sigmoid", 1)])
def test_attention_readout(gating, hidden):
    g = _batch()
    model = AttentionReadout(features=3, gate_features=(5,) * hidden, gating=gating)
    v = jax.jit(lambda g: model.init(KEY, g))(g)
    rng = np.random.default_rng(0)
    v = jax.tree_util.tree_map(lambda x: x + 0.3 * rng.normal(size=x.shape).astype(np.float32), v)
    ref = attention_ref(f64(v["params"]), np.asarray(g.nodes, np.float64), g.n_node, gating, hidden)
    out, w = jax.jit(lambda v, g: model.apply(v, g, return_weights=True))(v, g)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    if gating == "softmax":  # weights sum to 1 over every non-empty graph
        sums = ops.graph_sum(w, g.n_node)[:, 0]
        np.testing.assert_allclose(sums, (np.asarray(g.n_node) > 0).astype(float), rtol=1e-5)

    pg = pad(g)

    def loss(v, pg):
        out = model.apply(v, pg, node_mask(pg))
        return jnp.sum(jnp.where(graph_mask(pg)[:, None], out, 0.0) ** 2), out

    (val, pout), grads = jax.jit(jax.value_and_grad(loss, has_aux=True))(v, pg)
    G = len(g.n_node)
    np.testing.assert_allclose(pout[:G], ref, rtol=1e-4, atol=1e-5)
    assert np.all(np.asarray(pout[G:]) == 0)
    assert all(np.isfinite(np.asarray(x)).all() for x in jax.tree_util.tree_leaves(grads))
    np.testing.assert_allclose(val, np.sum(ref**2), rtol=1e-4)


def test_attention_identity_values_and_errors():
    g = _batch()
    model = AttentionReadout()  # values are the node features themselves
    v = model.init(KEY, g)
    assert set(v["params"]) == {"gate"}
    out = model.apply(v, g)
    assert out.shape == (len(g.n_node), 4)
    with pytest.raises(ValueError, match="gating"):
        AttentionReadout(gating="tanh").init(KEY, g)
    with pytest.raises(ValueError, match="reduce"):
        Readout("median").apply({}, g)
