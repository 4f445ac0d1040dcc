"""Suite-wide checks: no test may leave JAX's global 64-bit flag on (the zk package and the
float64 gradient checks scope x64 themselves).

Test-time XLA:CPU settings (the test process and the experiment / notebook subprocesses it starts,
which inherit the environment). The suite is dominated by compiling many small programs, not by
running them: every eager op on a new shape and every jitted function costs one XLA compilation
with a fixed overhead of about 50 ms here. Two flags cut it:

* LLVM optimisation level 1 instead of 3: the graph-mamba smoke run takes 71 s instead of 92 s
  with the same losses, and the Cora training tests run as fast as at level 3 (level 0 saves
  another 3 s on the smoke run but makes the Cora tests 3-5x slower). XLA's own graph passes
  (fusion, layout) still run.
* ``--xla_cpu_use_fusion_emitters=false``: XLA:CPU's older elemental emitters for fusions, which
  compile faster (a 3-op eager chain 0.17 -> 0.11 s per new shape; graph-mamba smoke 95 -> 65 s
  and the temporal benchmark smoke 44 -> 31 s with the same results; Cora tests unchanged).
  It is added only when this JAX accepts it (one probe process; an unknown XLA flag aborts).

Set ``JAXGRAPH_TEST_XLA_OPT=1`` to test with XLA's defaults, or put your own
``--xla_backend_optimization_level`` in ``XLA_FLAGS``. The package itself sets no XLA flag."""
import os
import subprocess
import sys

_FAST_COMPILE = ("--xla_backend_optimization_level=1", "--xla_cpu_use_fusion_emitters=false")


def _xla_accepts(flags: str) -> bool:
    probe = "import jax.numpy as jnp; jnp.sin(jnp.ones(3)).block_until_ready()"
    env = {**os.environ, "XLA_FLAGS": flags, "JAX_PLATFORMS": "cpu"}
    return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, timeout=120).returncode == 0


# the pytest-xdist workers inherit the controller's XLA_FLAGS, which then names a level: no probe there
if os.environ.get("JAXGRAPH_TEST_XLA_OPT", "0") != "1" and "xla_backend_optimization_level" not in os.environ.get(
        "XLA_FLAGS", ""):
    _flags = [f for f in _FAST_COMPILE if f == _FAST_COMPILE[0] or _xla_accepts(f)]
    os.environ["XLA_FLAGS"] = " ".join([os.environ.get("XLA_FLAGS", "")] + _flags).strip()

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
