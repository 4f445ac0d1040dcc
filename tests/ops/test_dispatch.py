"""impl dispatch of the ops the Pallas kernels replace (issue 9): gather_scatter / propagate /
propagate_k / gat_attention with impl = auto | pallas | xla, and the XLA GAT's hand-written
backward (exact gradients, NaN-free padding)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph import ops
from jaxgraph.ops.segment import resolve_impl


def _graph(seed=0, n=7, e=20):
    rng = np.random.default_rng(seed)
    s = jnp.asarray(rng.integers(0, n, e), jnp.int32)
    r = jnp.asarray(rng.integers(0, n - 1, e), jnp.int32)  # node n-1 receives nothing
    mask = jnp.asarray(rng.random(e) > 0.2)
    return n, s, r, mask, rng


def _has_pallas(fn, *args):
    return "pallas_call" in str(jax.make_jaxpr(fn)(*args))


def test_resolve_impl():
    assert resolve_impl("auto") == ("pallas" if jax.default_backend() == "gpu" else "xla")
    assert resolve_impl("pallas") == "pallas" and resolve_impl("xla") == "xla"
    with pytest.raises(ValueError, match="impl must be one of"):
        resolve_impl("triton")


@pytest.mark.skipif(jax.default_backend() == "gpu", reason="checks the CPU choice")
def test_auto_is_xla_on_cpu_and_pallas_when_asked():
    n, s, r, mask, rng = _graph()
    x = jnp.asarray(rng.normal(size=(n, 4)), jnp.float32)
    assert not _has_pallas(lambda x: ops.gather_scatter(x, s, r, n), x)
    assert _has_pallas(lambda x: ops.gather_scatter(x, s, r, n, impl="pallas"), x)
    h = x.reshape(n, 2, 2)
    att = jnp.ones((2, 2))
    assert not _has_pallas(lambda h: ops.gat_attention(h, s, r, n, att, att)[0], h)
    assert _has_pallas(lambda h: ops.gat_attention(h, s, r, n, att, att, impl="pallas")[0], h)


def test_gather_scatter_pallas_equals_xla_values_and_grads():
    n, s, r, mask, rng = _graph(1)
    x = jnp.asarray(rng.normal(size=(n, 2, 2)), jnp.float32)  # extra feature dims are flattened
    w = jnp.asarray(rng.uniform(0.5, 1.5, s.shape[0]), jnp.float32)
    for reduce in ("mean", "max"):
        f = {impl: (lambda x, w, impl=impl: jnp.sum(jnp.sin(ops.gather_scatter(
            x, s, r, n, w, reduce, mask, impl=impl)))) for impl in ("pallas", "xla")}
        np.testing.assert_allclose(np.asarray(ops.gather_scatter(x, s, r, n, w, reduce, mask, impl="pallas")),
                                   np.asarray(ops.gather_scatter(x, s, r, n, w, reduce, mask, impl="xla")),
                                   rtol=1e-5, atol=1e-6)
        for a, b in zip(jax.grad(f["pallas"], argnums=(0, 1))(x, w), jax.grad(f["xla"], argnums=(0, 1))(x, w)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_propagate_k_pallas_equals_xla():
    n, s, r, mask, rng = _graph(2)
    x = jnp.asarray(rng.normal(size=(n, 3)), jnp.float32)
    s2, r2, w, m = ops.gcn_norm(s, r, n, edge_mask=mask)
    a = ops.propagate_k(x, s2, r2, n, 2, w, m, impl="pallas")
    b = ops.propagate_k(x, s2, r2, n, 2, w, m, impl="xla")
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_pallas_refuses_what_the_kernel_cannot_take():
    n, s, r, mask, rng = _graph()
    x = jnp.asarray(rng.normal(size=(n, 4)), jnp.float32)
    with pytest.raises(ValueError, match="edge_weight must be \\[E\\]"):
        ops.gather_scatter(x, s, r, n, jnp.ones((s.shape[0], 4)), impl="pallas")
    with pytest.raises(ValueError, match="x must be float32"):
        ops.gather_scatter(x.astype(jnp.int32), s, r, n, impl="pallas")
    with pytest.raises(ValueError, match="impl must be one of"):
        ops.propagate(x, s, r, n, impl="fast")
    # auto takes the same calls through XLA
    assert ops.gather_scatter(x, s, r, n, jnp.ones((s.shape[0], 4))).shape == (n, 4)
    h = x.reshape(n, 2, 2)
    with pytest.raises(ValueError, match="dropout_fn"):
        ops.gat_attention(h, s, r, n, jnp.ones((2, 2)), jnp.ones((2, 2)), dropout_fn=lambda a: a, impl="pallas")


def _gat_autodiff(h, s, r, n, att_s, att_d, mask):
    """The plain formulation differentiated by JAX (segment max not stop-gradiented)."""
    a_s, a_d = jnp.sum(h * att_s, -1), jnp.sum(h * att_d, -1)
    logit = jax.nn.leaky_relu(a_s[s] + a_d[r], 0.2)
    logit = jnp.where(mask[:, None], logit, -jnp.inf)
    mx = jax.ops.segment_max(logit, r, n)
    ex = jnp.where(mask[:, None], jnp.exp(logit - mx[r]), 0.0)
    alpha = ex / jax.ops.segment_sum(ex, r, n)[r]
    return jax.ops.segment_sum(jnp.where(mask[:, None, None], alpha[..., None] * h[s], 0.0), r, n)


@pytest.mark.parametrize("impl", ["xla", "pallas"])
def test_gat_attention_gradients_exact(impl):
    n, s, r, mask, rng = _graph(3)
    h = jnp.asarray(rng.normal(size=(n, 2, 4)), jnp.float32)
    att_s, att_d = (jnp.asarray(rng.normal(size=(2, 4)), jnp.float32) for _ in range(2))
    ct = jnp.asarray(rng.normal(size=(n, 2, 4)), jnp.float32)
    got = jax.grad(lambda h, a, b: jnp.sum(ct * ops.gat_attention(h, s, r, n, a, b, 0.2, mask, impl=impl)[0]),
                   argnums=(0, 1, 2))(h, att_s, att_d)
    want = jax.grad(lambda h, a, b: jnp.sum(ct * _gat_autodiff(h, s, r, n, a, b, mask)), argnums=(0, 1, 2))(
        h, att_s, att_d)
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)


def test_gat_xla_padding_nan_does_not_leak():
    n, s, r, mask, rng = _graph(4)
    h = np.asarray(rng.normal(size=(n + 1, 2, 4)), np.float32)
    h[n] = np.nan                                      # a padding node
    s_p = jnp.concatenate([s, jnp.asarray([n, n], jnp.int32)])
    r_p = jnp.concatenate([r, jnp.asarray([0, n], jnp.int32)])
    m_p = jnp.concatenate([mask, jnp.asarray([False, False])])
    att = jnp.asarray(rng.normal(size=(2, 4)), jnp.float32)
    f = lambda h: ops.gat_attention(h, s_p, r_p, n + 1, att, att, 0.2, m_p)[0]
    out = f(jnp.asarray(h))
    ref = ops.gat_attention(jnp.asarray(h[:n]), s, r, n, att, att, 0.2, mask)[0]
    np.testing.assert_allclose(np.asarray(out[:n]), np.asarray(ref), rtol=1e-6)
    g = jax.grad(lambda h: jnp.sum(f(h)[:n]))(jnp.asarray(np.nan_to_num(h)))
    assert np.all(np.isfinite(np.asarray(g)))
