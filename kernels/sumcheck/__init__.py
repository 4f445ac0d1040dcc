"""Pallas kernels for the per-round sumcheck work of ``jaxgraph.zk.sumcheck`` (zkDL, issue 5).

Public entry points (same signatures as ``jaxgraph.zk.sumcheck.round_poly`` / ``round_step``):

* :func:`round_poly_pallas` ``(tables) -> uint64[K+1, 2]``
* :func:`round_step_pallas` ``(tables, r) -> uint64[K, S/2, 2]``
* :func:`step_poly_pallas` ``(tables, r) -> (folded, next round poly)`` (fused, one pass)
* :func:`round_poly` / :func:`round_step` with ``impl="auto" | "pallas" | "xla"``
  (auto: Pallas on a GPU backend, the jnp/XLA reference elsewhere)
* :func:`prover_hooks` ``(impl)`` -> ``dict(round_poly_fn=..., round_step_fn=...)`` for
  ``jaxgraph.zk.sumcheck.prove(..., **prover_hooks())``; proofs are bit-identical.

Called from outside a trace these enter the zk 64-bit scope (``jaxgraph.zk.x64``) for the call
only; called while tracing (e.g. as prover hooks) they inline. On CPU the Pallas path runs in
interpret mode (``interpret=None`` -> interpret unless the backend is a GPU).
"""
from __future__ import annotations

from jaxgraph.zk import field as F
from jaxgraph.zk._x64 import zk_jit
from kernels.common import resolve_impl
from kernels.sumcheck import kernel as _K
from kernels.sumcheck import reference as _R
from kernels.sumcheck.kernel import DEFAULT_BLOCK_PAIRS

__all__ = ["round_poly_pallas", "round_step_pallas", "step_poly_pallas", "round_poly",
           "round_step", "prover_hooks", "resolve_impl", "DEFAULT_BLOCK_PAIRS"]

_STATIC = ("block_pairs", "interpret", "backend")


@zk_jit(static_argnames=_STATIC)
def round_poly_pallas(tables, block_pairs=DEFAULT_BLOCK_PAIRS, interpret=None, backend=None):
    """Pallas round polynomial. tables: uint64[K, S, 2] (S even) -> uint64[K+1, 2]."""
    return _K.round_poly_call(F._u64(tables), block_pairs=block_pairs, interpret=interpret,
                              backend=backend)


@zk_jit(static_argnames=_STATIC)
def round_step_pallas(tables, r, block_pairs=DEFAULT_BLOCK_PAIRS, interpret=None, backend=None):
    """Pallas fold x_1 := r. tables: uint64[K, S, 2], r: uint64[2] -> uint64[K, S/2, 2]."""
    return _K.round_step_call(F._u64(tables), F._u64(r), block_pairs=block_pairs,
                              interpret=interpret, backend=backend)


@zk_jit(static_argnames=_STATIC)
def step_poly_pallas(tables, r, block_pairs=DEFAULT_BLOCK_PAIRS, interpret=None, backend=None):
    """Fused fold + next round polynomial (S % 4 == 0): -> (uint64[K, S/2, 2], uint64[K+1, 2])."""
    return _K.step_poly_call(F._u64(tables), F._u64(r), block_pairs=block_pairs,
                             interpret=interpret, backend=backend)


def round_poly(tables, impl: str = "auto"):
    """Round polynomial via the chosen implementation (see :func:`resolve_impl`)."""
    if resolve_impl(impl) == "pallas":
        return round_poly_pallas(tables)
    from jaxgraph.zk import sumcheck as S
    return S.round_poly(tables)


def round_step(tables, r, impl: str = "auto"):
    """Fold via the chosen implementation (see :func:`resolve_impl`)."""
    if resolve_impl(impl) == "pallas":
        return round_step_pallas(tables, r)
    from jaxgraph.zk import sumcheck as S
    return S.round_step(tables, r)


def prover_hooks(impl: str = "auto", fused: bool = False) -> dict:
    """Keyword arguments for ``jaxgraph.zk.sumcheck.prove`` / ``Prover``: the Pallas kernels for
    impl "pallas" (or auto on GPU), nothing (the default jnp path) for "xla".

    The functions are module-level objects, so the prover's jit cache (keyed on the function)
    compiles them once per buffer shape. ``fused=True`` adds the fused fold + round-polynomial
    kernel (:func:`step_poly_pallas`), which reads every table once per round.
    """
    if resolve_impl(impl) == "pallas":
        hooks = {"round_poly_fn": round_poly_pallas, "round_step_fn": round_step_pallas}
        if fused:  # one pass per round: fold and next round polynomial together
            hooks["step_poly_fn"] = step_poly_pallas
        return hooks
    return {}
