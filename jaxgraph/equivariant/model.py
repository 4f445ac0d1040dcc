"""NequIP/MACE-style E(3)-equivariant GNN on ``jraph.GraphsTuple`` with a CG or Gaunt interaction.

Papers: Batzner et al., "E(3)-equivariant graph neural networks for data-efficient and accurate
interatomic potentials" (NequIP, Nat. Commun. 2022); Luo, Chen, Krishnapriyan, "Enabling Efficient
Equivariant Operations in the Fourier Basis via Gaunt Tensor Products" (ICLR 2024) for
``product="gaunt"``.

Per layer ``t`` (``h`` node features with irreps ``hidden_irreps``, ``r_ij = pos_i - pos_j`` for an
edge ``j -> i``, ``Y`` edge spherical harmonics of degree ``<= lmax``, ``B`` the Bessel basis of
``|r_ij|`` times a smooth polynomial cutoff envelope)::

    m_i  = 1/avg_num_neighbors sum_{j -> i} R(B(|r_ij|)) * ( h_j (x) Y(r_ij / |r_ij|) )
    h_i <- Gate( Linear(m_i) + Linear(h_i) )

with ``(x)`` the e3nn Clebsch-Gordan tensor product restricted to ``hidden_irreps`` (radial weight
per path and channel, ``product="cg"``) or the channel-wise Gaunt tensor product (radial weight per
channel and SH degree, ``product="gaunt"``; natural-parity paths only), and ``Gate`` the gated
nonlinearity (``silu`` on scalars, ``sigmoid`` of a linear map of the scalars on the rest).
Readout: ``"energy"`` sums a per-node MLP of the scalars over each graph; ``"vector"`` sums a
per-node ``1o`` linear projection; ``"node"`` returns the final node features.
Padding (jraph's trailing convention, :mod:`jaxgraph.graph.batching`) is masked out everywhere.
"""
from __future__ import annotations

import e3nn_jax as e3nn
import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph
import numpy as np

from jaxgraph.equivariant.gaunt import natural_irreps
from jaxgraph.equivariant.layers import GauntInteraction, RadialMLP, radial_embedding, safe_edge_geometry
from jaxgraph.graph.batching import edge_mask, graph_mask, node_mask

__all__ = ["EquivariantGNN", "radius_graph", "PRODUCTS", "OUTPUTS"]

PRODUCTS = ("cg", "gaunt")
OUTPUTS = ("energy", "node", "vector")


def radius_graph(positions, cutoff: float, n_node=None):
    """All ordered pairs ``(sender, receiver)`` of distinct nodes of the same graph closer than
    ``cutoff`` (host-side numpy).

    Args:
      positions: float ``[N, 3]``.
      cutoff: positive float (strict ``<``).
      n_node: optional int ``[G]`` node counts per graph (sum ``N``); default one graph.

    Returns:
      ``(senders, receivers)`` int32 ``[E]``, sorted by sender then receiver, no self loops.

    Raises:
      ValueError: positions not ``[N, 3]`` or not finite, non-positive cutoff, ``n_node`` negative
        or not summing to ``N``.
    """
    pos = np.asarray(positions, np.float64)
    if pos.ndim != 2 or pos.shape[1] != 3:
        raise ValueError(f"positions must have shape [N, 3], got {pos.shape}")
    if not np.all(np.isfinite(pos)):
        raise ValueError("positions must be finite; found NaN/inf")
    if not np.isscalar(cutoff) or not np.isfinite(cutoff) or cutoff <= 0:
        raise ValueError(f"cutoff must be a positive finite number, got {cutoff!r}")
    n = pos.shape[0]
    if n_node is None:
        n_node = np.array([n])
    n_node = np.asarray(n_node)
    if n_node.ndim != 1 or not np.issubdtype(n_node.dtype, np.integer) or np.any(n_node < 0):
        raise ValueError(f"n_node must be a 1D array of non-negative ints, got {n_node!r}")
    if int(n_node.sum()) != n:
        raise ValueError(f"n_node sums to {int(n_node.sum())} but positions has {n} rows")
    graph_id = np.repeat(np.arange(len(n_node)), n_node)
    d2 = np.sum((pos[:, None, :] - pos[None, :, :]) ** 2, axis=-1)
    adj = (d2 < cutoff**2) & (graph_id[:, None] == graph_id[None, :]) & ~np.eye(n, dtype=bool)
    senders, receivers = np.nonzero(adj)
    return senders.astype(np.int32), receivers.astype(np.int32)


def _expand_index(irreps: e3nn.Irreps) -> np.ndarray:
    """``[dim]`` int32: the multiplicity-channel index (over all chunks) of each component."""
    idx, off = [], 0
    for mul, ir in irreps:
        idx.append(off + np.repeat(np.arange(mul), ir.dim))
        off += mul
    return np.concatenate(idx).astype(np.int32) if idx else np.zeros(0, np.int32)


class _Gate(nn.Module):
    """``silu`` on the ``0e`` channels, ``sigmoid(Dense(scalars))`` per channel on the others."""

    @nn.compact
    def __call__(self, h: e3nn.IrrepsArray) -> e3nn.IrrepsArray:
        scalars = h.filter(keep=["0e"])
        others = h.filter(drop=["0e"])
        if others.irreps.dim == 0:
            return e3nn.IrrepsArray(scalars.irreps, jax.nn.silu(scalars.array))
        gates = jax.nn.sigmoid(nn.Dense(others.irreps.num_irreps, name="gates")(scalars.array))
        gated = others.array * gates[..., jnp.asarray(_expand_index(others.irreps))]
        out = e3nn.concatenate([e3nn.IrrepsArray(scalars.irreps, jax.nn.silu(scalars.array)),
                                e3nn.IrrepsArray(others.irreps, gated)])
        return out.regroup()


class _CGInteraction(nn.Module):
    """NequIP convolution: per-path radial weights on ``h_j (x)_CG Y(r_ij)``, then Linear."""

    hidden_irreps: e3nn.Irreps
    num_basis: int
    cutoff: float
    avg_num_neighbors: float

    @nn.compact
    def __call__(self, h, sh, emb, keep, senders, receivers, num_nodes):
        tp = e3nn.tensor_product(h[senders], sh, filter_ir_out=[ir for _, ir in self.hidden_irreps])
        w = RadialMLP(tp.irreps.num_irreps, name="radial")(emb) * keep[:, None]
        msg = tp.array * w[:, jnp.asarray(_expand_index(tp.irreps))]
        agg = jax.ops.segment_sum(msg, receivers, num_segments=num_nodes) / self.avg_num_neighbors
        return e3nn.flax.Linear(self.hidden_irreps, force_irreps_out=True, name="linear_out")(e3nn.IrrepsArray(tp.irreps, agg))


def _uniform_natural(irreps: e3nn.Irreps, name: str):
    """``(C, L)`` if ``irreps = Cx0e + Cx1o + ... + CxL`` else ValueError."""
    irreps = irreps.regroup()
    muls = {mul for mul, _ in irreps}
    ok = (len(muls) == 1 and [ir.l for _, ir in irreps] == list(range(len(irreps)))
          and all(ir.p == (-1) ** ir.l for _, ir in irreps))
    if not ok:
        raise ValueError(f"{name}={irreps} must be Cx0e+Cx1o+Cx2e+... (same multiplicity, natural parity, "
                         f"no gaps) for product='gaunt'")
    return muls.pop(), len(irreps) - 1


class EquivariantGNN(nn.Module):
    """E(3)-equivariant message passing network (NequIP-style; CG or Gaunt tensor products).

    Attributes:
      num_species: number of atom types; ``nodes["species"]`` int ``[N]`` in ``[0, num_species)``.
      hidden_irreps: node feature irreps (``"gaunt"`` needs ``Cx0e+Cx1o+...+CxL``).
      lmax: degree of the edge spherical harmonics.
      num_layers: interaction blocks.
      cutoff: radial cutoff (edges at or beyond it carry nothing; smooth envelope).
      num_basis: Bessel radial basis size.
      product: ``"cg"`` (e3nn Clebsch-Gordan tensor product) or ``"gaunt"``.
      output: ``"energy"`` -> ``[n_graph]``; ``"node"`` -> IrrepsArray ``[N, hidden_irreps]``;
        ``"vector"`` -> ``[n_graph, 3]`` (``1o``).
      avg_num_neighbors: message normalisation.
      gaunt_method: ``method`` of the Gaunt product.

    Call: ``graph`` with ``nodes = {"positions": float [N, 3], "species": int [N], ...}``, edges
    given by ``senders``/``receivers`` (edge vector ``pos[receiver] - pos[sender]``), jraph
    trailing padding allowed (padding graphs give 0; padding nodes give 0 features).
    """

    num_species: int = 16
    hidden_irreps: str = "16x0e+16x1o+16x2e"
    lmax: int = 2
    num_layers: int = 2
    cutoff: float = 5.0
    num_basis: int = 8
    product: str = "cg"
    output: str = "energy"
    avg_num_neighbors: float = 10.0
    gaunt_method: str = "auto"

    def _check(self, graph):
        if self.product not in PRODUCTS:
            raise ValueError(f"product must be one of {PRODUCTS}, got {self.product!r}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {self.output!r}")
        if not isinstance(graph.nodes, dict) or "positions" not in graph.nodes or "species" not in graph.nodes:
            keys = list(graph.nodes) if isinstance(graph.nodes, dict) else type(graph.nodes).__name__
            raise ValueError(f"graph.nodes must be a dict with 'positions' and 'species', got {keys}")
        pos = graph.nodes["positions"]
        if pos.ndim != 2 or pos.shape[-1] != 3:
            raise ValueError(f"graph.nodes['positions'] must have shape [N, 3], got {pos.shape}")
        if graph.nodes["species"].shape != pos.shape[:1]:
            raise ValueError(f"graph.nodes['species'] must have shape {pos.shape[:1]}, got "
                             f"{graph.nodes['species'].shape}")
        if self.lmax < 0 or self.num_layers < 1 or self.cutoff <= 0 or self.num_basis < 1:
            raise ValueError(f"need lmax >= 0, num_layers >= 1, cutoff > 0, num_basis >= 1; got lmax={self.lmax}, "
                             f"num_layers={self.num_layers}, cutoff={self.cutoff}, num_basis={self.num_basis}")
        hidden = e3nn.Irreps(self.hidden_irreps)
        if "0e" not in [str(ir) for _, ir in hidden]:
            raise ValueError(f"hidden_irreps={hidden} must contain scalars 0e")
        if self.output == "vector" and "1o" not in [str(ir) for _, ir in hidden]:
            raise ValueError(f"output='vector' needs 1o in hidden_irreps, got {hidden}")
        return hidden

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple):
        hidden = self._check(graph)
        pos = graph.nodes["positions"]
        species = graph.nodes["species"]
        n = pos.shape[0]
        nmask = node_mask(graph)
        emask = edge_mask(graph)
        senders, receivers = graph.senders, graph.receivers

        vec = pos[receivers] - pos[senders]
        r, unit, nonzero = safe_edge_geometry(vec, self.cutoff)
        keep = (emask & nonzero & (r < self.cutoff)).astype(pos.dtype)
        emb = radial_embedding(r, self.num_basis, self.cutoff)
        sh = e3nn.spherical_harmonics(natural_irreps(self.lmax), unit, normalize=False,
                                      normalization="integral")
        onehot = jax.nn.one_hot(species, self.num_species, dtype=pos.dtype)
        mask_nodes = lambda x: jnp.where(nmask.reshape((n,) + (1,) * (x.ndim - 1)), x, 0.0)

        if self.product == "gaunt":
            channels, lh = _uniform_natural(hidden, "hidden_irreps")
            s0 = nn.Dense(channels, name="embed")(onehot)
            h = jnp.zeros((n, channels, (lh + 1) ** 2), pos.dtype).at[:, :, 0].set(s0)
            h = e3nn.IrrepsArray(natural_irreps(lh), h)
            for t in range(self.num_layers):
                m = GauntInteraction(channels=channels, lmax=lh, lmax_sh=self.lmax, num_basis=self.num_basis,
                                     cutoff=self.cutoff, avg_num_neighbors=self.avg_num_neighbors,
                                     method=self.gaunt_method, name=f"interaction_{t}")(
                    h, vec, senders, receivers, n, edge_mask=keep > 0)
                h_mul = m.axis_to_mul() + e3nn.flax.Linear(hidden, force_irreps_out=True, name=f"self_{t}")(h.axis_to_mul())
                h_mul = _Gate(name=f"gate_{t}")(h_mul)
                h = h_mul.mul_to_axis(channels)
            h = h.axis_to_mul()
        else:
            h = e3nn.flax.Linear(hidden, force_irreps_out=True, name="embed")(
                e3nn.IrrepsArray(f"{self.num_species}x0e", onehot))
            for t in range(self.num_layers):
                m = _CGInteraction(hidden, self.num_basis, self.cutoff, self.avg_num_neighbors,
                                   name=f"interaction_{t}")(h, sh, emb, keep, senders, receivers, n)
                h = m + e3nn.flax.Linear(hidden, force_irreps_out=True, name=f"self_{t}")(h)
                h = _Gate(name=f"gate_{t}")(h)
        h = e3nn.IrrepsArray(h.irreps, mask_nodes(h.array))

        if self.output == "node":
            return h
        n_graph = graph.n_node.shape[0]
        graph_idx = jnp.repeat(jnp.arange(n_graph), graph.n_node, total_repeat_length=n)
        gmask = graph_mask(graph)
        if self.output == "energy":
            s = h.filter(keep=["0e"]).array
            e_node = nn.Dense(1, name="readout_out")(nn.silu(nn.Dense(16, name="readout_hidden")(s)))[:, 0]
            e = jax.ops.segment_sum(mask_nodes(e_node), graph_idx, num_segments=n_graph)
            return jnp.where(gmask, e, 0.0)
        v = e3nn.flax.Linear("1x1o", force_irreps_out=True, name="readout_vector")(h).array  # [N, 3]
        v = jax.ops.segment_sum(mask_nodes(v), graph_idx, num_segments=n_graph)
        return jnp.where(gmask[:, None], v, 0.0)
