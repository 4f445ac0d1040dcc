"""Multi-device training over a ``'data'`` mesh axis (``jax.sharding`` + ``shard_map``).

Two patterns:

* **Data parallel** (:func:`make_data_parallel_step`): each device gets its own padded batch
  (arrays stacked on a leading device axis, sharded over ``'data'``); parameters are
  replicated; the loss is the *global* masked mean (per-device sums and counts are ``psum``-ed,
  so it equals the single-device loss over the union of the batches, whatever the number of
  real graphs per device), and so are the gradients.
* **Edge-sharded full-graph message passing** (:func:`edge_sharded_gather_scatter`,
  :func:`shard_edges`): one large graph whose edges are split across devices; node features
  are replicated, each device scatters its edges' messages, the partial sums are ``psum``-ed.

Multi-host: call ``jax.distributed.initialize()`` at program start on every host, then build
the mesh from ``jax.devices()`` (all hosts' devices) with :func:`data_mesh`; every host feeds
its local shard of the batch (``jax.make_array_from_process_local_data``). Nothing else here
changes. Tested on one CPU with ``XLA_FLAGS=--xla_force_host_platform_device_count=8``.
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

try:  # JAX >= 0.6 exposes shard_map at the top level.
    from jax import shard_map as _shard_map
except ImportError:  # pragma: no cover - older JAX
    from jax.experimental.shard_map import shard_map as _shard_map

__all__ = [
    "data_mesh",
    "shard_map",
    "stack_batches",
    "make_data_parallel_step",
    "shard_edges",
    "edge_sharded_gather_scatter",
]

AXIS = "data"


def shard_map(f, mesh, in_specs, out_specs):
    """``shard_map`` without replication checks (works across JAX versions)."""
    try:
        return _shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs, check_vma=False)
    except TypeError:  # older signature
        return _shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs, check_rep=False)


def data_mesh(devices=None) -> Mesh:
    """A 1-D mesh with axis ``'data'`` over ``devices`` (default: all devices)."""
    devices = jax.devices() if devices is None else devices
    return Mesh(np.asarray(devices), (AXIS,))


def stack_batches(batches: list, mesh: Mesh):
    """Stacks per-device pytrees (same shapes) on a leading axis and shards it over ``'data'``."""
    if len(batches) != mesh.devices.size:
        raise ValueError(f"got {len(batches)} batches for {mesh.devices.size} devices; they must match")
    stacked = jax.tree_util.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *batches)
    return jax.device_put(stacked, NamedSharding(mesh, P(AXIS)))


def make_data_parallel_step(
    loss_sum_fn: Callable, tx: optax.GradientTransformation, mesh: Mesh
) -> Callable:
    """Builds ``step(params, opt_state, batch, rng) -> (params, opt_state, loss)``.

    Args:
      loss_sum_fn: ``(params, batch, rng) -> (sum_of_losses, count)`` on ONE device's batch
        (a batch without the leading device axis), e.g. the masked sum over real graphs and
        the number of real graphs. The global loss is ``psum(sum) / psum(count)``.
      tx: optax optimizer (applied identically on every device; params stay replicated).
      mesh: a mesh with axis ``'data'``.
    Returns:
      A jitted step. ``batch`` leaves have a leading axis of size ``mesh.size`` sharded over
      ``'data'`` (see :func:`stack_batches`); ``params``/``opt_state`` are replicated. The
      per-device rng is ``fold_in(rng, axis_index)``.
    """

    def local(params, opt_state, batch, rng):
        batch = jax.tree_util.tree_map(lambda x: x[0], batch)  # drop the per-device axis
        rng = jax.random.fold_in(rng, jax.lax.axis_index(AXIS))
        count = loss_sum_fn(params, batch, rng)[1]
        total_count = jax.lax.psum(count, AXIS)

        def global_loss(p):
            s, _ = loss_sum_fn(p, batch, rng)
            return s / jnp.maximum(total_count, 1)

        loss, grads = jax.value_and_grad(global_loss)(params)
        grads = jax.lax.psum(grads, AXIS)
        loss = jax.lax.psum(loss, AXIS)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    fn = shard_map(local, mesh, in_specs=(P(), P(), P(AXIS), P()), out_specs=(P(), P(), P()))
    return jax.jit(fn)


def shard_edges(senders, receivers, num_shards: int, edge_weight=None):
    """Pads the edge list to a multiple of ``num_shards`` and reshapes to ``[D, E/D]``.

    Padding edges get ``mask=False`` (and weight 0). Returns ``(senders, receivers, weights,
    mask)`` numpy arrays with a leading shard axis.
    """
    s = np.asarray(senders, np.int32)
    r = np.asarray(receivers, np.int32)
    e = len(s)
    per = -(-max(e, 1) // num_shards)
    pad = per * num_shards - e
    w = np.ones(e, np.float32) if edge_weight is None else np.asarray(edge_weight, np.float32)
    s = np.concatenate([s, np.zeros(pad, np.int32)]).reshape(num_shards, per)
    r = np.concatenate([r, np.zeros(pad, np.int32)]).reshape(num_shards, per)
    w = np.concatenate([w, np.zeros(pad, np.float32)]).reshape(num_shards, per)
    m = np.concatenate([np.ones(e, bool), np.zeros(pad, bool)]).reshape(num_shards, per)
    return s, r, w, m


def edge_sharded_gather_scatter(mesh: Mesh, n: int) -> Callable:
    """Builds ``f(x, senders, receivers, weights, mask) -> [n, F]``: weighted sum aggregation
    ``out[i] = Σ_{e: r_e = i} w_e x[s_e]`` with edges sharded over ``'data'`` (``[D, E/D]``
    arrays from :func:`shard_edges`), ``x`` replicated, partial results ``psum``-ed.
    Differentiable (the psum's transpose broadcasts the cotangent back)."""
    from jaxgraph.ops import gather_scatter

    def local(x, s, r, w, m):
        part = gather_scatter(x, s[0], r[0], n, w[0], "sum", m[0])
        return jax.lax.psum(part, AXIS)

    spec = P(AXIS)
    return jax.jit(shard_map(local, mesh, in_specs=(P(), spec, spec, spec, spec), out_specs=P()))
