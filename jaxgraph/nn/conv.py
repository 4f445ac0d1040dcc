"""Message-passing convolutions as thin flax.linen modules over :mod:`jaxgraph.ops`.

Every layer takes a ``jraph.GraphsTuple`` whose ``nodes`` is a ``[N, F]`` array and returns
the graph with new ``nodes`` (``graph._replace``). Padded graphs need no special care:
padding edges join padding nodes only, so real nodes never see them; pass ``edge_mask`` to
also keep padding nodes clean.
"""
from __future__ import annotations

from typing import Callable

import flax.linen as nn
import jax.numpy as jnp
import jraph

from jaxgraph import ops
from jaxgraph.graph.batching import static_num_nodes

__all__ = ["GCNConv", "GATConv"]


class GCNConv(nn.Module):
    """Graph convolution of Kipf & Welling (ICLR 2017).

    ``X' = D̃^{-1/2} Ã D̃^{-1/2} X W + b`` with ``Ã = A + I`` (``add_self_loops``).

    Shapes: nodes ``[N, F]`` -> ``[N, features]``.
    """

    features: int
    add_self_loops: bool = True
    use_bias: bool = True
    kernel_init: Callable = nn.initializers.glorot_uniform()

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, edge_weight=None, edge_mask=None) -> jraph.GraphsTuple:
        x = graph.nodes
        n = static_num_nodes(graph)
        h = nn.Dense(self.features, use_bias=False, kernel_init=self.kernel_init, name="linear")(x)
        s, r, w, m = ops.gcn_norm(graph.senders, graph.receivers, n, edge_weight, self.add_self_loops, edge_mask)
        out = ops.propagate(h, s, r, n, w, m)
        if self.use_bias:
            out = out + self.param("bias", nn.initializers.zeros, (self.features,))
        return graph._replace(nodes=out)


class GATConv(nn.Module):
    """Graph attention layer of Veličković et al. (ICLR 2018).

    ``h = X W`` split into ``heads`` heads of ``features`` channels;
    ``α_ij = softmax_j LeakyReLU(a_s·h_j + a_d·h_i)`` over ``i``'s incoming edges (self loops
    added); ``x'_i = ‖_k Σ_j α^k_ij h^k_j`` (``concat``) or the mean over heads, plus bias.
    Dropout on the attention weights when ``deterministic=False``.

    Shapes: nodes ``[N, F]`` -> ``[N, heads*features]`` (concat) or ``[N, features]``.
    """

    features: int
    heads: int = 1
    concat: bool = True
    negative_slope: float = 0.2
    attention_dropout: float = 0.0
    add_self_loops: bool = True

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, deterministic: bool = True, edge_mask=None) -> jraph.GraphsTuple:
        x = graph.nodes
        n = static_num_nodes(graph)
        h = nn.Dense(self.heads * self.features, use_bias=False, kernel_init=nn.initializers.glorot_uniform(), name="linear")(x)
        h = h.reshape(n, self.heads, self.features)
        att_init = nn.initializers.glorot_uniform(in_axis=-1, out_axis=-2)
        a_s = self.param("att_src", att_init, (self.heads, self.features))
        a_d = self.param("att_dst", att_init, (self.heads, self.features))
        s, r = graph.senders, graph.receivers
        if self.add_self_loops:
            s, r, _, edge_mask = ops.with_self_loops(s, r, n, None, edge_mask)
        drop = None
        if self.attention_dropout > 0 and not deterministic:
            drop = lambda a: nn.Dropout(self.attention_dropout)(a, deterministic=False)
        out, _ = ops.gat_attention(h, s, r, n, a_s, a_d, self.negative_slope, edge_mask, drop)
        out = out.reshape(n, self.heads * self.features) if self.concat else out.mean(axis=1)
        bias = self.param("bias", nn.initializers.zeros, (out.shape[-1],))
        return graph._replace(nodes=out + bias)
