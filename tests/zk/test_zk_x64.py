"""The zk package scopes 64-bit mode to its own calls and never flips JAX's global state."""
import subprocess
import sys
import threading
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph.zk import _x64
from jaxgraph.zk import field as F
from jaxgraph.zk import matmul as M
from jaxgraph.zk import x64

ROOT = Path(__file__).resolve().parents[2]


def test_import_and_use_do_not_enable_x64_globally():
    code = (
        "import jax, jax.numpy as jnp, numpy as np\n"
        "import jaxgraph.zk as zk\n"
        "assert not jax.config.x64_enabled and jnp.zeros(1).dtype == jnp.float32\n"
        "a = np.array([[1, 2], [3, 4]], np.uint64)\n"
        "p = zk.matmul.prove(a, a)\n"
        "assert zk.matmul.verify(a, a, np.asarray(zk.field.matmul(a, a)), p)\n"
        "assert not jax.config.x64_enabled\n"
        "assert jnp.zeros(1).dtype == jnp.float32 and jnp.arange(2).dtype == jnp.int32\n"
        "print('ok')\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-2000:]


def test_scope_is_restored_after_exceptions():
    with pytest.raises(ValueError):
        F.ext_mul(np.zeros((3,), np.uint64), np.zeros((3,), np.uint64))  # raises inside the scope
    assert not jax.config.x64_enabled
    with pytest.raises(ValueError):
        with x64():
            assert jnp.zeros(1).dtype == jnp.float64
            raise ValueError("boom")
    assert jnp.zeros(1).dtype == jnp.float32


def test_results_stay_uint64_outside_the_scope():
    out = F.mul(np.array([2**63], np.uint64), np.array([2], np.uint64))
    assert out.dtype == jnp.uint64  # created inside the scope; values are exact
    assert F.to_int(out) == [2**64 % F.P]
    assert jnp.zeros(1).dtype == jnp.float32


def test_scope_is_thread_local():
    inside, release, seen = threading.Event(), threading.Event(), {}

    def worker():
        with x64():
            seen["worker"] = jnp.zeros(1).dtype
            inside.set()
            release.wait(30)

    th = threading.Thread(target=worker)
    th.start()
    assert inside.wait(30)
    seen["main"] = jnp.zeros(1).dtype  # while the worker holds the scope
    release.set()
    th.join(30)
    assert seen == {"worker": jnp.float64, "main": jnp.float32}


def test_context_factory_fallbacks(monkeypatch):
    """Without the jax.enable_x64 State (older/newer JAX), the next API in the chain is used."""
    monkeypatch.delattr(jax, "enable_x64", raising=False)
    factory = _x64._pick_context_factory()
    with factory():
        assert jnp.zeros(1, jnp.uint64).dtype == jnp.uint64
    assert not jax.config.x64_enabled
    assert _x64.x64_enabled() is False


def test_stacked_proof_leaves_no_state():
    a = np.arange(2 * 3 * 2, dtype=np.uint64).reshape(2, 3, 2)  # same shape as a matmul test
    w = np.arange(2 * 2 * 2, dtype=np.uint64).reshape(2, 2, 2)
    z = np.asarray(F.matmul(a, w))
    assert M.verify(a, w, z, M.prove(a, w, z))
    assert not jax.config.x64_enabled
