"""Adaptive-depth propagation of DAGNN (Liu, Gao & Ji, "Towards Deeper Graph Neural Networks",
KDD 2020, Sec. 4, Eq. (7)-(9)).

DAGNN decouples feature transformation from propagation. Given the transformed features
``Z = MLP(X)`` (``[N, C]``, ``C`` = number of classes) it computes

    H_0 = Z,   H_l = Â H_{l-1} = Â^l Z            (l = 1..K),  Â = D̃^{-1/2} (A + I) D̃^{-1/2}
    S   = stack(H_0, ..., H_K)                    [N, K+1, C]
    s   = σ(S w + b)                              [N, K+1]     (retainment scores)
    out = Σ_l s_l ⊙ H_l                           [N, C]       (X_out = softmax(out) in the paper)

with a learnable projection ``w ∈ R^{C×1}`` shared by all nodes and hops. The paper writes
``s = σ(S w)``; the official code (github.com/divelab/DeeperGNN, ``dagnn.py``, class ``Prop``)
uses ``torch.nn.Linear(num_classes, 1)``, i.e. also a bias ``b``, which :class:`DAGNNProp`
keeps by default (``use_bias``).

:func:`adaptive_propagation` is the pure function; it accumulates ``Σ_l s_l H_l`` inside a
``lax.scan`` so memory does not grow with ``K`` on the forward pass. :class:`DAGNNProp` is the
thin flax layer that declares ``w`` (and ``b``) and calls it.
"""
from __future__ import annotations

import math
import numbers

import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph

from jaxgraph import ops
from jaxgraph.graph.batching import static_num_nodes

__all__ = ["adaptive_propagation", "retainment_scores", "DAGNNProp", "torch_linear_init"]


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
        raise ValueError(f"k must be an integer >= 0, got {k!r}")
    return int(k)


def _check_proj(x, proj_kernel, proj_bias):
    if x.ndim != 2:
        raise ValueError(f"x must be [N, C], got shape {tuple(x.shape)}")
    c = x.shape[-1]
    if proj_kernel.shape not in ((c,), (c, 1)):
        raise ValueError(f"proj_kernel must have shape ({c},) or ({c}, 1) for C={c}, got {tuple(proj_kernel.shape)}")
    if proj_bias is not None and proj_bias.size != 1:
        raise ValueError(f"proj_bias must be a scalar or shape (1,), got shape {tuple(proj_bias.shape)}")
    w = proj_kernel.reshape(c)
    b = jnp.zeros((), x.dtype) if proj_bias is None else proj_bias.reshape(())
    return w, b


def retainment_scores(h, proj_kernel, proj_bias=None):
    """``σ(h w + b)``: the retainment score of each node's representation ``h`` (any leading shape).

    Args:
      h: ``[..., C]`` representations (e.g. the stack ``S`` of shape ``[N, K+1, C]``).
      proj_kernel: ``[C]`` or ``[C, 1]`` projection ``w``.
      proj_bias: optional scalar / ``[1]`` bias ``b``.
    Returns:
      ``[...]`` scores in ``(0, 1)``.
    """
    c = h.shape[-1]
    if proj_kernel.shape not in ((c,), (c, 1)):
        raise ValueError(f"proj_kernel must have shape ({c},) or ({c}, 1), got {tuple(proj_kernel.shape)}")
    b = 0.0 if proj_bias is None else jnp.reshape(proj_bias, ())
    return jax.nn.sigmoid(h @ proj_kernel.reshape(c) + b)


def adaptive_propagation(
    x,
    senders,
    receivers,
    n: int,
    k: int,
    proj_kernel,
    proj_bias=None,
    *,
    edge_weight=None,
    edge_mask=None,
    add_self_loops: bool = True,
    return_scores: bool = False,
):
    """DAGNN's adaptive propagation ``Σ_{l=0..K} σ(H_l w + b) ⊙ H_l`` with ``H_l = Â^l x``.

    Liu, Gao & Ji (KDD 2020), Eq. (7)-(9); ``Â = D̃^{-1/2} (A + I) D̃^{-1/2}`` (:func:`ops.gcn_norm`).

    Padding: masked edges (``edge_mask`` False) get weight 0, and padding edges of
    ``jraph.pad_with_graphs`` only join padding nodes, so real nodes' outputs do not depend on
    padding either way.

    Args:
      x: ``[N, C]`` transformed features ``Z`` (``N`` = the static / padded node count ``n``).
      senders, receivers: ``[E]`` int edge endpoints (edge ``j -> i`` sends ``x[j]`` to ``i``).
      n: number of nodes (static).
      k: number of propagation hops ``K >= 0`` (static; ``K = 0`` gives ``σ(x w + b) x``).
      proj_kernel: ``[C]`` or ``[C, 1]`` retainment projection ``w``.
      proj_bias: optional scalar / ``[1]`` bias ``b`` (the official code has one).
      edge_weight: optional ``[E]`` weights of ``A``.
      edge_mask: optional ``[E]`` bool; False marks padding edges.
      add_self_loops: use ``A + I`` (True, as in the paper) or ``A``.
      return_scores: also return the scores ``s`` of shape ``[N, K+1]``.
    Returns:
      ``out`` of shape ``[N, C]``, or ``(out, scores)`` with ``return_scores``.
    Raises:
      ValueError: ``k`` not an integer ``>= 0``, ``x`` not 2-D, or a projection of the wrong shape.
    """
    k = _check_k(k)
    x = jnp.asarray(x)
    w, b = _check_proj(x, jnp.asarray(proj_kernel), None if proj_bias is None else jnp.asarray(proj_bias))
    if x.shape[0] != n:
        raise ValueError(f"x has {x.shape[0]} rows but n={n}")
    s, r, ew, m = ops.gcn_norm(senders, receivers, n, edge_weight, add_self_loops, edge_mask)
    ew = ew.astype(x.dtype)

    def score(h):
        return jax.nn.sigmoid(h @ w + b)

    s0 = score(x)
    acc0 = s0[:, None] * x

    def step(carry, _):
        h, acc = carry
        h = ops.propagate(h, s, r, n, ew, m)
        sc = score(h)
        return (h, acc + sc[:, None] * h), sc

    (_, out), scores = jax.lax.scan(step, (x, acc0), None, length=k)
    if not return_scores:
        return out
    return out, jnp.concatenate([s0[:, None], scores.T], axis=1)


def torch_linear_init(fan_in: int):
    """``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``: the default init of ``torch.nn.Linear`` weights and
    biases, which the official DAGNN code uses (any shape; ``fan_in`` given explicitly)."""
    bound = 1.0 / math.sqrt(max(fan_in, 1))

    def init(key, shape, dtype=jnp.float32):
        return jax.random.uniform(key, shape, dtype, -bound, bound)

    return init


class DAGNNProp(nn.Module):
    """DAGNN's adaptive propagation layer (Liu, Gao & Ji, KDD 2020, Eq. (7)-(9)).

    Declares the retainment projection ``kernel`` ``[C, 1]`` (and ``bias`` ``[1]``), both
    initialised like ``torch.nn.Linear(C, 1)`` as in the official code, and calls
    :func:`adaptive_propagation`.

    Shapes: nodes ``[N, C]`` -> ``[N, C]`` (the pre-softmax output ``Σ_l s_l H_l``).
    ``return_scores=True`` returns ``(graph, scores [N, K+1])``.
    """

    k: int = 10
    use_bias: bool = True
    add_self_loops: bool = True

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, edge_weight=None, edge_mask=None, return_scores: bool = False):
        x = graph.nodes
        c = x.shape[-1]
        kernel = self.param("kernel", torch_linear_init(c), (c, 1))
        bias = self.param("bias", torch_linear_init(c), (1,)) if self.use_bias else None
        out = adaptive_propagation(
            x, graph.senders, graph.receivers, static_num_nodes(graph), self.k, kernel, bias,
            edge_weight=edge_weight, edge_mask=edge_mask, add_self_loops=self.add_self_loops,
            return_scores=return_scores,
        )
        if return_scores:
            out, scores = out
            return graph._replace(nodes=out), scores
        return graph._replace(nodes=out)
