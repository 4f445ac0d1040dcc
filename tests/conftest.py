"""Suite-wide checks: no test may leave JAX's global 64-bit flag on (the zk package and the
float64 gradient checks scope x64 themselves)."""
import jax
import jax.numpy as jnp
import pytest


@pytest.fixture(autouse=True)
def _no_x64_leak():
    assert jnp.zeros(1).dtype == jnp.float32, "x64 was already on before the test"
    yield
    assert not jax.config.x64_enabled, "the test left jax_enable_x64 on"
    assert jnp.zeros(1).dtype == jnp.float32
    assert jnp.arange(3).dtype == jnp.int32
