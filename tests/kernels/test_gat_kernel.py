"""Fused GAT Pallas kernels (kernels/gat; issue 9): values against a float64 numpy brute force
(explicit softmax per receiver), gradients of out AND alpha against autodiff of the jnp
reference, in interpret mode on CPU; duplicate edges, rows without edges, masked padding edges."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kernels import gat as G
from kernels.gat import kernel as K
from kernels.spmm import prepare_csr


def _case(seed=0, n=8, e=26, heads=2, c=4):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n, e).astype(np.int32)
    r = rng.integers(0, n - 2, e).astype(np.int32)  # rows n-2, n-1 get no edges
    s[3], r[3] = s[2], r[2]                          # duplicate edge
    mask = rng.random(e) > 0.25
    h = rng.normal(size=(n, heads, c)).astype(np.float32)
    a_s = rng.normal(size=(n, heads)).astype(np.float32)
    a_d = rng.normal(size=(n, heads)).astype(np.float32)
    return n, s, r, mask, h, a_s, a_d


def _brute(h, a_s, a_d, s, r, n, mask, slope):
    h, a_s, a_d = (np.asarray(v, np.float64) for v in (h, a_s, a_d))
    out = np.zeros(h.shape)
    alpha = np.zeros((len(s), h.shape[1]))
    for i in range(n):
        es = [e for e in range(len(s)) if r[e] == i and mask[e]]
        if not es:
            continue
        pre = a_s[s[es]] + a_d[i]
        logit = np.where(pre > 0, pre, slope * pre)
        p = np.exp(logit - logit.max(0))
        p /= p.sum(0)
        alpha[es] = p
        out[i] = np.einsum("eh,ehc->hc", p, h[s[es]])
    return out, alpha


def test_values_match_brute_force():
    n, s, r, mask, h, a_s, a_d = _case()
    out, alpha = G.gat(jnp.asarray(h), jnp.asarray(a_s), jnp.asarray(a_d), jnp.asarray(s), jnp.asarray(r), n,
                       0.2, jnp.asarray(mask), impl="pallas")
    want_out, want_alpha = _brute(h, a_s, a_d, s, r, n, mask, 0.2)
    np.testing.assert_allclose(np.asarray(out), want_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(alpha), want_alpha, rtol=1e-5, atol=1e-6)
    assert np.all(np.asarray(out)[n - 2:] == 0)


def test_grads_match_reference():
    n, s, r, mask, h, a_s, a_d = _case(seed=1)
    sj, rj, mj = jnp.asarray(s), jnp.asarray(r), jnp.asarray(mask)
    rng = np.random.default_rng(2)
    c_out = jnp.asarray(rng.normal(size=h.shape), jnp.float32)
    c_al = jnp.asarray(rng.normal(size=(len(s), h.shape[1])), jnp.float32)
    csr = prepare_csr(sj, rj, n, mj)

    def loss(impl):
        def f(h, a_s, a_d):
            out, al = G.gat(h, a_s, a_d, sj, rj, n, 0.2, mj, csr=csr, impl=impl)
            return jnp.sum(c_out * out) + jnp.sum(c_al * al)
        return jax.grad(f, argnums=(0, 1, 2))(jnp.asarray(h), jnp.asarray(a_s), jnp.asarray(a_d))

    for got, want in zip(loss("pallas"), loss("xla")):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-5)


def test_bad_arguments_raise():
    n, s, r, mask, h, a_s, a_d = _case()
    csr = prepare_csr(jnp.asarray(s), jnp.asarray(r), n)
    with pytest.raises(ValueError, match="a_d must be"):
        G.gat_aggregate(jnp.asarray(h), jnp.asarray(a_s), jnp.asarray(a_d[:, :1]), csr)
    with pytest.raises(ValueError, match="h must be"):
        G.gat_aggregate(jnp.asarray(h[..., 0]), jnp.asarray(a_s), jnp.asarray(a_d), csr)
    with pytest.raises(ValueError, match="block_r must be a power of two"):
        G.gat_aggregate(jnp.asarray(h), jnp.asarray(a_s), jnp.asarray(a_d), csr, block_r=6)
    with pytest.raises(ValueError, match="impl must be"):
        G.gat(jnp.asarray(h), jnp.asarray(a_s), jnp.asarray(a_d), jnp.asarray(s), jnp.asarray(r), n, impl="gpu")
    h3 = jnp.zeros((n, 3, 4))
    with pytest.raises(ValueError, match="heads=3 and channels=4 must be powers of two"):
        K.gat_fwd_call(csr.indptr, csr.col, h3, jnp.zeros((n, 3)), jnp.zeros((n, 3)), interpret=False)


def test_kernels_lower_for_cuda_triton():
    """Lowering only (no GPU here): the three kernels pass the Triton lowering for CUDA."""
    pytest.importorskip("jax.experimental.pallas.triton")
    sd = jax.ShapeDtypeStruct
    n, e, nh, c = 256, 1024, 4, 16
    i32, f32 = (lambda k: sd((k,), jnp.int32)), (lambda *k: sd(k, jnp.float32))
    kw = dict(interpret=False)
    cases = [
        ("gat_fwd", lambda *a: K.gat_fwd_call(*a, **kw), (i32(n + 1), i32(e), f32(n, nh, c), f32(n, nh), f32(n, nh))),
        ("gat_bwd_dst", lambda *a: K.gat_bwd_dst_call(*a, **kw),
         (i32(n + 1), i32(e), f32(n, nh, c), f32(n, nh), f32(n, nh), f32(n, nh), f32(n, nh, c), f32(n, nh))),
        ("gat_bwd_src", lambda *a: K.gat_bwd_src_call(*a, **kw),
         (i32(n + 1), i32(e), f32(e, nh), f32(n, nh), f32(n, nh), f32(n, nh), f32(n, nh, c))),
    ]
    for name, fn, args in cases:
        assert name in jax.jit(fn).trace(*args).lower(lowering_platforms=("cuda",)).as_text()
