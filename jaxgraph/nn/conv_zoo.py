"""More message-passing layers: GraphSAGE, GIN, GINE, GatedGCN, MoNet, and a node-wise MLP.

Thin flax.linen modules in the pattern of :mod:`jaxgraph.nn.conv`: each takes a
``jraph.GraphsTuple`` with ``nodes`` ``[N, F]`` (and ``edges`` ``[E, F_e]`` where the layer
uses edge features) and returns it via ``graph._replace``; the math lives in
:mod:`jaxgraph.ops.message_passing`. Edge ``j -> i`` means ``senders = j``, ``receivers = i``.
Padding edges join padding nodes only, so real nodes never see them; pass ``edge_mask``
(and ``node_mask`` for batch norm) to keep padding out of every sum and statistic.
"""
from __future__ import annotations

from typing import Callable, Sequence

import flax.linen as nn
import jax.numpy as jnp
import jraph

from jaxgraph import ops
from jaxgraph.graph.batching import static_num_nodes
from jaxgraph.nn.norm import MaskedBatchNorm

__all__ = ["MLP", "SAGEConv", "GINConv", "GINEConv", "GatedGCNConv", "MoNetConv"]


class MLP(nn.Module):
    """Node-wise multi-layer perceptron (no graph structure).

    ``x <- act(Dense_k(x))`` for each size in ``features``; the last layer has no activation
    unless ``activate_final``. Dropout (``dropout_rate``) after each activation when
    ``deterministic=False`` (needs a ``'dropout'`` rng).

    Shapes: ``[..., F]`` -> ``[..., features[-1]]``. Dense layers are named ``linear_{k}``.
    """

    features: Sequence[int]
    activation: Callable = nn.relu
    activate_final: bool = False
    use_bias: bool = True
    dropout_rate: float = 0.0
    kernel_init: Callable = nn.initializers.lecun_normal()

    @nn.compact
    def __call__(self, x, deterministic: bool = True):
        if len(self.features) == 0:
            raise ValueError("MLP.features is empty; give at least one layer size")
        for k, f in enumerate(self.features):
            x = nn.Dense(f, use_bias=self.use_bias, kernel_init=self.kernel_init, name=f"linear_{k}")(x)
            if k < len(self.features) - 1 or self.activate_final:
                x = self.activation(x)
                if self.dropout_rate > 0:
                    x = nn.Dropout(self.dropout_rate)(x, deterministic=deterministic)
        return x


class SAGEConv(nn.Module):
    """GraphSAGE convolution of Hamilton, Ying & Leskovec (NeurIPS 2017), "Inductive
    Representation Learning on Large Graphs".

    ``x'_i = W_n AGG_{j -> i} m_j + W_r x_i + b`` with ``m_j = x_j`` (or ``ReLU(W_p x_j + b_p)``
    when ``project``, the paper's pooling aggregator) and AGG 'mean' | 'max' (0 for nodes
    without in-edges); ``W_r x_i`` only with ``root_weight`` (the paper's concatenation
    ``W [x_i ‖ AGG]`` split in two). With ``normalize``: ``x'_i <- x'_i / ||x'_i||_2``.
    No activation (apply it in the model).

    Shapes: nodes ``[N, F]`` -> ``[N, features]``. Params: ``lin_neigh`` (with bias),
    ``lin_root`` (no bias), ``project``.
    """

    features: int
    aggr: str = "mean"
    root_weight: bool = True
    normalize: bool = False
    project: bool = False
    use_bias: bool = True

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, edge_mask=None) -> jraph.GraphsTuple:
        if self.aggr not in ("mean", "max"):
            raise ValueError(f"SAGEConv.aggr must be 'mean' or 'max', got {self.aggr!r}")
        x = graph.nodes
        n = static_num_nodes(graph)
        m = x
        if self.project:
            m = nn.relu(nn.Dense(x.shape[-1], name="project")(x))
        agg = ops.sage_aggregate(m, graph.senders, graph.receivers, n, self.aggr, edge_mask)
        out = nn.Dense(self.features, use_bias=self.use_bias, name="lin_neigh")(agg)
        if self.root_weight:
            out = out + nn.Dense(self.features, use_bias=False, name="lin_root")(x)
        if self.normalize:
            out = ops.l2_normalize(out)
        return graph._replace(nodes=out)


def _gin_eps(module, eps: float, train_eps: bool):
    if train_eps:
        return module.param("eps", nn.initializers.constant(eps), ())
    return eps


class GINConv(nn.Module):
    """Graph isomorphism network layer of Xu, Hu, Leskovec & Jegelka (ICLR 2019), "How Powerful
    are Graph Neural Networks?".

    ``x'_i = MLP((1 + ε) x_i + Σ_{j -> i} x_j)`` with ``ε`` fixed (``train_eps=False``, GIN-0
    for ``eps=0``) or a learnt scalar initialised at ``eps`` (GIN-ε).

    Shapes: nodes ``[N, F]`` -> ``[N, features[-1]]``. Params: ``eps`` (if learnt), ``mlp``
    (an :class:`MLP` with layer sizes ``features``).
    """

    features: Sequence[int]
    eps: float = 0.0
    train_eps: bool = False
    activation: Callable = nn.relu
    activate_final: bool = False
    dropout_rate: float = 0.0

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, edge_mask=None, deterministic: bool = True) -> jraph.GraphsTuple:
        x = graph.nodes
        n = static_num_nodes(graph)
        eps = _gin_eps(self, self.eps, self.train_eps)
        h = ops.gin_aggregate(x, graph.senders, graph.receivers, n, eps, edge_mask)
        mlp = MLP(self.features, self.activation, self.activate_final, dropout_rate=self.dropout_rate, name="mlp")
        return graph._replace(nodes=mlp(h, deterministic))


class GINEConv(GINConv):
    """GIN with edge features (GINE) of Hu et al. (ICLR 2020), "Strategies for Pre-training
    Graph Neural Networks".

    ``x'_i = MLP((1 + ε) x_i + Σ_{j -> i} ReLU(x_j + e_ji))``. Edge features are read from
    ``graph.edges``; when their width differs from the node width they are first mapped by a
    Dense layer ``edge_linear`` (``e <- W_e e + b_e``).

    Shapes: nodes ``[N, F]``, edges ``[E, F_e]`` -> nodes ``[N, features[-1]]`` (edges kept).

    Raises:
      ValueError: if ``graph.edges`` is None.
    """

    # Same attributes as GINConv (features, eps, train_eps, activation, activate_final,
    # dropout_rate); only the aggregation differs.

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, edge_mask=None, deterministic: bool = True) -> jraph.GraphsTuple:
        if graph.edges is None:
            raise ValueError("GINEConv needs edge features in graph.edges, got None")
        x, e = graph.nodes, graph.edges
        n = static_num_nodes(graph)
        if e.ndim == 1:
            e = e[:, None]
        if e.shape[-1] != x.shape[-1]:
            e = nn.Dense(x.shape[-1], name="edge_linear")(e)
        eps = _gin_eps(self, self.eps, self.train_eps)
        h = ops.gine_aggregate(x, e, graph.senders, graph.receivers, n, eps, edge_mask)
        mlp = MLP(self.features, self.activation, self.activate_final, dropout_rate=self.dropout_rate, name="mlp")
        return graph._replace(nodes=mlp(h, deterministic))


class GatedGCNConv(nn.Module):
    """Residual gated graph convolution of Bresson & Laurent (2017), "Residual Gated Graph
    ConvNets", with the edge-feature update of Dwivedi et al. (2020), "Benchmarking Graph
    Neural Networks".

    For edge ``j -> i``::

        ê_ij = C e_ij + D h_i + E h_j
        η_ij = σ(ê_ij) / (Σ_{j' -> i} σ(ê_ij') + 1e-6)
        h̃_i  = A h_i + Σ_{j -> i} η_ij ⊙ B h_j
        h'_i = dropout(h_i + ReLU(BN(h̃_i)))     e'_ij = dropout(e_ij + ReLU(BN(ê_ij)))

    BN (``batch_norm``) is :class:`MaskedBatchNorm` over ``node_mask`` / ``edge_mask`` rows and
    runs in training mode when ``deterministic=False``. The residual of each stream is added
    only when its input width equals ``features`` (as in the benchmark code).

    Shapes: nodes ``[N, F]``, edges ``[E, F_e]`` -> nodes ``[N, features]``, edges
    ``[E, features]``. Params: ``A``..``E`` (Dense with bias), ``bn_node``, ``bn_edge``.

    Raises:
      ValueError: if ``graph.edges`` is None.
    """

    features: int
    batch_norm: bool = True
    residual: bool = True
    dropout_rate: float = 0.0
    activation: Callable = nn.relu
    momentum: float = 0.9

    @nn.compact
    def __call__(
        self, graph: jraph.GraphsTuple, deterministic: bool = True, node_mask=None, edge_mask=None
    ) -> jraph.GraphsTuple:
        if graph.edges is None:
            raise ValueError("GatedGCNConv needs edge features in graph.edges, got None")
        h, e = graph.nodes, graph.edges
        if e.ndim == 1:
            e = e[:, None]
        n = static_num_nodes(graph)
        dense = lambda name: nn.Dense(self.features, name=name)
        h_new, e_new = ops.gated_gcn_aggregate(
            dense("A")(h), dense("B")(h), dense("D")(h), dense("E")(h), dense("C")(e),
            graph.senders, graph.receivers, n, edge_mask,
        )
        if self.batch_norm:
            h_new = MaskedBatchNorm(momentum=self.momentum, name="bn_node")(h_new, node_mask, deterministic)
            e_new = MaskedBatchNorm(momentum=self.momentum, name="bn_edge")(e_new, edge_mask, deterministic)
        h_new, e_new = self.activation(h_new), self.activation(e_new)
        if self.residual and h.shape[-1] == self.features:
            h_new = h + h_new
        if self.residual and e.shape[-1] == self.features:
            e_new = e + e_new
        if self.dropout_rate > 0:
            h_new = nn.Dropout(self.dropout_rate)(h_new, deterministic=deterministic)
            e_new = nn.Dropout(self.dropout_rate)(e_new, deterministic=deterministic)
        return graph._replace(nodes=h_new, edges=e_new)


class MoNetConv(nn.Module):
    """Mixture model network (MoNet) layer of Monti et al. (CVPR 2017), "Geometric Deep Learning
    on Graphs and Manifolds Using Mixture Model CNNs", as used by Dwivedi et al. (2020).

    Pseudo-coordinates of edge ``j -> i``: ``u_ji = (1/sqrt(deg_j + c), 1/sqrt(deg_i + c))``
    (in-degrees, ``c = degree_offset``; benchmark default ``c = 1``) unless ``pseudo`` is
    given; with ``project_pseudo`` they pass through ``u <- tanh(W_u u + b_u)`` (width
    ``dim``). Then with ``K = kernels`` Gaussian kernels::

        w_k(u) = exp(-1/2 Σ_d (u_d - μ_kd)² / σ_kd²)
        x'_i = AGG_{j -> i} Σ_k w_k(u_ji) W_k x_j  [+ W_r x_i]  + b

    AGG is 'sum' (benchmark) or 'mean'. ``inv_sigma = 1/σ`` is the learnt parameter.

    Shapes: nodes ``[N, F]`` -> ``[N, features]``; ``pseudo`` ``[E, D]``. Params:
    ``pseudo_proj``, ``mu`` ``[K, dim]``, ``inv_sigma`` ``[K, dim]``, ``linear``
    (``F -> K*features``, no bias), ``lin_root``, ``bias``.
    """

    features: int
    kernels: int = 3
    dim: int = 2
    aggr: str = "sum"
    project_pseudo: bool = True
    degree_offset: float = 1.0
    root_weight: bool = False
    use_bias: bool = True

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, pseudo=None, edge_mask=None) -> jraph.GraphsTuple:
        x = graph.nodes
        n = static_num_nodes(graph)
        if pseudo is None:
            pseudo = ops.monet_pseudo_coordinates(
                graph.senders, graph.receivers, n, edge_mask, self.degree_offset, x.dtype
            )
        if self.project_pseudo:
            pseudo = jnp.tanh(nn.Dense(self.dim, name="pseudo_proj")(pseudo))
        elif pseudo.shape[-1] != self.dim:
            raise ValueError(f"pseudo has width {pseudo.shape[-1]} but MoNetConv.dim={self.dim}")
        mu = self.param("mu", nn.initializers.normal(0.1), (self.kernels, self.dim))
        inv_sigma = self.param("inv_sigma", nn.initializers.ones, (self.kernels, self.dim))
        w = ops.gaussian_mixture_weights(pseudo, mu, inv_sigma)
        h = nn.Dense(self.kernels * self.features, use_bias=False, name="linear")(x)
        h = h.reshape(n, self.kernels, self.features)
        out = ops.monet_aggregate(h, w, graph.senders, graph.receivers, n, self.aggr, edge_mask)
        if self.root_weight:
            out = out + nn.Dense(self.features, use_bias=False, name="lin_root")(x)
        if self.use_bias:
            out = out + self.param("bias", nn.initializers.zeros, (self.features,))
        return graph._replace(nodes=out)
