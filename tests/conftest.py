"""Suite-wide checks: no test may leave JAX's global 64-bit flag on (the zk package and the
float64 gradient checks scope x64 themselves).

Test-time setting (the test process and the experiment / notebook subprocesses it starts, which
inherit the environment): XLA:CPU compiles with LLVM optimisation level 1 instead of 3. The suite
is dominated by compiling many small programs, not by running them: the graph-mamba smoke run
takes 71 s instead of 92 s with the same losses, and the Cora training tests run as fast as at
level 3 (level 0 saves another 3 s on the smoke run but makes the Cora tests 3-5x slower).
XLA's own graph passes (fusion, layout) still run. Set ``JAXGRAPH_TEST_XLA_OPT=1`` to test with
XLA's default, or put your own ``--xla_backend_optimization_level`` in ``XLA_FLAGS``."""
import os

if os.environ.get("JAXGRAPH_TEST_XLA_OPT", "0") != "1" and "xla_backend_optimization_level" not in os.environ.get(
        "XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=1").strip()

import jax  # noqa: E402  (after XLA_FLAGS: the CPU backend reads them when it starts)
import jax.numpy as jnp
import pytest


@pytest.fixture(autouse=True)
def _no_x64_leak():
    assert jnp.zeros(1).dtype == jnp.float32, "x64 was already on before the test"
    yield
    assert not jax.config.x64_enabled, "the test left jax_enable_x64 on"
    assert jnp.zeros(1).dtype == jnp.float32
    assert jnp.arange(3).dtype == jnp.int32
