"""Scoped 64-bit mode for the zk package.

The zk code computes on ``uint64`` arrays, which JAX only creates while the ``jax_enable_x64``
flag is on. Flipping that flag globally would change the default dtypes of every other part of
the library (``jnp.zeros(1)`` would become ``float64``), so this package never touches global
state: every public zk function enters :func:`x64` (a thread-local context manager) for the
duration of its own call and leaves the flag as it found it.

Which context manager exists depends on the JAX version:

* JAX >= 0.8: ``jax.enable_x64`` is a config ``State`` object that is also a context
  manager (``with jax.enable_x64(True): ...``); thread-local.
* older JAX (the 0.4.x line that setup.py still allows): ``jax.experimental.enable_x64()``.
* last resort: the internal ``jax._src.config.enable_x64`` state, or (never expected) a
  save/restore of the global flag around the block.

:func:`zk_jit` turns a pure jnp function into a public entry point: called from the outside it
enters the 64-bit scope and runs a jitted version; called while tracing (from inside another zk
function that is already being jitted) it simply inlines the pure function.
"""
from __future__ import annotations

import contextlib
import functools

import jax

__all__ = ["x64", "zk_jit", "is_tracing", "x64_enabled"]


def x64_enabled() -> bool:
    """Whether 64-bit types are enabled in the current (thread-local) context."""
    value = getattr(jax.config, "x64_enabled", None)
    if value is None:  # pragma: no cover - older spellings
        value = jax.config.jax_enable_x64
    return bool(value)


def _pick_context_factory():
    # JAX >= 0.8: jax.enable_x64 is a State usable as `with jax.enable_x64(True):`.
    state = getattr(jax, "enable_x64", None)
    if state is not None and callable(state):
        try:
            cm = state(True)
            if hasattr(cm, "__enter__") and hasattr(cm, "__exit__"):
                return lambda: state(True)
        except TypeError:
            pass
    # JAX 0.4.x: jax.experimental.enable_x64() context manager.
    try:
        from jax.experimental import enable_x64 as experimental_enable_x64  # type: ignore

        return lambda: experimental_enable_x64(True)
    except ImportError:
        pass
    # Internal config state (same object as jax.enable_x64 in recent versions).
    try:
        from jax._src import config as _config  # type: ignore

        state = getattr(_config, "enable_x64", None)
        if state is not None and callable(state):
            return lambda: state(True)
    except ImportError:
        pass

    @contextlib.contextmanager
    def _save_restore():  # pragma: no cover - only for unknown future JAX versions
        old = jax.config.jax_enable_x64
        jax.config.update("jax_enable_x64", True)
        try:
            yield
        finally:
            jax.config.update("jax_enable_x64", old)

    return _save_restore


_FACTORY = _pick_context_factory()


def x64():
    """Context manager enabling 64-bit types for the enclosed block only (thread-local).

    Example::

        with jaxgraph.zk.x64():
            a = jnp.asarray(np.array([1, 2], np.uint64))   # stays uint64
    """
    return _FACTORY()


def _tracer_type():
    tracer = getattr(jax.core, "Tracer", None)
    if tracer is None:  # pragma: no cover - if a future JAX drops the public alias
        from jax._src import core as _core  # type: ignore

        tracer = _core.Tracer
    return tracer


_TRACER = _tracer_type()


def is_tracing(tree) -> bool:
    """True if any leaf of ``tree`` is a JAX tracer (we are inside a jit/vmap trace)."""
    return any(isinstance(leaf, _TRACER) for leaf in jax.tree_util.tree_leaves(tree))


def zk_jit(fn=None, *, static_argnames=()):
    """Decorator: public zk entry point = 64-bit scope + ``jax.jit``; inlined while tracing.

    The undecorated function is available as ``.pure``.
    """
    if fn is None:
        return functools.partial(zk_jit, static_argnames=static_argnames)
    jitted = jax.jit(fn, static_argnames=static_argnames)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if is_tracing((args, kwargs)):
            return fn(*args, **kwargs)
        with x64():
            return jitted(*args, **kwargs)

    wrapper.pure = fn
    wrapper.jitted = jitted
    return wrapper
