"""Gaunt tensor products: value vs an independent float64 quadrature, CG relation, selection
rule, O(3) equivariance, gradients, validation, and the flax layers."""
import functools

import e3nn_jax as e3nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from jaxgraph.equivariant import gaunt as G
from jaxgraph.equivariant import layers as L


# ---------------------------------------------------------------------------------------------
# Independent reference: Gauss-Legendre (cos beta) x equispaced (alpha) quadrature of products of
# e3nn spherical harmonics evaluated in float64 at points of the sphere. It shares nothing with the
# Fourier tables of the implementation except e3nn's definition of Y_lm.
# ---------------------------------------------------------------------------------------------


QUAD_DEGREE = 26  # every reference below integrates polynomials of total degree <= 26
QUAD_LMAX = 8


def _sphere_quadrature(degree):
    """Nodes [P, 3] and weights [P] exact for polynomials of total degree <= ``degree``."""
    nb = degree // 2 + 2
    na = degree + 2
    z, w = np.polynomial.legendre.leggauss(nb)
    alpha = 2 * np.pi * np.arange(na) / na + 0.123  # offset: not the grid of the implementation
    s = np.sqrt(1 - z**2)
    v = np.stack(np.broadcast_arrays(s[:, None] * np.sin(alpha), z[:, None], s[:, None] * np.cos(alpha)), -1)
    wt = np.broadcast_to(w[:, None] * 2 * np.pi / na, v.shape[:2])
    return v.reshape(-1, 3), wt.reshape(-1)


@functools.lru_cache(maxsize=None)
def _quadrature_sh():
    """(SH [P, (QUAD_LMAX+1)^2] float64 at the nodes, weights [P]); e3nn's default algorithm."""
    v, w = _sphere_quadrature(QUAD_DEGREE)
    with jax.enable_x64(True):
        irreps = e3nn.Irreps([(1, (l, (-1) ** l)) for l in range(QUAD_LMAX + 1)])
        y = np.asarray(e3nn.spherical_harmonics(irreps, jnp.asarray(v, jnp.float64), normalize=False,
                                                normalization="integral").array)
    return y, w


def reference_product(xs, ls, lmax_out):
    """SH coefficients (integral normalization) of prod_i f_{x_i}, float64 numpy."""
    assert sum(ls) + lmax_out <= QUAD_DEGREE and max(max(ls), lmax_out) <= QUAD_LMAX
    y, w = _quadrature_sh()
    f = np.ones(np.broadcast_shapes(*[np.shape(x)[:-1] for x in xs]) + (len(w),))
    for x, l in zip(xs, ls):
        f = f * np.einsum("pk,...k->...p", y[:, : (l + 1) ** 2], np.asarray(x, np.float64))
    return np.einsum("...p,p,pk->...k", f, w, y[:, : (lmax_out + 1) ** 2])


def reference_gaunt(l1, l2, l3):
    assert l1 + l2 + l3 <= QUAD_DEGREE and max(l1, l2, l3) <= QUAD_LMAX
    y, w = _quadrature_sh()
    sl = lambda l: y[:, l * l:(l + 1) ** 2]
    return np.einsum("pi,pj,pk,p->ijk", sl(l1), sl(l2), sl(l3), w)


@functools.lru_cache(maxsize=None)
def _wigner(irreps_str, seed):
    """D(R) for the random improper rotation R = -rand_matrix(seed) (computed once)."""
    r = -e3nn.rand_matrix(jax.random.PRNGKey(seed))
    return np.asarray(e3nn.Irreps(irreps_str).D_from_matrix(r)), np.asarray(r)


def _rotate(x, seed=0):
    d, _ = _wigner(str(x.irreps), seed)
    return e3nn.IrrepsArray(x.irreps, x.array @ d.T)


def _ia(l, a):
    return e3nn.IrrepsArray(G.natural_irreps(l), a)


def _relerr(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b).max() / np.abs(b).max()


SLOW = pytest.mark.slow
CASES = [(lx, ly, lo, m) for (lx, ly, lo) in [(1, 1, None), (2, 3, None), (3, 2, 2), (8, 8, 8), (0, 3, None),
                                               (2, 2, 7)] for m in ("fft", "direct", "matmul")]
CASES += [(8, 5, 4, "fft"), (1, 2, 4, "auto"), (4, 3, None, "auto"),
          # e3nn's sphere-grid path takes ~10 s per compilation on this CPU: slow marker
          pytest.param(1, 1, None, "grid", marks=SLOW), pytest.param(2, 3, None, "grid", marks=SLOW),
          pytest.param(8, 8, 8, "grid", marks=SLOW)]


@pytest.mark.parametrize("lx,ly,lo,method", CASES)
def test_matches_quadrature_reference(lx, ly, lo, method):
    rng = np.random.default_rng(lx * 100 + ly * 10 + (lo or 0))
    x = rng.normal(size=(3, 2, (lx + 1) ** 2))
    y = rng.normal(size=(2, (ly + 1) ** 2))
    lout = lx + ly if lo is None else lo
    ref = reference_product([x, y], [lx, ly], lout)
    out32 = G.gaunt_tensor_product(_ia(lx, jnp.asarray(x, jnp.float32)), _ia(ly, jnp.asarray(y, jnp.float32)),
                                   lo, method=method)
    assert out32.irreps == G.natural_irreps(lout)
    assert out32.array.dtype == jnp.float32 and out32.shape == (3, 2, (lout + 1) ** 2)
    assert _relerr(out32.array, ref) < 1e-5
    with jax.enable_x64(True):
        out64 = G.gaunt_tensor_product(_ia(lx, jnp.asarray(x)), _ia(ly, jnp.asarray(y)), lo, method=method)
        assert out64.array.dtype == jnp.float64
        assert _relerr(out64.array, ref) < 1e-10


def test_gaunt_coefficients_match_quadrature():
    for l1, l2, l3 in [(0, 0, 0), (1, 1, 2), (2, 3, 1), (3, 3, 4), (2, 2, 5), (4, 3, 5), (1, 1, 3)]:
        np.testing.assert_allclose(G.gaunt_coefficients(l1, l2, l3), reference_gaunt(l1, l2, l3), atol=1e-12)
    # sanity of the reference itself: Y_00 = 1/sqrt(4 pi) so G^{lm}_{00,lm} = 1/sqrt(4 pi)
    np.testing.assert_allclose(reference_gaunt(0, 2, 2)[0], np.eye(5) / np.sqrt(4 * np.pi), atol=1e-13)


@pytest.mark.parametrize("l1,l2,l3", [(1, 1, 0), (1, 1, 2), (1, 2, 1), (2, 2, 2), (2, 3, 3), (3, 3, 4), (2, 4, 6)])
def test_proportional_to_clebsch_gordan(l1, l2, l3):
    """Even paths: G = c C^{l3}_{l1 l2} with one constant per path (also vs e3nn.tensor_product)."""
    g = reference_gaunt(l1, l2, l3)
    cg = np.asarray(e3nn.clebsch_gordan(l1, l2, l3), np.float64)
    c = np.sum(g * cg) / np.sum(cg * cg)
    assert abs(c) > 1e-3
    np.testing.assert_allclose(g, c * cg, atol=1e-12)
    # same statement at the level of the products: Gaunt path output = const * e3nn CG path output
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 2 * l1 + 1)).astype(np.float32)
    y = rng.normal(size=(5, 2 * l2 + 1)).astype(np.float32)
    ir = lambda l: e3nn.Irrep(l, (-1) ** l)
    tp = e3nn.tensor_product(e3nn.IrrepsArray(e3nn.Irreps([(1, ir(l1))]), x),
                             e3nn.IrrepsArray(e3nn.Irreps([(1, ir(l2))]), y), filter_ir_out=[ir(l3)])
    xf = np.zeros((5, (l1 + 1) ** 2), np.float32)
    xf[:, l1 * l1:] = x
    yf = np.zeros((5, (l2 + 1) ** 2), np.float32)
    yf[:, l2 * l2:] = y
    out = np.asarray(G.gaunt_tensor_product(_ia(l1, xf), _ia(l2, yf), l3).array)[:, l3 * l3:]
    tpa = np.asarray(tp.array)
    ratio = np.sum(out * tpa) / np.sum(tpa * tpa)
    np.testing.assert_allclose(out, ratio * tpa, atol=1e-5 * np.abs(out).max())


def test_odd_paths_vanish_cross_product_not_expressible():
    for l1, l2, l3 in [(1, 1, 1), (1, 2, 2), (2, 2, 1), (2, 3, 2)]:
        assert np.abs(G.gaunt_coefficients(l1, l2, l3)).max() < 1e-13
        assert np.abs(np.asarray(e3nn.clebsch_gordan(l1, l2, l3))).max() > 0.1  # CG has the path
    rng = np.random.default_rng(1)
    v1, v2 = rng.normal(size=(2, 3)).astype(np.float32)
    x = np.concatenate([[0.0], v1]).astype(np.float32)
    y = np.concatenate([[0.0], v2]).astype(np.float32)
    out = G.gaunt_tensor_product(_ia(1, x), _ia(1, y))
    assert "1e" not in str(out.irreps) and out.irreps == e3nn.Irreps("0e+1o+2e")
    assert np.abs(np.asarray(out.filter(keep="1o").array)).max() < 1e-6  # no l=1 part from 1o x 1o
    cross = e3nn.tensor_product(_ia(1, x).filter(keep="1o"), _ia(1, y).filter(keep="1o"), filter_ir_out=["1e"])
    assert np.abs(np.asarray(cross.array)).max() > 0.1  # ... although the CG cross product is non-zero


@pytest.mark.parametrize("method", ["fft", "direct", "matmul", pytest.param("grid", marks=SLOW)])
def test_equivariance_o3(method):
    """f(D x, D y) = D f(x, y) for a random rotation composed with the inversion."""
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    x = e3nn.normal(G.natural_irreps(3), k1, (4,))
    y = e3nn.normal(G.natural_irreps(2), k2, (4,))
    out_rot = G.gaunt_tensor_product(_rotate(x), _rotate(y), 4, method=method)
    rot_out = _rotate(G.gaunt_tensor_product(x, y, 4, method=method))
    np.testing.assert_allclose(out_rot.array, rot_out.array, atol=2e-5)
    chain = G.gaunt_chain([x, y, x], 4, method=method)
    np.testing.assert_allclose(G.gaunt_chain([_rotate(x), _rotate(y), _rotate(x)], 4, method=method).array,
                               _rotate(chain).array, atol=5e-5)
    assert np.abs(np.asarray(rot_out.array - G.gaunt_tensor_product(x, y, 4, method=method).array)).max() > 1e-2


@pytest.mark.parametrize("method", ["fft", "direct", "matmul", "auto", pytest.param("grid", marks=SLOW)])
def test_chain_and_power(method):
    rng = np.random.default_rng(3)
    xs = [rng.normal(size=(2, (l + 1) ** 2)) for l in (2, 1, 3)]
    ref = reference_product(xs, [2, 1, 3], 4)
    out = G.gaunt_chain([_ia(l, jnp.asarray(x, jnp.float32)) for l, x in zip((2, 1, 3), xs)], 4, method=method)
    assert _relerr(out.array, ref) < 1e-5
    # chain = product without intermediate truncation
    full = G.gaunt_tensor_product(_ia(2, xs[0]), _ia(1, xs[1]))  # lmax_out = 3, exact
    np.testing.assert_allclose(G.gaunt_tensor_product(full, _ia(3, xs[2]), 4).array, out.array, atol=1e-5)
    x = xs[2]
    ref3 = reference_product([x, x, x], [3, 3, 3], 6)
    p = G.gaunt_power(_ia(3, jnp.asarray(x, jnp.float32)), 3, 6, method=method)
    assert _relerr(p.array, ref3) < 1e-5
    with jax.enable_x64(True):
        p64 = G.gaunt_power(_ia(3, jnp.asarray(x)), 3, 6, method=method)
        assert _relerr(p64.array, ref3) < 1e-10
    np.testing.assert_allclose(G.gaunt_power(_ia(3, x), 1).array, x, atol=1e-6)


def test_broadcasting_and_jit():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4, 1, 9)).astype(np.float32)
    y = rng.normal(size=(3, 4)).astype(np.float32)
    out = jax.jit(lambda a, b: G.gaunt_tensor_product(_ia(2, a), _ia(1, b), method="fft").array)(x, y)
    assert out.shape == (4, 3, 16)
    for i in range(4):
        for j in range(3):
            np.testing.assert_allclose(out[i, j], G.gaunt_tensor_product(_ia(2, x[i, 0]), _ia(1, y[j])).array,
                                       atol=1e-5)


def _dot_precisions(jaxpr):
    """Precision of every dot_general in a jaxpr, sub-jaxprs (jit, custom rules) included."""
    out = []
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == "dot_general":
            out.append(eqn.params["precision"])
        for v in eqn.params.values():
            for sub in (v if isinstance(v, (tuple, list)) else (v,)):
                if hasattr(sub, "eqns"):  # a Jaxpr
                    out += _dot_precisions(sub)
                elif hasattr(getattr(sub, "jaxpr", None), "eqns"):  # a ClosedJaxpr
                    out += _dot_precisions(sub.jaxpr)
    return out


@pytest.mark.parametrize("method", ["fft", "direct", "matmul"])
def test_full_float32_precision_on_accelerators(method):
    # On GPUs XLA's default f32 matmul precision is TF32 (max error 1e-3 at L <= 4 on an H200,
    # experiments/benchmarks/RESULTS.md): every product of ours, forward and backward, asks for HIGHEST.
    x = jnp.ones((3, 9), jnp.float32)
    y = jnp.ones((3, 4), jnp.float32)
    f = lambda a, b: jnp.sum(G.gaunt_tensor_product(_ia(2, a), _ia(1, b), method=method).array ** 2)
    precs = _dot_precisions(jax.make_jaxpr(jax.grad(f, argnums=(0, 1)))(x, y).jaxpr)
    assert precs, "no matmul found"
    hi = jax.lax.Precision.HIGHEST
    assert all(p == (hi, hi) or p == hi for p in precs), precs


@pytest.mark.parametrize("method", ["fft", "direct", "matmul", pytest.param("grid", marks=pytest.mark.slow)])
def test_gradients_float64(method):
    rng = np.random.default_rng(5)
    with jax.enable_x64(True):
        x = jnp.asarray(rng.normal(size=(2, 9)))
        y = jnp.asarray(rng.normal(size=(2, 4)))
        f = lambda a, b: G.gaunt_tensor_product(_ia(2, a), _ia(1, b), 3, method=method).array
        check_grads(f, (x, y), order=1, modes=("rev",), atol=1e-7, rtol=1e-7)
        g = lambda a: G.gaunt_power(_ia(2, a), 3, 4, method=method).array
        check_grads(g, (x,), order=1, modes=("rev",), atol=1e-7, rtol=1e-7)


def test_bad_inputs():
    x = e3nn.normal("0e+1o+2e", jax.random.PRNGKey(0), (3,))
    with pytest.raises(ValueError, match=r"x\.irreps.*1e"):
        G.gaunt_tensor_product(e3nn.normal("0e+1e", jax.random.PRNGKey(0)), x)
    with pytest.raises(ValueError, match=r"y\.irreps.*multiplicity 2"):
        G.gaunt_tensor_product(x, e3nn.normal("0e+2x1o", jax.random.PRNGKey(0)))
    with pytest.raises(ValueError, match=r"x\.irreps.*2e"):
        G.gaunt_tensor_product(e3nn.normal("0e+2e", jax.random.PRNGKey(0)), x)
    with pytest.raises(ValueError, match=r"leading shapes.*x\.shape=\(3, 9\).*y\.shape=\(4, 9\)"):
        G.gaunt_tensor_product(x, e3nn.normal("0e+1o+2e", jax.random.PRNGKey(0), (4,)))
    with pytest.raises(ValueError, match="lmax_out.*-1"):
        G.gaunt_tensor_product(x, x, -1)
    with pytest.raises(ValueError, match="method.*'cg'"):
        G.gaunt_tensor_product(x, x, method="cg")
    with pytest.raises(ValueError, match="x must be an e3nn.IrrepsArray"):
        G.gaunt_tensor_product(jnp.zeros(9), x)
    with pytest.raises(ValueError, match="nu.*0"):
        G.gaunt_power(x, 0)
    with pytest.raises(ValueError, match="xs is empty"):
        G.gaunt_chain([])


# ---------------------------------------------------------------------------------------------
# flax layers
# ---------------------------------------------------------------------------------------------


def test_gaunt_tensor_product_layer_equivariant_and_weighted():
    k1, k2, k3 = jax.random.split(jax.random.PRNGKey(1), 3)
    x = e3nn.normal("0e+1o+2e", k1, (5, 4))  # [..., C, irreps]
    y = e3nn.normal("0e+1o", k2, (5, 4))
    layer = L.GauntTensorProduct(lmax_out=2)
    params = layer.init(k3, x, y)
    apply = jax.jit(layer.apply)
    out = apply(params, x, y)
    assert out.irreps == e3nn.Irreps("0e+1o+2e") and out.shape == (5, 4, 9)
    np.testing.assert_allclose(apply(params, _rotate(x), _rotate(y)).array, _rotate(out).array, atol=1e-5)
    # with unit weights it is the plain Gaunt product
    ones = jax.tree_util.tree_map(jnp.ones_like, params)
    np.testing.assert_allclose(apply(ones, x, y).array, G.gaunt_tensor_product(x, y, 2).array, atol=1e-5)
    # weights act per degree and channel: scaling input degree 1 of x in channel 0 only changes channel 0
    p2 = jax.tree_util.tree_map(lambda a: a, ones)
    p2["params"]["weight_x"] = ones["params"]["weight_x"].at[0, 1].set(2.0)
    d = np.abs(np.asarray(apply(p2, x, y).array - apply(ones, x, y).array)).max(axis=(0, 2))
    assert d[0] > 1e-3 and np.all(d[1:] < 1e-6)


def test_gaunt_interaction_equivariant_and_padding():
    n, e, c = 6, 10, 8
    rng = np.random.default_rng(2)
    pos = rng.normal(size=(n, 3)).astype(np.float32)
    senders = rng.integers(0, n, e)
    receivers = (senders + rng.integers(1, n, e)) % n
    feats = e3nn.normal("0e+1o+2e", jax.random.PRNGKey(0), (n, c))
    block = L.GauntInteraction(channels=c, lmax=2, lmax_sh=2, num_basis=6, cutoff=3.0)

    @jax.jit
    def run(params, pos, feats, mask=None):
        vec = e3nn.IrrepsArray("1o", pos[receivers] - pos[senders])
        return block.apply(params, feats, vec, senders, receivers, n, edge_mask=mask)

    vec0 = e3nn.IrrepsArray("1o", pos[receivers] - pos[senders])
    params = jax.jit(block.init, static_argnums=(5,))(jax.random.PRNGKey(1), feats, vec0, senders, receivers, n)
    out = run(params, pos, feats)
    assert out.irreps == e3nn.Irreps("0e+1o+2e") and out.shape == (n, c, 9)
    _, r = _wigner("1o", 0)
    out_r = run(params, pos @ r.T, _rotate(feats))
    np.testing.assert_allclose(out_r.array, _rotate(out).array, atol=1e-4)
    # masked-out edges contribute nothing
    mask = np.ones(e, bool)
    mask[-3:] = False
    keep = slice(0, e - 3)
    block_params_out = run(params, pos, feats, jnp.asarray(mask))
    vec_k = e3nn.IrrepsArray("1o", pos[receivers[keep]] - pos[senders[keep]])
    ref = jax.jit(block.apply, static_argnums=(5,))(params, feats, vec_k, senders[keep], receivers[keep], n)
    np.testing.assert_allclose(block_params_out.array, ref.array, atol=1e-5)
