"""Graph-level / node-level GNN stack of "Benchmarking Graph Neural Networks" (Dwivedi et al.,
JMLR 2023 / arXiv:2003.00982) with the GNN+ switches of Luo, Shi & Wu (ICML 2025), "Can Classic
GNNs Be Strong Baselines for Graph-level Tasks?".

One model, :class:`GraphLevelGNN`, assembled from the layers in :mod:`jaxgraph.nn`:

1. input embedding ``h0 = Embed(x)`` (int ``x``, ``node_vocab``) or ``W_in x`` (float ``x``),
   plus ``W_pe p`` when Laplacian positional encodings ``p`` are given (Dwivedi et al. Sec. 3);
   edge inputs likewise (``edge_vocab`` / Dense), or a learned constant vector when the graph
   has no edge features but the layer needs them (GatedGCN, GNN+ edge features);
2. ``num_layers`` message-passing layers, each (Dwivedi et al.'s layer template)
   ``h' = Dropout(h + ReLU(Norm(Conv(h[, e]))))`` (``residual``; without it ``h`` is not added),
   optionally followed by the GNN+ position-wise FFN block ``h'' = Norm(h' + FFN(h'))`` with
   ``FFN(x) = Dropout(W2 Dropout(ReLU(W1 x)))``, ``W1: hidden -> 2 hidden``;
   GatedGCN (Bresson & Laurent 2017 with Dwivedi et al.'s edge update) does its own
   BN/ReLU/residual/dropout and updates the edge stream;
3. ``task='graph'``: masked mean/sum/max readout then the MLP head (Dwivedi et al.'s
   ``MLPReadout`` with L=2: ``hidden -> hidden/2 -> hidden/4 -> out_dim``);
   ``task='node'``: the same head on every node.

Everything is padding-safe: batch norm statistics, aggregations and readouts use
:func:`jaxgraph.graph.batching.node_mask` / ``edge_mask``, so real rows of a padded batch equal
those of the unpadded batch (tested for every conv).

:func:`count_params` and :func:`width_for_budget` reproduce the paper's parameter budgets
(~100k / ~500k parameters, Dwivedi et al. Sec. 4) by choosing the hidden width by binary search
over ``jax.eval_shape`` (no FLOPs).
"""
from __future__ import annotations

from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph
import numpy as np

from jaxgraph import ops
from jaxgraph.graph.batching import edge_mask as _edge_mask
from jaxgraph.graph.batching import node_mask as _node_mask
from jaxgraph.graph.batching import static_num_nodes
from jaxgraph.nn.conv import GATConv, GCNConv
from jaxgraph.nn.conv_zoo import MLP, GatedGCNConv, GINConv, GINEConv, MoNetConv, SAGEConv
from jaxgraph.nn.norm import LayerNorm, MaskedBatchNorm
from jaxgraph.nn.pe import random_sign_flip

__all__ = ["GraphLevelGNN", "count_params", "width_for_budget", "CONVS"]

CONVS = ("gcn", "gcn_mean", "sage", "gat", "gatedgcn", "gin", "monet", "mlp")
_READOUTS = {"mean": ops.graph_mean, "sum": ops.graph_sum, "max": ops.graph_max}
_BN_MOMENTUM = 0.9  # = PyTorch BatchNorm1d momentum 0.1 (the benchmark code)


def _split_inputs(nodes):
    if isinstance(nodes, dict):
        if "x" not in nodes:
            raise ValueError(f"graph.nodes dict needs key 'x', got keys {sorted(nodes)}")
        return nodes["x"], nodes.get("pe")
    return nodes, None


class GraphLevelGNN(nn.Module):
    """Benchmarking-GNNs stack (Dwivedi et al.) with the GNN+ switches (Luo et al.).

    Attributes:
      conv: 'gcn' | 'gcn_mean' | 'sage' | 'gat' | 'gatedgcn' | 'gin' | 'monet' | 'mlp' (no
        message passing). 'gcn' is Kipf & Welling's ``D̃^-1/2 Ã D̃^-1/2 X W``; 'gcn_mean' is
        the layer behind the GCN rows of Dwivedi et al.'s tables: their ``GCNLayer`` ran with
        ``dgl_builtin=False`` until 2022, i.e. ``W mean_{j->i} h_j + b`` (no normalisation by
        degrees, no self loop). On PATTERN the paper reports 63.9 for it, while the official
        code with the sym-normalised layer scores 85.6 (benchmarking-gnns issue #57); our
        reduced run: 59.7 vs 85.0 (experiments/benchmarking_gnns/README.md).
      hidden: width of every layer (GAT: ``heads`` heads of ``hidden // heads``).
      num_layers: message-passing layers ``L``.
      out_dim: classes or regression targets.
      task: 'graph' (``[G, out_dim]``, readout then head) | 'node' (``[N, out_dim]``).
      readout: 'mean' | 'sum' | 'max' (``task='graph'``).
      residual: add the layer input to its output.
      norm: 'batch' (:class:`MaskedBatchNorm` over real nodes) | 'layer' | 'none'.
      dropout: dropout rate after every layer (and in the FFN).
      ffn: GNN+ position-wise FFN block after every conv.
      use_edge_features: GNN+ edge features in every message: GIN -> GINE
        (``m_ij = ReLU(x_j + e_ij)``), GCN -> ``Σ_j â_ij (W x_j + W_e e_ij)``, SAGE and
        gcn_mean -> ``mean_j (x_j + W_e e_ij)``; GAT/MoNet/MLP ignore it; GatedGCN always uses edges.
      pe_dim: width of ``graph.nodes['pe']`` (0: no PE).
      node_vocab / edge_vocab: >0 means int categorical inputs embedded with ``nn.Embed``.
      heads: GAT heads.
      head_layers: hidden layers of the MLP head (paper: 2).
      pe_sign_flip: flip Laplacian PE signs per graph at random during training (needs the
        'dropout' rng when ``deterministic=False``).

    Call:
      graph: padded or unpadded batch; ``nodes`` float ``[N, F]`` | int ``[N]`` |
        ``{"x": ..., "pe": [N, pe_dim]}``; ``edges`` float ``[E, F_e]`` | int ``[E]`` | None.
      deterministic: False for training (dropout, batch statistics, PE sign flips).
    Returns:
      ``[G, out_dim]`` (task 'graph', padding graphs included) or ``[N, out_dim]``.
    Raises:
      ValueError: unknown ``conv``/``task``/``readout``/``norm``, ``hidden`` not divisible by
        ``heads`` for GAT, or inputs inconsistent with ``node_vocab``/``pe_dim``.
    """

    conv: str
    hidden: int
    num_layers: int
    out_dim: int
    task: str = "graph"
    readout: str = "mean"
    residual: bool = True
    norm: str = "batch"
    dropout: float = 0.0
    ffn: bool = False
    use_edge_features: bool = False
    pe_dim: int = 0
    node_vocab: int = 0
    edge_vocab: int = 0
    heads: int = 8
    head_layers: int = 2
    pe_sign_flip: bool = True

    def _check(self):
        if self.conv not in CONVS:
            raise ValueError(f"conv must be one of {CONVS}, got {self.conv!r}")
        if self.task not in ("graph", "node"):
            raise ValueError(f"task must be 'graph' or 'node', got {self.task!r}")
        if self.readout not in _READOUTS:
            raise ValueError(f"readout must be one of {sorted(_READOUTS)}, got {self.readout!r}")
        if self.norm not in ("batch", "layer", "none"):
            raise ValueError(f"norm must be 'batch', 'layer' or 'none', got {self.norm!r}")
        if not isinstance(self.hidden, (int, np.integer)) or self.hidden < 1:
            raise ValueError(f"hidden must be a positive int, got {self.hidden!r}")
        if self.num_layers < 0:
            raise ValueError(f"num_layers must be >= 0, got {self.num_layers}")
        if self.out_dim < 1:
            raise ValueError(f"out_dim must be >= 1, got {self.out_dim}")
        if self.conv == "gat" and self.hidden % self.heads:
            raise ValueError(f"hidden={self.hidden} must be divisible by heads={self.heads} for GAT")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def _norm(self, x, mask, deterministic, name):
        if self.norm == "batch":
            return MaskedBatchNorm(momentum=_BN_MOMENTUM, name=name)(x, mask, deterministic)
        if self.norm == "layer":
            return LayerNorm(name=name)(x)
        return x

    def _embed_nodes(self, nodes, n_node, deterministic):
        x, pe = _split_inputs(nodes)
        if self.node_vocab > 0:
            if jnp.issubdtype(x.dtype, jnp.floating) or x.ndim != 1:
                raise ValueError(f"node_vocab={self.node_vocab} needs int nodes [N], got {x.dtype} {x.shape}")
            h = nn.Embed(self.node_vocab, self.hidden, name="node_embed")(x)
        else:
            if not jnp.issubdtype(x.dtype, jnp.floating):
                raise ValueError(f"int node inputs need node_vocab > 0, got node_vocab={self.node_vocab}")
            x = x[:, None] if x.ndim == 1 else x
            h = nn.Dense(self.hidden, name="node_in")(x)
        if self.pe_dim > 0:
            if pe is None or pe.shape[-1] != self.pe_dim:
                got = None if pe is None else pe.shape
                raise ValueError(f"pe_dim={self.pe_dim} needs graph.nodes['pe'] of width {self.pe_dim}, got {got}")
            pe = pe.astype(h.dtype)
            if self.pe_sign_flip and not deterministic:
                pe = random_sign_flip(pe, self.make_rng("dropout"), n_node)
            h = h + nn.Dense(self.hidden, name="pe_in")(pe)
        return h

    def _embed_edges(self, edges, num_edges, dtype):
        if edges is None:
            const = self.param("edge_const", nn.initializers.normal(1.0), (self.hidden,))
            return jnp.broadcast_to(const.astype(dtype), (num_edges, self.hidden))
        if self.edge_vocab > 0:
            return nn.Embed(self.edge_vocab, self.hidden, name="edge_embed")(edges)
        e = edges[:, None] if edges.ndim == 1 else edges
        return nn.Dense(self.hidden, name="edge_in")(e.astype(dtype))

    def _conv(self, i, g, e, emask, deterministic):
        """One conv without norm/activation; returns the new node features ``[N, hidden]``."""
        n = static_num_nodes(g)
        edges_on = self.use_edge_features
        if self.conv == "gcn":
            out = GCNConv(self.hidden, name=f"conv_{i}")(g, edge_mask=emask).nodes
            if edges_on:  # Σ_{j->i} â_ij W_e e_ij (same normalisation as the node messages)
                _, _, w, _ = ops.gcn_norm(g.senders, g.receivers, n, None, True, emask)
                we = nn.Dense(self.hidden, use_bias=False, name=f"edge_lin_{i}")(e)
                out = out + ops.segment_sum(we * w[: e.shape[0], None], g.receivers, n, emask)
            return out
        if self.conv == "gcn_mean":
            msg = g.nodes[g.senders]
            if edges_on:
                msg = msg + nn.Dense(self.hidden, use_bias=False, name=f"edge_lin_{i}")(e)
            return nn.Dense(self.hidden, name=f"conv_{i}")(ops.segment_mean(msg, g.receivers, n, emask))
        if self.conv == "sage":
            out = SAGEConv(self.hidden, name=f"conv_{i}")(g, edge_mask=emask).nodes
            if edges_on:
                we = nn.Dense(self.hidden, name=f"edge_lin_{i}")(e)
                out = out + ops.segment_mean(we, g.receivers, n, emask)
            return out
        if self.conv == "gin":
            # Dwivedi et al.'s GIN: MLP with 2 layers (ReLU, BN inside in their code; here norm after).
            if edges_on:
                return GINEConv([self.hidden, self.hidden], train_eps=True, name=f"conv_{i}")(
                    g._replace(edges=e), edge_mask=emask, deterministic=deterministic).nodes
            return GINConv([self.hidden, self.hidden], train_eps=True, name=f"conv_{i}")(
                g, edge_mask=emask, deterministic=deterministic).nodes
        if self.conv == "gat":
            return GATConv(self.hidden // self.heads, heads=self.heads, name=f"conv_{i}")(
                g, deterministic=deterministic, edge_mask=emask).nodes
        if self.conv == "monet":
            return MoNetConv(self.hidden, kernels=3, dim=2, root_weight=True, name=f"conv_{i}")(g, edge_mask=emask).nodes
        # 'mlp': position-wise only (Dwivedi et al.'s MLP baseline)
        return nn.Dense(self.hidden, name=f"conv_{i}")(g.nodes)

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, deterministic: bool = True) -> jnp.ndarray:
        self._check()
        nmask = _node_mask(graph)
        emask = _edge_mask(graph)
        h = self._embed_nodes(graph.nodes, graph.n_node, deterministic)
        needs_edges = self.conv == "gatedgcn" or (self.use_edge_features and self.conv in ("gcn", "gcn_mean", "sage", "gin"))
        e = self._embed_edges(graph.edges, graph.senders.shape[0], h.dtype) if needs_edges else None
        g = graph._replace(nodes=h, edges=e)
        drop = lambda x: nn.Dropout(self.dropout)(x, deterministic=deterministic) if self.dropout > 0 else x
        for i in range(self.num_layers):
            if self.conv == "gatedgcn":
                g = GatedGCNConv(self.hidden, batch_norm=self.norm == "batch", residual=self.residual,
                                 dropout_rate=self.dropout, momentum=_BN_MOMENTUM, name=f"conv_{i}")(
                    g, deterministic=deterministic, node_mask=nmask, edge_mask=emask)
                h, e = g.nodes, g.edges
                if self.norm == "layer":
                    h = LayerNorm(name=f"norm_{i}")(h)
                    e = LayerNorm(name=f"edge_norm_{i}")(e)
            else:
                h_in = h
                h = self._conv(i, g._replace(nodes=h, edges=e), e, emask, deterministic)
                h = nn.relu(self._norm(h, nmask, deterministic, f"norm_{i}"))
                if self.residual:
                    h = h_in + h
                h = drop(h)
            if self.ffn:
                f = nn.Dense(2 * self.hidden, name=f"ffn_{i}_0")(h)
                f = drop(nn.relu(f))
                f = drop(nn.Dense(self.hidden, name=f"ffn_{i}_1")(f))
                h = self._norm(h + f, nmask, deterministic, f"ffn_norm_{i}")
            g = g._replace(nodes=h, edges=e)
        if self.task == "graph":
            h = _READOUTS[self.readout](h, graph.n_node, nmask)
        sizes = [max(self.hidden // (2 ** (k + 1)), 1) for k in range(self.head_layers)] + [self.out_dim]
        return MLP(sizes, name="head")(h)


def _param_count(tree) -> int:
    return int(sum(np.prod(x.shape) for x in jax.tree_util.tree_leaves(tree)))


def count_params(model: nn.Module, example_graph) -> int:
    """Number of trainable parameters (the ``'params'`` collection; batch-norm running
    statistics excluded, as in Dwivedi et al.'s budgets) of ``model`` on ``example_graph``.

    Uses ``jax.eval_shape`` (no FLOPs, no memory for the weights).
    """
    shapes = jax.eval_shape(lambda: model.init(jax.random.PRNGKey(0), example_graph))
    return _param_count(shapes["params"])


def width_for_budget(make_model: Callable[[int], nn.Module], example_graph, budget: int,
                     lo: int = 4, hi: int = 1024, multiple: int = 1) -> int:
    """Largest hidden width ``w`` (a multiple of ``multiple`` in ``[lo, hi]``) with
    ``count_params(make_model(w)) <= budget`` -- Dwivedi et al.'s fixed parameter budgets.

    Binary search, assuming the count grows with the width.

    Args:
      make_model: ``width -> model``.
      example_graph: a (batched) GraphsTuple to trace the model on.
      budget: parameter budget (e.g. 100_000 or 500_000).
      lo, hi: search range of widths; multiple: widths considered (e.g. GAT heads).
    Returns:
      the width.
    Raises:
      ValueError: bad ``budget``/``lo``/``hi``/``multiple``, or the smallest width exceeds the budget.
    """
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    if multiple < 1:
        raise ValueError(f"multiple must be >= 1, got {multiple}")
    lo_k, hi_k = -(-lo // multiple), hi // multiple
    if lo_k < 1 or lo_k > hi_k:
        raise ValueError(f"need 1 <= lo <= hi with a multiple of {multiple} between, got lo={lo}, hi={hi}")
    count = lambda k: count_params(make_model(k * multiple), example_graph)
    if count(lo_k) > budget:
        raise ValueError(f"budget={budget} is below the smallest width {lo_k * multiple} ({count(lo_k)} params)")
    if count(hi_k) <= budget:
        return hi_k * multiple
    a, b = lo_k, hi_k  # count(a) <= budget < count(b)
    while b - a > 1:
        m = (a + b) // 2
        if count(m) <= budget:
            a = m
        else:
            b = m
    return a * multiple
