"""Shared pieces of jaxgraph.temporal.base: the time encodings and the latest-writer scatter."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph.temporal.base import TimeEncoder, latest_writer, scatter_rows


def test_time_encodings():
    dt = jnp.array([0.0, 1.0, 1e3, 1e6, -5.0])
    for mode, dim in (("harmonic", 4), ("log", 1), ("harmonic+log", 5)):
        enc = TimeEncoder(dim, mode)
        params = enc.init(jax.random.PRNGKey(0), dt)
        out = np.asarray(enc.apply(params, dt))
        assert out.shape == (5, dim)
        if mode != "harmonic":  # the monotone channel, negative gaps clipped to 0
            np.testing.assert_allclose(out[:, -1], np.log1p([0, 1, 1e3, 1e6, 0]) / 10, rtol=1e-6)
        if mode != "log":  # TGAT initial frequencies, zero phase
            k = dim - (mode == "harmonic+log")
            w = (10.0 ** -np.linspace(0, 9, k)).astype(np.float32)
            arg = np.asarray(dt, np.float32)[:, None] * w  # float32 argument, as on device
            np.testing.assert_allclose(out[:, :k], np.cos(arg.astype(np.float64)), atol=1e-4)
    with pytest.raises(ValueError, match="mode"):
        TimeEncoder(2, "fourier").init(jax.random.PRNGKey(0), dt)
    with pytest.raises(ValueError, match="dim"):
        TimeEncoder(3, "log").init(jax.random.PRNGKey(0), dt)


def test_latest_writer_scatter_matches_sequential_writes():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n, c = 7, 30
        slot = rng.integers(0, n, c)
        mask = rng.random(c) < 0.7
        vals = rng.normal(size=(c, 3)).astype(np.float32)
        table = rng.normal(size=(n, 3)).astype(np.float32)
        win = latest_writer(n, jnp.asarray(slot), jnp.asarray(mask))
        got = np.asarray(scatter_rows(jnp.asarray(table), jnp.asarray(slot), jnp.asarray(vals), win))
        ref = table.copy()
        for i in range(c):  # in time order: the latest masked write wins
            if mask[i]:
                ref[slot[i]] = vals[i]
        np.testing.assert_array_equal(got, ref)
        assert np.asarray(win).sum() == len(set(slot[mask].tolist()))
