"""Gaunt tensor products in the 2D Fourier basis.

Paper: Luo, Chen, Krishnapriyan, "Enabling Efficient Equivariant Operations in the Fourier Basis
via Gaunt Tensor Products", ICLR 2024.

A feature ``x`` with irreps ``0e + 1o + ... + L`` (one copy of each degree, natural parity
``(-1)^l``) is read as the spherical function ``f_x(u) = sum_lm x_lm Y_lm(u)``. The Gaunt tensor
product of ``x`` and ``y`` is the spherical-harmonic expansion of the pointwise product,
truncated at ``lmax_out``::

    out_{l3 m3} = sum_{l1 m1 l2 m2} G^{l3 m3}_{l1 m1, l2 m2} x_{l1 m1} y_{l2 m2},
    G^{l3 m3}_{l1 m1, l2 m2} = \\int_{S^2} Y_{l1 m1}(u) Y_{l2 m2}(u) Y_{l3 m3}(u) dOmega(u).

Normalization: e3nn-jax real spherical harmonics with ``normalization="integral"``, i.e.
orthonormal on the unit sphere, ``\\int Y_lm Y_l'm' dOmega = delta``; so ``out`` is exactly the
orthogonal projection of ``f_x f_y`` onto degrees ``<= lmax_out`` (coefficients of
``e3nn.spherical_harmonics(..., normalization="integral")`` and of ``e3nn.to_s2grid`` /
``e3nn.from_s2grid`` with ``normalization="integral"``).

Method of the paper (``method="fft"``): with the e3nn grid parameterisation
``u(theta, phi) = (sin theta sin phi, cos theta, sin theta cos phi)`` every ``Y_lm`` is a
trigonometric polynomial ``sum_{|a|,|b| <= l} c^{lm}_{ab} e^{i(a theta + b phi)}`` with
``c^{lm}_{ab} = 0`` unless ``|b| = |m|``. So

1. SH -> 2D Fourier: ``F_x[b, a] = sum_lm x_lm c^{lm}_{ab}`` (sparse in ``b``: ``O(L^3)``);
2. the product of the functions is the 2D linear convolution ``F_x * F_y``, done by zero-padded
   FFT, ``O(L^2 log L)``: real FFTs (the functions are real), ``irfft2`` -> pointwise product on
   the torus grid -> ``rfft2``, with the phi-grid only as large as the ``|b| <= lmax_out`` window
   needs. ``method="direct"`` does the zero-padded DFTs as dense matmuls, ``O(L^3)`` (a candidate
   for small ``L`` on accelerators; slower than ``fft`` on CPU);
3. 2D Fourier -> SH: ``out_lm = sum_ab F[b, a] p^{lm}_{ab}`` with
   ``p^{lm}_{ab} = \\int_0^pi \\int_0^{2 pi} e^{i(a theta + b phi)} Y_lm sin(theta) dphi dtheta``,
   computed in closed form (again sparse in ``b``: ``O(L^3)``).

``method="matmul"`` (the default through ``"auto"`` up to total degree 32) composes these linear
maps offline: step 1 + inverse DFT is the evaluation of each input on the torus grid, forward DFT
+ step 3 a fixed projection, so the product is two dense real GEMMs per factor and one pointwise
product on ``G = (2 Lsum + 1)(Lsum + lmax_out + 1) / 2`` points (the torus double-covers the
sphere, so half the grid suffices). ``O(L^4)`` work, but as dense matmuls it is the fastest path
on CPU for every L measured (to 16) and about the fp32-matmul floor the paper's GPU figures
point to; the FFT path remains for large L and for the ``O(L^3)`` scaling argument.

All change-of-basis tables are exact: computed once per degree in float64 (e3nn spherical
harmonics sampled on a ``(2l+1) x (2l+1)`` torus grid and an exact DFT; analytic
``\\int_0^pi e^{ik theta} sin(theta) dtheta``) and cached. :func:`gaunt_chain` /
:func:`gaunt_power` multiply many functions in the Fourier (grid) domain and project back only
once, which is what makes MACE-style many-body products cheap.

Selection rule: ``G`` vanishes unless ``l1 + l2 + l3`` is even (parity), and on those paths it is
proportional to the Clebsch-Gordan coefficients (``G = c(l1,l2,l3) C^{l3}_{l1 l2}``). Paths with
``l1 + l2 + l3`` odd, e.g. the cross product ``1o x 1o -> 1e``, are not expressible: their output
irreps (``1e``, ``2o``, ...) never appear in the output, which always has natural parity.
"""
from __future__ import annotations

import functools
from typing import Sequence

import e3nn_jax as e3nn
import jax
import jax.numpy as jnp
import numpy as np

# Every dense product here runs at full float32 precision: on GPUs XLA's default precision for f32
# matmuls is TF32, which measured max errors of 1e-3 (L = 1..4, one H200) against 1e-6 at HIGHEST.
_HI = jax.lax.Precision.HIGHEST

__all__ = [
    "gaunt_tensor_product",
    "gaunt_chain",
    "gaunt_power",
    "gaunt_coefficients",
    "sh_to_fourier",
    "fourier_to_sh",
    "natural_irreps",
    "irreps_lmax",
    "METHODS",
    "AUTO_DIRECT_MAX_L",
    "AUTO_MATMUL_MAX_LSUM",
]

METHODS = ("auto", "fft", "direct", "matmul", "grid")
# "auto" uses the dense-DFT ("direct") path when the larger input degree is <= this. On CPU
# (experiments/benchmarks/gaunt_cpu.json, batch 1024) the real-FFT path was as fast or faster for
# every L >= 1, so the threshold is 0; re-measure on an accelerator before raising it.
AUTO_DIRECT_MAX_L = 0
# "auto" uses the fused torus-quadrature matmuls ("matmul") while the total input degree is <= this
# and the FFT path above: the matmul path costs O(L^4) per product against the FFT path's
# O(L^3 log L) but runs as dense GEMMs; on CPU it was 8-12x faster than "fft" and 1.3-2x faster
# than e3nn's sphere grid for every L <= 16 (experiments/benchmarks/RESULTS.md).
AUTO_MATMUL_MAX_LSUM = 32


def natural_irreps(lmax: int) -> e3nn.Irreps:
    """``0e + 1o + 2e + ... + lmax`` (one copy per degree, parity ``(-1)^l``)."""
    if isinstance(lmax, bool) or not isinstance(lmax, (int, np.integer)) or lmax < 0:
        raise ValueError(f"lmax must be a non-negative int, got {lmax!r}")
    return e3nn.Irreps([(1, (l, (-1) ** l)) for l in range(int(lmax) + 1)])


def irreps_lmax(irreps, name: str = "irreps") -> int:
    """Checks that ``irreps`` is ``0e + 1o + ... + L`` and returns ``L``.

    Raises:
      ValueError: naming ``name`` and the irreps when a degree is missing or repeated, a
        multiplicity is not 1, or a parity is not ``(-1)^l``.
    """
    irreps = e3nn.Irreps(irreps)
    if len(irreps) == 0:
        raise ValueError(f"{name} is empty; expected 0e+1o+2e+... up to some L")
    for i, (mul, ir) in enumerate(irreps):
        if mul != 1:
            raise ValueError(
                f"{name}={irreps} has multiplicity {mul} for {ir}; the Gaunt tensor product needs one "
                f"copy per degree (put channels in a leading axis)")
        if ir.l != i:
            raise ValueError(f"{name}={irreps} must list the degrees 0, 1, 2, ... in order without gaps; "
                             f"found {ir} at position {i}")
        if ir.p != (-1) ** ir.l:
            raise ValueError(f"{name}={irreps} has {ir}, which is not of natural parity "
                             f"(expected {ir.l}{'e' if ir.l % 2 == 0 else 'o'})")
    return len(irreps) - 1


# ---------------------------------------------------------------------------------------------
# Exact change-of-basis tables (float64 numpy, cached)
# ---------------------------------------------------------------------------------------------


def _x64_scope():
    """Thread-local 64-bit scope for building the tables (never flips the global flag)."""
    state = getattr(jax, "enable_x64", None)
    if callable(state):  # JAX >= 0.8
        return state(True)
    from jax.experimental import enable_x64  # pragma: no cover - JAX 0.4.x

    return enable_x64(True)


@functools.lru_cache(maxsize=None)
def _sh_fourier_base(lmax: int) -> np.ndarray:
    """``C[lm, b, a]`` complex128 with ``Y_lm(theta, phi) = sum_ab C e^{i(a theta + b phi)}``.

    ``a, b`` run over ``-lmax..lmax`` (index ``a + lmax``). Exact: every ``Y_lm`` is a homogeneous
    polynomial of degree ``l`` in ``u(theta, phi)``, hence a trigonometric polynomial of degree
    ``<= l`` in each angle, and ``n = 2 lmax + 1`` equispaced samples per angle give its
    coefficients exactly through a DFT.
    """
    n = 2 * lmax + 1
    t = 2 * np.pi * np.arange(n) / n
    theta, phi = t[:, None], t[None, :]
    vec = np.stack(np.broadcast_arrays(np.sin(theta) * np.sin(phi), np.cos(theta),
                                       np.sin(theta) * np.cos(phi)), axis=-1)  # [theta, phi, 3]
    irreps = natural_irreps(lmax)
    with jax.ensure_compile_time_eval(), _x64_scope():
        v64 = jnp.asarray(vec, jnp.float64)
        try:  # e3nn's Legendre algorithm: same functions, much faster to build for large l
            sh = e3nn.spherical_harmonics(irreps, v64, normalize=False, normalization="integral",
                                          algorithm=("legendre", "dense")).array
        except Exception:  # pragma: no cover - if a future JAX drops lpmn_values
            sh = e3nn.spherical_harmonics(irreps, v64, normalize=False, normalization="integral").array
        sh = np.asarray(sh, np.float64)  # [theta, phi, lm]
    # c_{ab} = 1/n^2 sum_jk f(theta_j, phi_k) e^{-i(a theta_j + b phi_k)}
    coef = np.fft.fft2(sh, axes=(0, 1)) / n**2  # [a mod n, b mod n, lm]
    freqs = np.arange(-lmax, lmax + 1)
    coef = coef[np.ix_(freqs % n, freqs % n)]  # [a, b, lm] centred
    coef = np.transpose(coef, (2, 1, 0))  # [lm, b, a]
    coef[np.abs(coef) < 1e-14] = 0.0
    return coef


def _sh_fourier_coefficients(lmax: int) -> np.ndarray:
    """:func:`_sh_fourier_base` for ``lmax``, sliced from a table computed for ``lmax`` rounded up
    to a multiple of 8 (``Y_l`` has no frequency above ``l``, so the slice is exact)."""
    base_l = max(8, -(-lmax // 8) * 8)
    c = _sh_fourier_base(base_l)
    sl = slice(base_l - lmax, base_l + lmax + 1)
    return c[: (lmax + 1) ** 2, sl, sl]


def _int_sin(k: np.ndarray) -> np.ndarray:
    """``\\int_0^pi e^{i k theta} sin(theta) dtheta`` for integer ``k`` (exact, complex128)."""
    k = np.asarray(k)

    def j(n):  # \int_0^pi e^{i n theta} dtheta
        n = n.astype(np.float64)
        safe = np.where(n == 0, 1.0, n)
        return np.where(n == 0, np.pi + 0j, ((-1.0) ** np.abs(n) - 1.0) / (1j * safe))

    return (j(k + 1) - j(k - 1)) / 2j


@functools.lru_cache(maxsize=None)
def _projection_coefficients(lmax_prod: int, lmax_out: int) -> np.ndarray:
    """``P[lm, b, a] = \\int e^{i(a theta + b phi)} Y_lm(theta, phi) dOmega`` (complex128).

    ``l <= lmax_out``; ``a`` runs over ``-lmax_prod..lmax_prod``, ``b`` over
    ``-lmax_out..lmax_out``. With ``Y_lm = sum c_{a'b'} e^{i(a' theta + b' phi)}`` the ``phi``
    integral selects ``b' = -b`` (factor ``2 pi``) and the ``theta`` integral is
    :func:`_int_sin` of ``a + a'``.
    """
    c = _sh_fourier_coefficients(lmax_out)  # [lm, b', a'] with b', a' in -lo..lo
    a = np.arange(-lmax_prod, lmax_prod + 1)
    ap = np.arange(-lmax_out, lmax_out + 1)
    k = _int_sin(a[:, None] + ap[None, :])  # [a, a']
    c_neg_b = c[:, ::-1, :]  # b -> -b
    p = 2 * np.pi * np.einsum("lbx,ax->lba", c_neg_b, k)
    p[np.abs(p) < 1e-15] = 0.0
    return p


def _m_layout(lmax: int):
    """Index maps between flat ``lm`` (``l^2 + l + m``) and the ``[b, l]`` layout.

    Returns ``(idx_pos, idx_neg, valid)``: ``idx_pos[b, l]`` = flat index of ``(l, m=b)``,
    ``idx_neg[b, l]`` of ``(l, m=-b)`` (``b`` from ``-lmax``; invalid entries point to the extra
    zero slot ``(lmax+1)^2``), ``valid[b, l] = l >= |b|``.
    """
    b = np.arange(-lmax, lmax + 1)[:, None]
    l = np.arange(lmax + 1)[None, :]
    valid = l >= np.abs(b)
    dim = (lmax + 1) ** 2
    idx_pos = np.where(valid, l * l + l + b, dim)
    idx_neg = np.where(valid, l * l + l - b, dim)
    return idx_pos, idx_neg, valid


@functools.lru_cache(maxsize=None)
def _to_fourier_tables(lmax: int):
    """Sparse SH -> Fourier tables: ``T[b, 2(L+1), 2(2L+1)]`` float64 and the gather index.

    ``F[b, a] = sum_l x_{l,b} A[b,l,a] + x_{l,-b} B[b,l,a]``; the last axis holds the real
    parts of ``a`` then the imaginary parts.
    """
    c = _sh_fourier_coefficients(lmax)
    idx_pos, idx_neg, valid = _m_layout(lmax)
    n = 2 * lmax + 1
    bi = np.arange(n)[:, None]
    c_pad = np.concatenate([c, np.zeros((1,) + c.shape[1:], c.dtype)], axis=0)
    a_tab = c_pad[idx_pos, bi, :]  # [b, l, a]
    b_tab = c_pad[idx_neg, bi, :]
    b_tab[lmax] = 0.0  # b = 0: m = -0 is the same entry as m = 0
    # sanity: the full table is sparse in b (|b| = |m|); the split must reproduce it.
    dense = np.zeros_like(c)
    for bb in range(n):
        for l in range(lmax + 1):
            if valid[bb, l]:
                dense[idx_pos[bb, l], bb] += a_tab[bb, l]
                if bb != lmax:
                    dense[idx_neg[bb, l], bb] += b_tab[bb, l]
    assert np.abs(dense - c).max() < 1e-12, "spherical harmonics are not sparse in phi-frequency"
    t = np.concatenate([a_tab, b_tab], axis=1)  # [b, 2(L+1), a]
    t = np.concatenate([t.real, t.imag], axis=2)  # [b, 2(L+1), 2n]
    gather = np.concatenate([idx_pos, idx_neg], axis=1).astype(np.int32)  # [b, 2(L+1)]
    return t, gather


@functools.lru_cache(maxsize=None)
def _from_fourier_tables(lmax_prod: int, lmax_out: int):
    """Sparse Fourier -> SH tables: ``T[b, 4(2Lp+1), Lo+1]`` float64 and the output gather.

    ``out_{l, m=b} = Re sum_a (F[b, a] Q[b,l,a] + F[-b, a] R[b,l,a])``; the contracted axis
    holds ``Re F[b], Im F[b], Re F[-b], Im F[-b]`` against ``Re Q, -Im Q, Re R, -Im R``.
    """
    p = _projection_coefficients(lmax_prod, lmax_out)  # [lm, b (-Lo..Lo), a]
    lo = lmax_out
    b = np.arange(-lo, lo + 1)
    l = np.arange(lo + 1)
    valid = l[None, :] >= np.abs(b)[:, None]
    flat = np.where(valid, l[None, :] ** 2 + l[None, :] + b[:, None], 0)  # [b, l]
    bi = np.arange(2 * lo + 1)[:, None]
    q = p[flat, bi, :] * valid[..., None]  # P[(l, m=b), b, a]
    r = p[flat, (2 * lo - bi), :] * valid[..., None]  # P[(l, m=b), -b, a]
    r[lo] = 0.0  # b = 0: F[0] already counted by q
    t = np.concatenate([q.real, -q.imag, r.real, -r.imag], axis=2)  # [b, l, 4 na]
    t = np.transpose(t, (0, 2, 1))  # [b, 4 na, l]
    # output gather: flat lm -> position in [b, l]
    out_idx = np.zeros((lo + 1) ** 2, np.int32)
    for ll in range(lo + 1):
        for m in range(-ll, ll + 1):
            out_idx[ll * ll + ll + m] = (m + lo) * (lo + 1) + ll
    return t, out_idx


def sh_to_fourier(x: jax.Array, lmax: int) -> jax.Array:
    """SH coefficients ``[..., (lmax+1)^2]`` -> 2D Fourier coefficients ``[..., 2L+1 (b), 2L+1 (a)]``.

    ``f(theta, phi) = sum_ab F[..., b + L, a + L] e^{i(a theta + b phi)}``; complex output.
    """
    t, gather = _to_fourier_tables(lmax)
    dtype = x.dtype
    x_pad = jnp.concatenate([x, jnp.zeros(x.shape[:-1] + (1,), dtype)], axis=-1)
    xg = x_pad[..., gather]  # [..., b, 2(L+1)]
    f = jnp.einsum("...bk,bkc->...bc", xg, jnp.asarray(t, dtype), precision=_HI)
    n = 2 * lmax + 1
    return jax.lax.complex(f[..., :n], f[..., n:])


def fourier_to_sh(f: jax.Array, lmax_prod: int, lmax_out: int) -> jax.Array:
    """2D Fourier coefficients ``[..., 2Lp+1, 2Lp+1]`` (any ``b`` range centred, cropped to
    ``lmax_out``) -> SH coefficients ``[..., (lmax_out+1)^2]`` (real)."""
    t, out_idx = _from_fourier_tables(lmax_prod, lmax_out)
    nb = f.shape[-2] // 2
    f = f[..., nb - lmax_out: nb + lmax_out + 1, :]  # [..., b (-Lo..Lo), a]
    f_neg = f[..., ::-1, :]
    z = jnp.concatenate([f.real, f.imag, f_neg.real, f_neg.imag], axis=-1)  # [..., b, 4 na]
    out = jnp.einsum("...bk,bkl->...bl", z, jnp.asarray(t, z.dtype), precision=_HI)  # [..., b, l]
    out = out.reshape(out.shape[:-2] + (-1,))
    return out[..., out_idx]


@functools.lru_cache(maxsize=None)
def gaunt_coefficients(l1: int, l2: int, l3: int) -> np.ndarray:
    """Gaunt coefficients ``G[m1, m2, m3] = \\int Y_{l1m1} Y_{l2m2} Y_{l3m3} dOmega`` (float64).

    Computed with the Fourier tables (exact); shape ``[2l1+1, 2l2+1, 2l3+1]``, e3nn real
    spherical harmonics with integral normalization.
    """
    for name, v in (("l1", l1), ("l2", l2), ("l3", l3)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative int, got {v!r}")
    from scipy.signal import convolve2d  # local: scipy only needed here

    c1 = _sh_fourier_coefficients(l1)[l1 * l1:]
    c2 = _sh_fourier_coefficients(l2)[l2 * l2:]
    lp = l1 + l2
    prod = np.zeros((2 * l1 + 1, 2 * l2 + 1, 2 * lp + 1, 2 * lp + 1), complex)
    for i in range(2 * l1 + 1):
        for j in range(2 * l2 + 1):
            prod[i, j] = convolve2d(c1[i], c2[j])
    p = _projection_coefficients(lp, l3)[l3 * l3:]  # [m3, b, a]
    nb = lp
    prod = prod[:, :, nb - l3: nb + l3 + 1, :] if l3 <= lp else np.pad(
        prod, ((0, 0), (0, 0), (l3 - lp, l3 - lp), (0, 0)))
    g = np.einsum("ijba,kba->ijk", prod, p).real
    g.setflags(write=False)  # cached: read-only
    return g


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


def _fft_size(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (fast FFT sizes on every backend)."""
    m = n
    while True:
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return m
        m += 1


@functools.lru_cache(maxsize=None)
def _rfft_layout(ls: tuple, lmax_out: int):
    """Grid sizes and output gather for :func:`_product_rfft` (static, cached)."""
    lsum = sum(ls)
    n_a = _fft_size(2 * lsum + 1)  # theta: every product frequency |a| <= lsum is needed
    # phi: only |b| <= lmax_out is needed, so aliasing of |b| in (lmax_out, lsum] is allowed as
    # long as it does not land in the window; the inputs must fit without overlap.
    n_b = _fft_size(max(lsum + lmax_out + 1, 2 * max(ls) + 1))
    h = n_a // 2 + 1
    bb = np.arange(-lmax_out, lmax_out + 1)[:, None]
    aa = np.arange(-lsum, lsum + 1)[None, :]
    idx = np.where(aa >= 0, (bb % n_b) * h + aa, ((-bb) % n_b) * h - aa).astype(np.int32)
    return n_a, n_b, idx, aa < 0


def _product_rfft(fs: Sequence[jax.Array], ls: Sequence[int], lmax_out: int, power: int = 1) -> jax.Array:
    """Fourier coefficients ``[..., 2 lmax_out + 1 (b), 2 Lsum + 1 (a)]`` of ``prod_i f_i^power``.

    The zero-padded 2D FFT convolution, using that the functions are real: each factor is
    evaluated on an ``n_b x n_a`` torus grid by ``irfft2`` of its half spectrum, the values are
    multiplied, and ``rfft2`` gives the half spectrum of the product (the other half by Hermitian
    symmetry). ``n_a >= 2 Lsum + 1`` (no wrap in theta); ``n_b >= Lsum + lmax_out + 1`` (no wrap
    into the ``|b| <= lmax_out`` window that the projection reads).
    """
    n_a, n_b, idx, neg = _rfft_layout(tuple(ls) * power, lmax_out)
    h = n_a // 2 + 1
    vals = None
    for f, l in zip(fs, ls):
        half = f[..., :, l:]  # a = 0..l
        nlead = half.ndim - 2
        half = jnp.pad(half, [(0, 0)] * nlead + [(0, n_b - (2 * l + 1)), (0, h - (l + 1))])
        half = jnp.roll(half, -l, axis=-2)  # b -> b mod n_b
        v = jnp.fft.irfft2(half, s=(n_b, n_a)) * (n_b * n_a)  # f on the torus grid (real)
        v = v if power == 1 else v**power
        vals = v if vals is None else vals * v
    spec = jnp.fft.rfft2(vals) / (n_b * n_a)  # [..., n_b, h]
    spec = spec.reshape(spec.shape[:-2] + (n_b * h,))
    out = spec[..., jnp.asarray(idx)]
    return jnp.where(jnp.asarray(neg), jnp.conj(out), out)


@functools.lru_cache(maxsize=None)
def _dft_matrix(n: int, k: int, inverse: bool) -> np.ndarray:
    """``[n, k]`` complex128: ``exp(-+2 pi i j q / n)`` (``/ n`` for the inverse)."""
    j = np.arange(n)[:, None] * np.arange(k)[None, :]
    if inverse:
        return np.exp(2j * np.pi * j / n) / n
    return np.exp(-2j * np.pi * j / n)


def _conv_dft(fs: Sequence[jax.Array], ls: Sequence[int]) -> jax.Array:
    """The same linear 2D convolution with the DFTs done as dense matmuls (``method="direct"``):
    each factor is transformed by ``W F W^T`` with the ``[n, 2L+1]`` DFT matrix of the
    zero-padded size ``n = 2 sum(L) + 1`` (no wrap), multiplied pointwise, and transformed back
    by the ``[n, n]`` inverse DFT matrix. Batched small matmuls: fast for small L, and on
    accelerators."""
    size = 2 * sum(ls) + 1
    prod = None
    for f, l in zip(fs, ls):
        w = jnp.asarray(_dft_matrix(size, 2 * l + 1, False), f.dtype)
        g = jnp.einsum("nk,...kq->...nq", w, f, precision=_HI)
        g = jnp.einsum("...nq,mq->...nm", g, w, precision=_HI)
        prod = g if prod is None else prod * g
    wi = jnp.asarray(_dft_matrix(size, size, True), prod.dtype)
    out = jnp.einsum("an,...nm->...am", wi, prod, precision=_HI)
    return jnp.einsum("...am,bm->...ab", out, wi, precision=_HI)


@functools.lru_cache(maxsize=None)
def _torus_quadrature(ls: tuple, lmax_out: int):
    """Fused tables of ``method="matmul"`` (float64, cached): evaluation ``E_l [(l+1)^2, G]`` of
    every input degree on a torus grid and projection ``P [G, (lmax_out+1)^2]``.

    The product of the inputs has 2D Fourier frequencies ``|a|, |b| <= Lsum``. Sampled on the
    ``n_b x n_a`` grid ``theta_j = 2 pi j / n_a``, ``phi_k = 2 pi k / n_b`` with
    ``n_a >= 2 Lsum + 1`` and ``n_b >= Lsum + lmax_out + 1`` its DFT is exact for ``|b| <= lmax_out``
    (no alias lands in that window), so ``out = P^T (prod_i E_i^T x_i)`` with
    ``P = Re(DFT composed with the Fourier -> SH projection)`` is the exact Gaunt product: the
    paper's three steps collapsed into two dense real matmuls per factor plus a pointwise product.
    The torus covers the sphere twice ((theta, phi) and (-theta, phi + pi) are the same point),
    so with ``n_b`` even the grid folds to ``G = n_a n_b / 2`` sphere points whose ``P`` rows are
    the sums of the two copies.
    """
    lsum = sum(ls)
    n_a = 2 * lsum + 1
    n_b = lsum + lmax_out + 1
    n_b += n_b % 2
    theta = 2 * np.pi * np.arange(n_a) / n_a
    phi = 2 * np.pi * np.arange(n_b) / n_b
    # representatives: k < n_b / 2 (partner: (-j mod n_a, k + n_b / 2))
    kk, jj = np.meshgrid(np.arange(n_b // 2), np.arange(n_a), indexing="ij")
    kk, jj = kk.reshape(-1), jj.reshape(-1)
    th, ph = theta[jj], phi[kk]
    vec = np.stack([np.sin(th) * np.sin(ph), np.cos(th), np.sin(th) * np.cos(ph)], axis=-1)
    with jax.ensure_compile_time_eval(), _x64_scope():
        v64 = jnp.asarray(vec, jnp.float64)
        evals = {}
        for l in sorted(set(ls)):
            sh = e3nn.spherical_harmonics(natural_irreps(l), v64, normalize=False,
                                          normalization="integral").array
            evals[l] = np.asarray(sh, np.float64).T  # [(l+1)^2, G]
    p = _projection_coefficients(lsum, lmax_out)  # [lm, b (-Lo..Lo), a (-Lsum..Lsum)]
    bs = np.arange(-lmax_out, lmax_out + 1)
    as_ = np.arange(-lsum, lsum + 1)
    proj = np.zeros((len(kk), p.shape[0]))
    for j2, k2 in ((jj, kk), ((-jj) % n_a, kk + n_b // 2)):  # both torus copies of each point
        e_b = np.exp(-1j * np.outer(bs, phi[k2]))  # [b, G]
        e_a = np.exp(-1j * np.outer(as_, theta[j2]))  # [a, G]
        proj += np.einsum("lba,bg,ag->gl", p, e_b, e_a).real / (n_a * n_b)
    return evals, proj


def _chain_matmul(arrays, ls, lmax_out):
    evals, proj = _torus_quadrature(tuple(ls), lmax_out)
    vals, seen = None, {}
    for a, l in zip(arrays, ls):
        if id(a) not in seen:  # a power x (x) x (x) ... evaluates x once
            seen[id(a)] = jnp.matmul(a, jnp.asarray(evals[l], a.dtype),
                                     precision=_HI)
        v = seen[id(a)]
        vals = v if vals is None else vals * v
    return jnp.matmul(vals, jnp.asarray(proj, vals.dtype), precision=_HI)


def _check_inputs(xs, names):
    arrays, ls = [], []
    for x, name in zip(xs, names):
        if not isinstance(x, e3nn.IrrepsArray):
            raise ValueError(f"{name} must be an e3nn.IrrepsArray with irreps 0e+1o+2e+..., got "
                             f"{type(x).__name__}")
        ls.append(irreps_lmax(x.irreps, f"{name}.irreps"))
        arrays.append(x.array)
    try:
        lead = np.broadcast_shapes(*[a.shape[:-1] for a in arrays])
    except ValueError:
        shapes = ", ".join(f"{n}.shape={tuple(a.shape)}" for n, a in zip(names, arrays))
        raise ValueError(f"leading shapes do not broadcast: {shapes}") from None
    dtype = jnp.result_type(*arrays)
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"inputs must be floating point, got dtype {dtype}")
    arrays = [a.astype(dtype) for a in arrays]
    return arrays, ls, lead


def _check_lmax_out(lmax_out, default):
    if lmax_out is None:
        return default
    if isinstance(lmax_out, bool) or not isinstance(lmax_out, (int, np.integer)) or lmax_out < 0:
        raise ValueError(f"lmax_out must be a non-negative int or None, got {lmax_out!r}")
    return int(lmax_out)


def _check_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def _grid_resolution(lmax_sum: int, lmax_out: int, lmax_in: int):
    """Gauss-Legendre grid exact for a product of total degree ``lmax_sum`` projected on
    ``<= lmax_out``: the integrand has degree ``lmax_sum + lmax_out``."""
    deg = lmax_sum + lmax_out
    res_beta = deg // 2 + 1  # Gauss-Legendre with n nodes is exact up to degree 2n - 1
    res_alpha = max(deg + 1, 2 * max(lmax_in, lmax_out) + 1)
    res_alpha += 1 - res_alpha % 2  # odd (e3nn's rfft path)
    return res_beta, res_alpha


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _chain_jit(arrays, ls, lmax_out, method):
    """Jitted core (one compilation per shapes/degrees/method; inlined under an outer jit)."""
    return _chain(list(arrays), list(ls), lmax_out, method)


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _power_fft_jit(a, l, nu, lmax_out):
    prod = _product_rfft([sh_to_fourier(a, l)], [l], lmax_out, power=nu)
    return fourier_to_sh(prod, nu * l, lmax_out)


def _chain(arrays, ls, lmax_out, method):
    lsum = sum(ls)
    if method == "auto":
        if len(arrays) == 2 and max(ls) <= AUTO_DIRECT_MAX_L:
            method = "direct"
        else:
            method = "matmul" if lsum <= AUTO_MATMUL_MAX_LSUM else "fft"
    if method == "grid":
        res_beta, res_alpha = _grid_resolution(lsum, lmax_out, max(ls))
        sig = None
        for a, l in zip(arrays, ls):
            s = e3nn.to_s2grid(e3nn.IrrepsArray(natural_irreps(l), a), res_beta, res_alpha,
                               quadrature="gausslegendre", normalization="integral", p_val=1, p_arg=-1)
            sig = s if sig is None else sig * s
        # e3nn's "integral" grid signal is sqrt(4 pi) f (coefficient of l=0 = 4 pi mean); a
        # product of n signals carries (4 pi)^{n/2}, from_s2grid removes one sqrt(4 pi).
        sig = sig * float((4 * np.pi) ** (-(len(arrays) - 1) / 2))
        return e3nn.from_s2grid(sig, natural_irreps(lmax_out), normalization="integral").array
    if method == "matmul":
        return _chain_matmul(arrays, ls, lmax_out)
    fs = [sh_to_fourier(a, l) for a, l in zip(arrays, ls)]
    if method == "fft":
        return fourier_to_sh(_product_rfft(fs, ls, lmax_out), lsum, lmax_out)
    prod = _conv_dft(fs, ls)  # direct
    if lmax_out > lsum:  # degrees above lsum are exactly zero: pad the b axis
        pad = lmax_out - lsum
        prod = jnp.pad(prod, [(0, 0)] * (prod.ndim - 2) + [(pad, pad), (0, 0)])
    return fourier_to_sh(prod, lsum, lmax_out)


def gaunt_tensor_product(x: e3nn.IrrepsArray, y: e3nn.IrrepsArray, lmax_out: int | None = None,
                         *, method: str = "auto") -> e3nn.IrrepsArray:
    """Gaunt tensor product ``x (x) y`` (Luo et al., ICLR 2024).

    ``out_{l3m3} = sum G^{l3m3}_{l1m1,l2m2} x_{l1m1} y_{l2m2}`` with
    ``G = \\int Y_{l1m1} Y_{l2m2} Y_{l3m3} dOmega`` (e3nn real SH, ``normalization="integral"``):
    the SH coefficients of the pointwise product of the two spherical functions, up to
    ``lmax_out``.

    Args:
      x: IrrepsArray ``[..., (Lx+1)^2]`` with irreps ``0e+1o+2e+...+Lx`` (one copy per degree).
      y: IrrepsArray ``[..., (Ly+1)^2]`` with irreps ``0e+1o+...+Ly``; leading shapes broadcast.
      lmax_out: highest output degree (default ``Lx + Ly``; higher degrees are exactly zero).
      method: ``"fft"`` (2D Fourier basis, FFT convolution; the paper's method), ``"direct"``
        (2D Fourier basis, convolution through dense DFT matmuls), ``"matmul"`` (the same
        change of basis and DFTs fused into two real matmuls on a folded torus grid, see
        :func:`_torus_quadrature`), ``"grid"`` (e3nn ``to_s2grid`` -> pointwise product ->
        ``from_s2grid`` on an exact Gauss-Legendre grid) or ``"auto"`` (``matmul`` while
        ``Lx + Ly <= AUTO_MATMUL_MAX_LSUM``, else ``fft``).

    Returns:
      IrrepsArray ``[broadcast(...), (lmax_out+1)^2]`` with irreps ``0e+1o+...+lmax_out``, the
      dtype of the inputs.

    Raises:
      ValueError: irreps not of the form ``0e+1o+...`` (wrong parity, multiplicity > 1, gaps),
        leading shapes that do not broadcast, negative ``lmax_out``, unknown ``method``.
    """
    _check_method(method)
    (a, b), (lx, ly), _ = _check_inputs([x, y], ["x", "y"])
    lmax_out = _check_lmax_out(lmax_out, lx + ly)
    out = _chain_jit((a, b), (lx, ly), lmax_out, method)
    return e3nn.IrrepsArray(natural_irreps(lmax_out), out)


def gaunt_chain(xs: Sequence[e3nn.IrrepsArray], lmax_out: int | None = None, *,
                method: str = "fft") -> e3nn.IrrepsArray:
    """Many-body Gaunt product ``x1 (x) x2 (x) ... (x) xn`` projected once onto ``<= lmax_out``.

    Equal to the SH coefficients of ``f_1 f_2 ... f_n`` (no truncation in between: with
    ``method="fft"`` all factors are multiplied in the Fourier/grid domain of size
    ``2 (L1+...+Ln) + 1`` and converted back to spherical harmonics only once).

    Args:
      xs: non-empty sequence of IrrepsArrays ``[..., (Li+1)^2]`` with irreps ``0e+1o+...+Li``.
      lmax_out: highest output degree (default ``sum(Li)``).
      method: ``"fft"``, ``"direct"`` (dense DFT matmuls), ``"matmul"``, ``"grid"`` or ``"auto"``.

    Returns:
      IrrepsArray ``[broadcast(...), (lmax_out+1)^2]``.

    Raises:
      ValueError: as :func:`gaunt_tensor_product`; also for an empty ``xs``.
    """
    _check_method(method)
    xs = list(xs)
    if len(xs) == 0:
        raise ValueError("xs is empty; gaunt_chain needs at least one factor")
    arrays, ls, _ = _check_inputs(xs, [f"xs[{i}]" for i in range(len(xs))])
    lmax_out = _check_lmax_out(lmax_out, sum(ls))
    out = _chain_jit(tuple(arrays), tuple(ls), lmax_out, method)
    return e3nn.IrrepsArray(natural_irreps(lmax_out), out)


def gaunt_power(x: e3nn.IrrepsArray, nu: int, lmax_out: int | None = None, *,
                method: str = "fft") -> e3nn.IrrepsArray:
    """``x (x) x (x) ... (x) x`` (``nu`` factors): SH coefficients of ``f_x^nu`` up to ``lmax_out``.

    The MACE-style body order ``nu + 1`` product of Luo et al. (2024), Sec. 3.3: one conversion
    to the Fourier basis, ``nu``-th power on the FFT grid, one conversion back.

    Args:
      x: IrrepsArray ``[..., (L+1)^2]``, irreps ``0e+1o+...+L``.
      nu: number of factors (``>= 1``).
      lmax_out: highest output degree (default ``nu L``).
      method: as :func:`gaunt_chain`.

    Returns:
      IrrepsArray ``[..., (lmax_out+1)^2]``.
    """
    if isinstance(nu, bool) or not isinstance(nu, (int, np.integer)) or nu < 1:
        raise ValueError(f"nu must be a positive int, got {nu!r}")
    _check_method(method)
    (a,), (l,), _ = _check_inputs([x], ["x"])
    lmax_out = _check_lmax_out(lmax_out, nu * l)
    if nu > 1 and (method == "fft" or (method == "auto" and nu * l > AUTO_MATMUL_MAX_LSUM)):
        out = _power_fft_jit(a, l, nu, lmax_out)
    else:
        out = _chain_jit((a,) * nu, (l,) * nu, lmax_out, method)
    return e3nn.IrrepsArray(natural_irreps(lmax_out), out)
