"""Pallas kernels for NAT's N-caches (Luo & Li, "Neighborhood-aware Scalable Temporal Network
Representation Learning", LoG 2022; issue 7).

Public entry points:

* :func:`fetch` ``(key, t, eid, rep, nodes, *, slots, impl)`` -> ``([Q,M], [Q,M], [Q,M],
  [Q,M,F])``: the M slots of each query node;
* :func:`scatter` ``(key, t, eid, rep, slot_w, ck, ct, ce, cr, *, impl)`` -> the cache with
  the (unique) winner rows written, ``slot_w = -1`` writing nothing;
* :func:`fetch_pallas` / :func:`scatter_pallas`: jitted kernel calls (``block_*``,
  ``interpret``, ``backend`` static);
* :func:`resolve_impl`: ``"auto" | "pallas" | "xla"`` (auto: Pallas on a GPU backend, the jnp
  reference elsewhere).

The decision logic (hash, replacement rule, latest writer per slot) and the validated public
API live in :mod:`jaxgraph.temporal.ncache` (``ncache_fetch`` / ``ncache_update`` with
``impl="pallas"`` call these kernels). On CPU the Pallas path runs in interpret mode
(``interpret=None`` -> interpret unless the backend is a GPU).
"""
from __future__ import annotations

import jax

from kernels.common import resolve_impl
from kernels.ncache import kernel as _K
from kernels.ncache import reference as _R
from kernels.ncache.kernel import DEFAULT_BLOCK_C, DEFAULT_BLOCK_Q

__all__ = ["fetch", "scatter", "fetch_pallas", "scatter_pallas", "resolve_impl",
           "DEFAULT_BLOCK_Q", "DEFAULT_BLOCK_C"]


@jax.jit(static_argnames=("slots", "block_q", "interpret", "backend"))
def fetch_pallas(key, t, eid, rep, nodes, *, slots, block_q=DEFAULT_BLOCK_Q, interpret=None,
                 backend=None):
    """Pallas fetch (see :func:`kernels.ncache.kernel.fetch_call`)."""
    return _K.fetch_call(key, t, eid, rep, nodes, slots=slots, block_q=block_q,
                         interpret=interpret, backend=backend)


@jax.jit(static_argnames=("block_c", "interpret", "backend"))
def scatter_pallas(key, t, eid, rep, slot_w, ck, ct, ce, cr, *, block_c=DEFAULT_BLOCK_C,
                   interpret=None, backend=None):
    """Pallas winner scatter (see :func:`kernels.ncache.kernel.scatter_call`). Not donating:
    wrap in your own ``jax.jit(..., donate_argnums=(0, 1, 2, 3))`` for in-place updates."""
    return _K.scatter_call(key, t, eid, rep, slot_w, ck, ct, ce, cr, block_c=block_c,
                           interpret=interpret, backend=backend)


_fetch_ref = jax.jit(_R.fetch_ref, static_argnames=("slots",))
_scatter_ref = jax.jit(_R.scatter_ref)


def fetch(key, t, eid, rep, nodes, *, slots, impl: str = "auto"):
    """Fetch via the chosen implementation (see :func:`resolve_impl`)."""
    if resolve_impl(impl) == "pallas":
        return fetch_pallas(key, t, eid, rep, nodes, slots=slots)
    return _fetch_ref(key, t, eid, rep, nodes, slots=slots)


def scatter(key, t, eid, rep, slot_w, ck, ct, ce, cr, *, impl: str = "auto"):
    """Winner scatter via the chosen implementation (see :func:`resolve_impl`)."""
    if resolve_impl(impl) == "pallas":
        return scatter_pallas(key, t, eid, rep, slot_w, ck, ct, ce, cr)
    return _scatter_ref(key, t, eid, rep, slot_w, ck, ct, ce, cr)
