"""Flax layers around the Gaunt tensor product, and pure radial / edge helpers.

Paper: Luo, Chen, Krishnapriyan, "Enabling Efficient Equivariant Operations in the Fourier Basis
via Gaunt Tensor Products", ICLR 2024 (Sec. 3.2: the Gaunt product parameterised by per-degree
weights, ``(w_x . x) (x)_Gaunt (w_y . y)`` then per-degree output weights, used as the
equivariant feature interaction of message passing).

Feature layout: channel-wise spherical functions, ``IrrepsArray`` of shape ``[..., C, (L+1)^2]``
with irreps ``0e+1o+...+L`` (``e3nn.IrrepsArray.mul_to_axis`` of ``Cx0e+Cx1o+...``).
"""
from __future__ import annotations

from typing import Callable

import e3nn_jax as e3nn
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.equivariant.gaunt import gaunt_tensor_product, irreps_lmax, natural_irreps

__all__ = [
    "degree_index",
    "scale_degrees",
    "bessel_basis",
    "polynomial_envelope",
    "radial_embedding",
    "safe_edge_geometry",
    "ChannelLinear",
    "GauntTensorProduct",
    "GauntInteraction",
    "RadialMLP",
]


def degree_index(lmax: int) -> np.ndarray:
    """``[(lmax+1)^2]`` int: the degree ``l`` of each flat ``lm`` component."""
    return np.concatenate([np.full(2 * l + 1, l, np.int32) for l in range(lmax + 1)])


def scale_degrees(x: jax.Array, w: jax.Array, lmax: int) -> jax.Array:
    """``x[..., C, lm] * w[..., C, l(lm)]`` (per channel and degree, equivariant)."""
    return x * jnp.take(w, jnp.asarray(degree_index(lmax)), axis=-1)


def bessel_basis(r: jax.Array, num_basis: int, cutoff: float) -> jax.Array:
    """``sqrt(2/c) sin(n pi r / c) / r`` for ``n = 1..num_basis`` (DimeNet / NequIP). ``r [...]``
    (must be > 0; see :func:`safe_edge_geometry`) -> ``[..., num_basis]``."""
    n = jnp.arange(1, num_basis + 1, dtype=r.dtype)
    return jnp.sqrt(2.0 / cutoff) * jnp.sin(n * jnp.pi * r[..., None] / cutoff) / r[..., None]


def polynomial_envelope(r: jax.Array, cutoff: float, p: int = 6) -> jax.Array:
    """Smooth cutoff ``1 - (p+1)(p+2)/2 d^p + p(p+2) d^{p+1} - p(p+1)/2 d^{p+2}``, ``d = r/c``, zero
    for ``d >= 1`` (DimeNet, Gasteiger et al. 2020); ``C^2`` at the cutoff."""
    d = r / cutoff
    env = (1.0 - (p + 1) * (p + 2) / 2 * d**p + p * (p + 2) * d ** (p + 1) - p * (p + 1) / 2 * d ** (p + 2))
    return jnp.where(d < 1.0, env, 0.0)


def radial_embedding(r: jax.Array, num_basis: int, cutoff: float) -> jax.Array:
    """Bessel basis times the smooth polynomial envelope: ``[...] -> [..., num_basis]``."""
    return bessel_basis(r, num_basis, cutoff) * polynomial_envelope(r, cutoff)[..., None]


def safe_edge_geometry(vectors: jax.Array, cutoff: float):
    """Lengths and unit vectors of edge vectors ``[E, 3]`` that are NaN-free in value and gradient
    for zero-length (padding) edges: those get ``r = cutoff`` (so the envelope is 0) and unit
    vector 0. Returns ``(r [E], unit [E, 3], nonzero [E] bool)``."""
    r2 = jnp.sum(vectors**2, axis=-1)
    nonzero = r2 > 0
    r2_safe = jnp.where(nonzero, r2, 1.0)
    r = jnp.sqrt(r2_safe)
    unit = jnp.where(nonzero[:, None], vectors / r[:, None], 0.0)
    return jnp.where(nonzero, r, cutoff), unit, nonzero


class ChannelLinear(nn.Module):
    """Per-degree channel mixing ``out[..., d, lm] = sum_c W_{l}[c, d] x[..., c, lm]`` (+ bias on
    ``l = 0``), equivariant. ``x``: IrrepsArray ``[..., C_in, (L+1)^2]`` -> ``[..., C_out, (L+1)^2]``."""

    channels: int
    bias: bool = False

    @nn.compact
    def __call__(self, x: e3nn.IrrepsArray) -> e3nn.IrrepsArray:
        lmax = irreps_lmax(x.irreps, "x.irreps")
        c_in = x.shape[-2]
        w = self.param("kernel", nn.initializers.normal(1.0), (lmax + 1, c_in, self.channels), x.dtype)
        w = w / np.sqrt(c_in)
        w_full = jnp.take(w, jnp.asarray(degree_index(lmax)), axis=0)  # [lm, C_in, C_out]
        out = jnp.einsum("...ci,icd->...di", x.array, w_full)
        if self.bias:
            b = self.param("bias", nn.initializers.zeros, (self.channels,), x.dtype)
            out = out.at[..., 0].add(b)
        return e3nn.IrrepsArray(x.irreps, out)


class GauntTensorProduct(nn.Module):
    """Channel-wise parameterised Gaunt tensor product (Luo et al., 2024, Eq. 6).

    ``out[..., c] = w_out[c, l3] * Gaunt(w_x[c, l1] x[..., c], w_y[c, l2] y[..., c])``: learnable
    per-channel, per-degree weights on both inputs and on the output degrees (all initialised to 1,
    i.e. the plain :func:`~jaxgraph.equivariant.gaunt.gaunt_tensor_product`).

    Args (attributes): ``lmax_out`` (default ``Lx + Ly``), ``method`` (as the pure function).
    Call: ``x`` IrrepsArray ``[..., C, (Lx+1)^2]``, ``y`` ``[..., C or 1, (Ly+1)^2]`` (natural
    parity, one copy per degree) -> ``[..., C, (lmax_out+1)^2]``.
    """

    lmax_out: int | None = None
    method: str = "auto"

    @nn.compact
    def __call__(self, x: e3nn.IrrepsArray, y: e3nn.IrrepsArray) -> e3nn.IrrepsArray:
        lx = irreps_lmax(x.irreps, "x.irreps")
        ly = irreps_lmax(y.irreps, "y.irreps")
        if x.ndim < 2:
            raise ValueError(f"x must have a channel axis [..., C, irreps], got shape {x.shape}")
        c = x.shape[-2]
        lo = lx + ly if self.lmax_out is None else self.lmax_out
        wx = self.param("weight_x", nn.initializers.ones, (c, lx + 1), x.dtype)
        wy = self.param("weight_y", nn.initializers.ones, (c, ly + 1), x.dtype)
        wo = self.param("weight_out", nn.initializers.ones, (c, lo + 1), x.dtype)
        xs = e3nn.IrrepsArray(x.irreps, scale_degrees(x.array, wx, lx))
        ys = e3nn.IrrepsArray(y.irreps, scale_degrees(y.array, wy, ly))
        out = gaunt_tensor_product(xs, ys, lo, method=self.method)
        return e3nn.IrrepsArray(out.irreps, scale_degrees(out.array, wo, lo))


class RadialMLP(nn.Module):
    """MLP on the radial embedding: ``[E, B] -> [E, num_out]`` (silu, no output bias)."""

    num_out: int
    hidden: int = 32
    num_layers: int = 2
    activation: Callable = nn.silu

    @nn.compact
    def __call__(self, x):
        for _ in range(self.num_layers):
            x = self.activation(nn.Dense(self.hidden)(x))
        return nn.Dense(self.num_out, use_bias=False)(x)


class GauntInteraction(nn.Module):
    """Equivariant message passing block with the Gaunt tensor product (Luo et al., 2024, Sec. 3.3).

    Update (per node ``i``, channel ``c``)::

        h'     = ChannelLinear(h)
        m_ij   = Gaunt_{<= lmax}( h'_j[c],  R_c(|r_ij|)_{l} * Y_l(r_ij / |r_ij|) )
        out_i  = ChannelLinear( sum_{j -> i} m_ij / avg_num_neighbors )

    with ``R`` a radial MLP of the Bessel embedding (per channel and SH degree ``l``) and ``Y``
    e3nn spherical harmonics (integral normalization) of degree ``<= lmax_sh``.

    Call args:
      features: IrrepsArray ``[N, C_in, (lmax_in+1)^2]``, irreps ``0e+1o+...``.
      vectors: IrrepsArray ``1o`` ``[E, 3]``, edge vectors ``pos[receiver] - pos[sender]``.
      senders, receivers: int ``[E]``.
      num_nodes: static int ``N``.
      edge_mask: optional bool ``[E]``; masked edges send nothing.
    Returns: IrrepsArray ``[N, channels, (lmax+1)^2]``.
    """

    channels: int
    lmax: int
    lmax_sh: int = 2
    num_basis: int = 8
    cutoff: float = 5.0
    radial_hidden: int = 32
    avg_num_neighbors: float = 1.0
    method: str = "auto"

    @nn.compact
    def __call__(self, features, vectors, senders, receivers, num_nodes, edge_mask=None):
        vec = vectors.array if isinstance(vectors, e3nn.IrrepsArray) else vectors
        h = ChannelLinear(self.channels, name="linear_in")(features)
        r, unit, nonzero = safe_edge_geometry(vec, self.cutoff)
        sh = e3nn.spherical_harmonics(natural_irreps(self.lmax_sh), unit, normalize=False,
                                      normalization="integral").array  # [E, (lsh+1)^2]
        emb = radial_embedding(r, self.num_basis, self.cutoff)  # zero beyond the cutoff
        w = RadialMLP(self.channels * (self.lmax_sh + 1), self.radial_hidden, name="radial")(emb)
        w = w.reshape(w.shape[:-1] + (self.channels, self.lmax_sh + 1))
        keep = nonzero if edge_mask is None else (nonzero & edge_mask)
        w = w * keep[:, None, None].astype(w.dtype)
        y = scale_degrees(sh[:, None, :], w, self.lmax_sh)  # [E, C, (lsh+1)^2]
        msg = gaunt_tensor_product(e3nn.IrrepsArray(h.irreps, h.array[senders]),
                                   e3nn.IrrepsArray(natural_irreps(self.lmax_sh), y),
                                   self.lmax, method=self.method)
        agg = jax.ops.segment_sum(msg.array, receivers, num_segments=num_nodes) / self.avg_num_neighbors
        return ChannelLinear(self.channels, name="linear_out")(e3nn.IrrepsArray(msg.irreps, agg))
