"""SpMM Pallas kernels (kernels/spmm; issue 9): values against a float64 numpy brute force,
gradients against autodiff of the independent jnp reference, in interpret mode on CPU.
Graphs are tiny (interpret mode is slow) but contain duplicate edges, rows without edges,
isolated nodes and masked padding edges whose sender holds NaN features."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kernels import spmm as S
from kernels.spmm import kernel as K


def _graph(seed=0, n=9, e=30):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n - 1, e)            # node n-1 never sends ...
    r = rng.integers(0, n - 3, e)            # ... and rows n-3.. receive nothing (empty rows)
    s[5], r[5] = s[4], r[4]                  # duplicate edge
    s[6], r[6] = s[4], r[4]                  # triplicate
    mask = rng.random(e) > 0.25
    s[~mask] = n - 1                         # padding edges read the NaN row; they must not matter
    r[~mask] = rng.integers(0, n, (~mask).sum())
    x = rng.normal(size=(n, 3)).astype(np.float32)
    x[n - 1] = np.nan
    w = rng.uniform(0.5, 2.0, e).astype(np.float32)
    return n, s.astype(np.int32), r.astype(np.int32), mask, x, w


def _brute(x, s, r, n, w, reduce, mask):
    """float64 loop over receivers (no segment ops, no sorting)."""
    x = x.astype(np.float64)
    out = np.zeros((n, x.shape[1]))
    for i in range(n):
        msgs = [(1.0 if w is None else float(w[e])) * x[s[e]] for e in range(len(s)) if r[e] == i and mask[e]]
        if not msgs:
            continue
        m = np.stack(msgs)
        out[i] = {"sum": m.sum(0), "mean": m.mean(0), "max": m.max(0), "min": m.min(0)}[reduce]
    return out


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
def test_values_and_grads_match_reference(reduce):
    n, s, r, mask, x, w = _graph()
    sj, rj, mj = jnp.asarray(s), jnp.asarray(r), jnp.asarray(mask)
    csr = S.prepare_csr(sj, rj, n, mj)
    xj = jnp.asarray(np.nan_to_num(x, nan=0.0))  # finite copy for the gradient reference
    for wt in (None, jnp.asarray(w)):
        got = S.spmm_csr(jnp.asarray(x), csr, wt, reduce)
        want = _brute(x, s, r, n, None if wt is None else w, reduce, mask)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)
        assert np.all(np.asarray(got)[n - 3:] == 0)  # rows without edges give 0
        ct = jnp.asarray(np.random.default_rng(1).normal(size=(n, 3)), jnp.float32)

        def loss(fn):
            return lambda x, w: jnp.sum(ct * fn(x, w))

        kern = loss(lambda x, w: S.spmm_csr(x, csr, w, reduce))
        ref = loss(lambda x, w: S.spmm_ref(x, sj, rj, n, w, reduce, mj))
        wg = jnp.asarray(w)
        if wt is None:
            gk, gr = jax.grad(lambda x: kern(x, None))(xj), jax.grad(lambda x: ref(x, None))(xj)
            np.testing.assert_allclose(np.asarray(gk), np.asarray(gr), rtol=1e-5, atol=1e-6)
        else:
            gk = jax.grad(kern, argnums=(0, 1))(xj, wg)
            gr = jax.grad(ref, argnums=(0, 1))(xj, wg)
            for a, b in zip(gk, gr):
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
            assert np.all(np.asarray(gk[1])[~mask] == 0)  # padding edges get no weight gradient


def test_max_splits_gradient_among_tied_duplicates():
    """Three copies of one edge tie for the max: each gets a third, as jax.ops.segment_max."""
    s = jnp.asarray([0, 0, 0, 1], jnp.int32)
    r = jnp.asarray([2, 2, 2, 2], jnp.int32)
    x = jnp.asarray([[5.0], [1.0], [0.0]])
    csr = S.prepare_csr(s, r, 3)
    w = jnp.ones((4,))
    gx, gw = jax.grad(lambda x, w: S.spmm_csr(x, csr, w, "max")[2, 0], argnums=(0, 1))(x, w)
    np.testing.assert_allclose(np.asarray(gx)[:, 0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(np.asarray(gw), [5 / 3, 5 / 3, 5 / 3, 0.0], rtol=1e-6)


def test_prepare_csr_and_padding_invariance():
    n, s, r, mask, x, w = _graph(seed=3)
    csr = S.prepare_csr(jnp.asarray(s), jnp.asarray(r), n, jnp.asarray(mask))
    counts = np.bincount(r[mask], minlength=n)
    np.testing.assert_array_equal(np.asarray(csr.indptr), np.concatenate([[0], np.cumsum(counts)]))
    np.testing.assert_array_equal(np.sort(np.asarray(csr.perm)), np.arange(len(s)))
    k = int(mask.sum())
    np.testing.assert_array_equal(np.asarray(csr.col)[:k], s[np.asarray(csr.perm)[:k]])
    assert np.all(r[np.asarray(csr.perm)[:k]] == np.repeat(np.arange(n), counts))
    # dropping the padding edges entirely gives the same result
    keep = np.flatnonzero(mask)
    small = S.prepare_csr(jnp.asarray(s[keep]), jnp.asarray(r[keep]), n)
    a = S.spmm_csr(jnp.asarray(x), csr, jnp.asarray(w), "sum")
    b = S.spmm_csr(jnp.asarray(x), small, jnp.asarray(w[keep]), "sum")
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_no_edges_gives_zeros():
    csr = S.prepare_csr(jnp.zeros((0,), jnp.int32), jnp.zeros((0,), jnp.int32), 4)
    x = jnp.ones((4, 2))
    for reduce in ("sum", "max"):
        np.testing.assert_array_equal(np.asarray(S.spmm_csr(x, csr, None, reduce)), np.zeros((4, 2)))


def test_bad_arguments_raise():
    n, s, r, mask, x, w = _graph()
    csr = S.prepare_csr(jnp.asarray(s), jnp.asarray(r), n)
    with pytest.raises(ValueError, match="reduce must be one of"):
        S.spmm_csr(jnp.asarray(x), csr, None, "prod")
    with pytest.raises(ValueError, match="impl must be"):
        S.spmm(jnp.asarray(x), jnp.asarray(s), jnp.asarray(r), n, impl="cuda")
    with pytest.raises(ValueError, match="block_r must be a power of two, got 3"):
        S.spmm_csr(jnp.asarray(x), csr, None, "sum", block_r=3)
    with pytest.raises(ValueError, match="edge_weight must be"):
        S.spmm_csr(jnp.asarray(x), csr, jnp.ones((3,)), "sum")
    with pytest.raises(ValueError, match="not supported here"):
        S.spmm_csr(jnp.asarray(x), csr, None, "sum", backend="mosaic_gpu")
    with pytest.raises(ValueError, match="features=3 must be a power of two"):
        K.spmm_fwd_call(csr.indptr, csr.col, None, jnp.asarray(x), interpret=False)
    with pytest.raises(ValueError, match="senders and receivers"):
        S.prepare_csr(jnp.asarray(s), jnp.asarray(r[:-1]), n)


def test_kernels_lower_for_cuda_triton():
    """Lowering only (no GPU here): forward and backward, sum and max, pass the Triton lowering
    for a CUDA target. Compiling and running on a GPU: experiments/benchmarks/gpu_session.sh (STAGES=mp)."""
    pytest.importorskip("jax.experimental.pallas.triton")
    sd = jax.ShapeDtypeStruct
    n, e, f = 256, 1024, 64
    i32, f32 = (lambda k: sd((k,), jnp.int32)), (lambda *k: sd(k, jnp.float32))
    for reduce in ("sum", "max"):
        fwd = jax.jit(lambda ip, c, w, x: K.spmm_fwd_call(ip, c, w, x, reduce=reduce, interpret=False))
        text = fwd.trace(i32(n + 1), i32(e), f32(e), f32(n, f)).lower(lowering_platforms=("cuda",)).as_text()
        assert f"spmm_{reduce}_fwd" in text
        bwd = jax.jit(lambda ip, c, w, x, g, o, t: K.spmm_bwd_call(ip, c, w, x, g, o, t, reduce=reduce,
                                                                   interpret=False))
        text = bwd.trace(i32(n + 1), i32(e), f32(e), f32(n, f), f32(n, f), f32(n, f), f32(n, f)).lower(
            lowering_platforms=("cuda",)).as_text()
        assert f"spmm_{reduce}_bwd" in text
