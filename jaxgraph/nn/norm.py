"""Normalisation layers for node (and edge) features of padded graph batches.

Every module accepts either a feature array (``[N, F]``) and returns an array, or a
``jraph.GraphsTuple`` and returns it with normalised ``nodes`` (``graph._replace``). The math
lives in :mod:`jaxgraph.ops.normalization`.

* :class:`MaskedBatchNorm` — batch norm whose statistics use only the rows in ``mask``
  (real nodes of a padded batch), with running averages in the ``'batch_stats'`` collection
  (same variable names as ``flax.linen.BatchNorm``).
* :class:`LayerNorm` — per-node normalisation over features.
* :class:`GraphNorm` — per-graph statistics (Cai et al., 2021).
* :class:`GraphSizeNorm` / :func:`graph_size_norm` — ``x / sqrt(|V_g|)`` (Dwivedi et al.).
"""
from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp
import jraph

from jaxgraph import ops

__all__ = ["MaskedBatchNorm", "LayerNorm", "GraphNorm", "GraphSizeNorm", "graph_size_norm"]


def _unwrap(x):
    if isinstance(x, jraph.GraphsTuple):
        return x.nodes, (lambda y: x._replace(nodes=y))
    return x, (lambda y: y)


class MaskedBatchNorm(nn.Module):
    """Batch normalisation (Ioffe & Szegedy, 2015) with statistics over masked rows only.

    Training (``use_running_average=False``)::

        μ = Σ_v m_v x_v / Σ_v m_v,   σ² = Σ_v m_v (x_v - μ)² / Σ_v m_v
        y_v = γ (x_v - μ) / sqrt(σ² + ε) + β
        ra_mean <- momentum ra_mean + (1 - momentum) μ   (same for ra_var; not at init)

    Evaluation uses ``ra_mean``/``ra_var``. With ``mask`` the node mask of a padded batch,
    the result on real nodes equals ``flax.linen.BatchNorm`` on the unpadded nodes. A batch
    with no unmasked rows leaves the running statistics unchanged.

    Attributes:
      use_running_average: default for the call argument of the same name.
      momentum, epsilon, use_scale, use_bias: as ``flax.linen.BatchNorm``.
      axis_name: optional mapped axis name (``shard_map``) to pool statistics over devices.

    Call:
      x: ``[N, ..., F]`` array or a GraphsTuple (its ``nodes``); mask: optional ``[N]`` bool.
    Returns:
      same shape/kind as ``x``.
    """

    use_running_average: bool | None = None
    momentum: float = 0.99
    epsilon: float = 1e-5
    use_scale: bool = True
    use_bias: bool = True
    axis_name: str | None = None

    @nn.compact
    def __call__(self, x, mask=None, use_running_average: bool | None = None):
        x, wrap = _unwrap(x)
        ura = nn.merge_param("use_running_average", self.use_running_average, use_running_average)
        feat = x.shape[-1]
        ra_mean = self.variable("batch_stats", "mean", lambda: jnp.zeros((feat,), jnp.float32))
        ra_var = self.variable("batch_stats", "var", lambda: jnp.ones((feat,), jnp.float32))
        if ura:
            mean, var = ra_mean.value, ra_var.value
        else:
            mean, var, count = ops.masked_moments(x, mask, self.axis_name)
            if not self.is_initializing():
                m = self.momentum
                seen = count > 0
                ra_mean.value = jnp.where(seen, m * ra_mean.value + (1 - m) * mean, ra_mean.value)
                ra_var.value = jnp.where(seen, m * ra_var.value + (1 - m) * var, ra_var.value)
        scale = self.param("scale", nn.initializers.ones, (feat,)) if self.use_scale else None
        bias = self.param("bias", nn.initializers.zeros, (feat,)) if self.use_bias else None
        return wrap(ops.normalize(x, mean, var, scale, bias, self.epsilon))


class LayerNorm(nn.Module):
    """Layer normalisation per node over its features (Ba et al., 2016).

    ``y_v = γ (x_v - mean(x_v)) / sqrt(var(x_v) + ε) + β``. Rows are independent, so padding
    needs no mask. ``[N, F]`` (or a GraphsTuple) -> same.
    """

    epsilon: float = 1e-5
    use_scale: bool = True
    use_bias: bool = True

    @nn.compact
    def __call__(self, x):
        x, wrap = _unwrap(x)
        feat = x.shape[-1]
        scale = self.param("scale", nn.initializers.ones, (feat,)) if self.use_scale else None
        bias = self.param("bias", nn.initializers.zeros, (feat,)) if self.use_bias else None
        return wrap(ops.layer_norm(x, scale, bias, self.epsilon))


class GraphNorm(nn.Module):
    """GraphNorm of Cai et al. (ICML 2021), "GraphNorm: A Principled Approach to Accelerating
    Graph Neural Network Training".

    ``y_v = γ ⊙ (x_v - α ⊙ μ_g) / sqrt(σ²_g + ε) + β`` with per-graph ``μ_g`` (mean over the
    nodes of ``v``'s graph ``g``) and ``σ²_g = mean_{u in g} (x_u - α ⊙ μ_g)²``; ``α`` (init 1),
    ``γ`` (init 1), ``β`` (init 0) are learnt ``[F]`` vectors. No running statistics.

    Call:
      x: ``[N, F]`` array (then ``n_node`` is required) or a GraphsTuple (uses its
      ``n_node``); node_mask: optional ``[N]`` bool, excluded from the statistics.
    """

    epsilon: float = 1e-5
    learn_alpha: bool = True

    @nn.compact
    def __call__(self, x, n_node=None, node_mask=None):
        if isinstance(x, jraph.GraphsTuple) and n_node is None:
            n_node = x.n_node
        if n_node is None:
            raise ValueError("GraphNorm needs n_node (pass it, or pass a GraphsTuple)")
        x, wrap = _unwrap(x)
        feat = x.shape[-1]
        alpha = self.param("alpha", nn.initializers.ones, (feat,)) if self.learn_alpha else None
        scale = self.param("scale", nn.initializers.ones, (feat,))
        bias = self.param("bias", nn.initializers.zeros, (feat,))
        return wrap(ops.graph_norm(x, n_node, alpha, scale, bias, node_mask, self.epsilon))


def graph_size_norm(x, n_node=None):
    """Graph size normalisation (Dwivedi et al. 2020, "Benchmarking GNNs"): ``x_v / sqrt(|V_g|)``.

    ``x``: ``[N, ...]`` array with ``n_node`` ``[G]``, or a GraphsTuple (uses its ``n_node``).
    """
    if isinstance(x, jraph.GraphsTuple) and n_node is None:
        n_node = x.n_node
    if n_node is None:
        raise ValueError("graph_size_norm needs n_node (pass it, or pass a GraphsTuple)")
    x, wrap = _unwrap(x)
    return wrap(ops.graph_size_norm(x, n_node))


class GraphSizeNorm(nn.Module):
    """Module form of :func:`graph_size_norm` (no parameters)."""

    @nn.compact
    def __call__(self, x, n_node=None):
        return graph_size_norm(x, n_node)
