"""Node-classification architectures assembled from :mod:`jaxgraph.nn`."""
from __future__ import annotations

import flax.linen as nn
import jraph

from jaxgraph.nn import GATConv, GCNConv

__all__ = ["GCN", "GAT"]


class GCN(nn.Module):
    """Kipf & Welling (2017) GCN: ``[dropout → GCNConv → ReLU] × (L-1) → dropout → GCNConv``.

    Returns logits ``[N, num_classes]``.
    """

    hidden: int = 16
    num_classes: int = 7
    num_layers: int = 2
    dropout: float = 0.5

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, deterministic: bool = True):
        for i in range(self.num_layers):
            last = i == self.num_layers - 1
            graph = graph._replace(nodes=nn.Dropout(self.dropout)(graph.nodes, deterministic=deterministic))
            graph = GCNConv(self.num_classes if last else self.hidden, name=f"conv{i}")(graph)
            if not last:
                graph = graph._replace(nodes=nn.relu(graph.nodes))
        return graph.nodes


class GAT(nn.Module):
    """Veličković et al. (2018) two-layer GAT for transductive node classification.

    ``dropout → GATConv(hidden, heads, concat) → ELU → dropout → GATConv(classes, out_heads, mean)``,
    dropout ``dropout`` on inputs and attention. Returns logits ``[N, num_classes]``.
    """

    hidden: int = 8
    heads: int = 8
    out_heads: int = 1
    num_classes: int = 7
    dropout: float = 0.6

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, deterministic: bool = True):
        drop = lambda x: nn.Dropout(self.dropout)(x, deterministic=deterministic)
        graph = graph._replace(nodes=drop(graph.nodes))
        graph = GATConv(self.hidden, self.heads, True, attention_dropout=self.dropout, name="conv0")(graph, deterministic)
        graph = graph._replace(nodes=drop(nn.elu(graph.nodes)))
        graph = GATConv(self.num_classes, self.out_heads, False, attention_dropout=self.dropout, name="conv1")(graph, deterministic)
        return graph.nodes
