"""Pieces every Pallas kernel package here shares: the implementation switch, interpret-mode
default and the benchmark timer."""
from __future__ import annotations

import statistics
import time

import jax

__all__ = ["default_interpret", "resolve_impl", "time_call"]


def default_interpret() -> bool:
    """Interpret mode unless the default backend is a GPU (where the kernel is compiled)."""
    return jax.default_backend() != "gpu"


def resolve_impl(impl: str = "auto") -> str:
    """"auto" -> "pallas" on a GPU backend, else "xla" (the jnp reference)."""
    if impl == "auto":
        return "pallas" if jax.default_backend() == "gpu" else "xla"
    if impl not in ("pallas", "xla"):
        raise ValueError(f"impl must be 'auto', 'pallas' or 'xla', got {impl!r}")
    return impl


def time_call(fn, *args, repeats: int):
    """``(first_call_s, median_s)``: the first call (compilation included), then the median of
    ``repeats`` calls, each waited for with ``block_until_ready``."""
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    first = time.perf_counter() - t0
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        ts.append(time.perf_counter() - t0)
    return first, statistics.median(ts)
