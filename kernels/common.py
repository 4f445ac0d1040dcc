"""Pieces every Pallas kernel package here shares: the implementation switch, interpret-mode
default and the benchmark timer."""
from __future__ import annotations

import statistics
import time

import jax

__all__ = ["compiler_params", "default_interpret", "resolve_impl", "time_call"]


def default_interpret() -> bool:
    """Interpret mode unless the default backend is a GPU (where the kernel is compiled)."""
    return jax.default_backend() != "gpu"


def resolve_impl(impl: str = "auto") -> str:
    """"auto" -> "pallas" on a GPU backend, else "xla" (the jnp reference); the switch of
    :func:`jaxgraph.ops.segment.resolve_impl` (this package is importable by definition)."""
    from jaxgraph.ops.segment import resolve_impl as _resolve

    return _resolve(impl, kernel_module="kernels.common")


def compiler_params(backend, supported=("triton", "mosaic_gpu"), why: str = ""):
    """``pallas_call`` compiler params for an explicit GPU backend: None (pallas_call's default),
    ``"triton"`` or ``"mosaic_gpu"``; a backend outside ``supported`` raises ``ValueError``
    (with ``why`` appended)."""
    if backend is None:
        return None
    if backend not in ("triton", "mosaic_gpu"):
        raise ValueError(f"backend must be None, 'triton' or 'mosaic_gpu', got {backend!r}")
    if backend not in supported:
        raise ValueError(f"backend {backend!r} is not supported here{': ' + why if why else ''}; "
                         f"use None or one of {supported}")
    if backend == "triton":
        from jax.experimental.pallas import triton as plt
        return plt.CompilerParams()
    from jax.experimental.pallas import mosaic_gpu as plgpu
    return plgpu.CompilerParams()


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
