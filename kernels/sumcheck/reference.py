"""Pure-jnp reference for the sumcheck kernels: thin calls into ``jaxgraph.zk.sumcheck`` (one
source of truth for the math). Same signatures as the kernels; trace inside ``jaxgraph.zk.x64()``.
"""
from __future__ import annotations

from jaxgraph.zk import sumcheck as _S

__all__ = ["round_poly_ref", "round_step_ref", "step_poly_ref"]


def round_poly_ref(tables):
    """uint64[K, S, 2] -> uint64[K+1, 2]: jaxgraph.zk.sumcheck.round_poly (pure part)."""
    return _S.round_poly.pure(tables)


def round_step_ref(tables, r):
    """uint64[K, S, 2], r uint64[2] -> uint64[K, S/2, 2]: jaxgraph.zk.sumcheck.round_step."""
    return _S.round_step.pure(tables, r)


def step_poly_ref(tables, r):
    """(round_step(tables, r), round_poly(round_step(tables, r)))."""
    folded = round_step_ref(tables, r)
    return folded, round_poly_ref(folded)
