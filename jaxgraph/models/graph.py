"""Graph-classification architectures assembled from :mod:`jaxgraph.nn` and :mod:`jaxgraph.ops`."""
from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp
import jraph

from jaxgraph import ops
from jaxgraph.graph.batching import node_mask as _node_mask
from jaxgraph.graph.batching import static_num_nodes
from jaxgraph.nn.norm import MaskedBatchNorm

__all__ = ["GIN"]


class GIN(nn.Module):
    """GIN for graph classification as in Xu et al. (ICLR 2019), "How Powerful are GNNs?".

    ``num_layers - 1`` GIN layers, each ``h ← ReLU(BN(W2 ReLU(BN(W1 ((1+ε) h_i + Σ_{j→i} h_j)))))``
    (ε = 0 for GIN-0, learnt for GIN-ε); the readout sums the nodes of every layer's
    representation (the input included), maps each with a linear layer, applies dropout and adds
    the scores. BatchNorm statistics use real nodes only (the node mask of the padded batch).

    Input: a *padded* batch (:func:`jaxgraph.graph.pad_to_budget`: the trailing padding graph is
    how real nodes are told apart) with ``nodes`` ``[N, F]`` (or ``{"x": [N, F], ...}``).
    Output: logits ``[G, num_classes]`` (rows of padding graphs are meaningless; mask them).
    """

    num_classes: int = 2
    hidden: int = 64
    num_layers: int = 5
    dropout: float = 0.5
    learn_eps: bool = False
    bn_momentum: float = 0.9  # PyTorch's BatchNorm momentum 0.1

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, deterministic: bool = True):
        x = graph.nodes["x"] if isinstance(graph.nodes, dict) else graph.nodes
        graph = graph._replace(nodes=x)
        n = static_num_nodes(graph)
        mask = _node_mask(graph)
        bn = lambda name: MaskedBatchNorm(momentum=self.bn_momentum, name=name)
        reps = [x]
        h = x
        for layer in range(self.num_layers - 1):
            eps = self.param(f"eps{layer}", nn.initializers.zeros, ()) if self.learn_eps else 0.0
            h = ops.gin_aggregate(h, graph.senders, graph.receivers, n, eps)
            h = nn.Dense(self.hidden, name=f"mlp{layer}_0")(h)
            h = nn.relu(bn(f"mlp{layer}_bn")(h, mask, use_running_average=deterministic))
            h = nn.Dense(self.hidden, name=f"mlp{layer}_1")(h)
            h = nn.relu(bn(f"bn{layer}")(h, mask, use_running_average=deterministic))
            reps.append(h)
        score = 0.0
        for layer, rep in enumerate(reps):
            pooled = ops.graph_sum(rep, graph.n_node, mask)
            s = nn.Dense(self.num_classes, name=f"pred{layer}")(pooled)
            score = score + nn.Dropout(self.dropout)(s, deterministic=deterministic)
        return jnp.asarray(score)
