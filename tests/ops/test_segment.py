"""Segment ops vs numpy float64 loops; NaN-freedom on empty/masked segments; gradients."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph import ops


def _ref(data, ids, n, mask, red):
    out = np.zeros((n,) + data.shape[1:])
    for s in range(n):
        rows = data[(ids == s) & mask]
        if len(rows):
            out[s] = {"sum": rows.sum, "mean": rows.mean, "max": rows.max, "min": rows.min}[red](0)
    return out


@pytest.mark.parametrize("red", ["sum", "mean", "max", "min"])
def test_segment_reductions(red):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 3))
    ids = rng.integers(0, 12, 50)
    ids[ids == 3] = 4  # segment 3 empty
    mask = rng.random(50) < 0.7
    mask[ids == 5] = False  # segment 5 fully masked
    fn = getattr(ops, f"segment_{red}")
    out = fn(jnp.asarray(data, jnp.float32), jnp.asarray(ids), 12, jnp.asarray(mask))
    np.testing.assert_allclose(out, _ref(data, ids, 12, mask, red), rtol=1e-5, atol=1e-6)
    assert np.all(np.isfinite(out))


def test_segment_softmax():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(40, 2)) * 30  # large values: must stay stable
    ids = rng.integers(0, 8, 40)
    mask = rng.random(40) < 0.8
    mask[ids == 2] = False
    w = np.asarray(ops.segment_softmax(jnp.asarray(logits, jnp.float32), jnp.asarray(ids), 8, jnp.asarray(mask)))
    for s in range(8):
        sel = (ids == s) & mask
        if sel.any():
            e = np.exp(logits[sel] - logits[sel].max(0))
            np.testing.assert_allclose(w[sel], e / e.sum(0), rtol=1e-4, atol=1e-6)
    assert np.all(w[~mask] == 0) and np.all(np.isfinite(w))


def test_gradients_finite_on_padding():
    ids = jnp.array([0, 0, 1, 3])
    mask = jnp.array([True, True, False, False])

    def loss(x):
        return (ops.segment_max(x, ids, 4, mask).sum() + ops.segment_softmax(x, ids, 4, mask).sum()
                + ops.segment_mean(x, ids, 4, mask).sum())

    g = jax.grad(loss)(jnp.array([1.0, 2.0, 3.0, 4.0]))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[2:], 0.0)


def test_gcn_norm_vs_dense_and_grad():
    rng = np.random.default_rng(2)
    n = 9
    a = (rng.random((n, n)) < 0.3).astype(np.float64)
    a = np.maximum(a, a.T)
    np.fill_diagonal(a, 0)
    s, r = np.nonzero(a)
    x = rng.normal(size=(n, 4))
    at = a + np.eye(n)
    d = at.sum(0) ** -0.5
    ahat = d[:, None] * at * d[None, :]
    gs, gr, gw, _ = ops.gcn_norm(jnp.asarray(s), jnp.asarray(r), n)
    out = ops.propagate_k(jnp.asarray(x, jnp.float32), gs, gr, n, 2, gw)
    np.testing.assert_allclose(out, ahat @ ahat @ x, rtol=1e-5, atol=1e-5)
    # Gradient of sum(Â x · c) wrt x is Â^T c.
    c = rng.normal(size=(n, 4))
    g = jax.grad(lambda z: jnp.sum(ops.propagate(z, gs, gr, n, gw) * c))(jnp.asarray(x, jnp.float32))
    np.testing.assert_allclose(g, ahat.T @ c, rtol=1e-5, atol=1e-5)


def test_gather_scatter_rejects_unknown_reduce():
    with pytest.raises(ValueError, match="reduce must be one of"):
        ops.gather_scatter(jnp.ones((2, 1)), jnp.array([0]), jnp.array([1]), 2, reduce="prod")
