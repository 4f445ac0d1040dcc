"""Kernel tests: repo root importable (``kernels`` is a top-level namespace dir), and no test
may leave JAX's global 64-bit flag on."""
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


@pytest.fixture(autouse=True)
def _no_x64_leak():
    assert jnp.zeros(1).dtype == jnp.float32, "x64 was already on before the test"
    yield
    assert not jax.config.x64_enabled, "a kernel call left jax_enable_x64 on"
    assert jnp.zeros(1).dtype == jnp.float32
    assert jnp.arange(3).dtype == jnp.int32
