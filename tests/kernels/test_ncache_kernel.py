"""Pallas N-cache kernels (interpret mode on CPU) vs the pure-jnp reference, bit for bit (NAT,
Luo & Li, LoG 2022; issue 7)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kernels.ncache as KN
from jaxgraph.temporal import ncache as nc
from kernels.ncache import kernel as K
from kernels.ncache import reference as R


def _cache(seed, n, m, f):
    """Random cache contents, including NaN / -0.0 / inf reps (bit-exactness, not just ==)."""
    rng = np.random.default_rng(seed)
    s = n * m
    key = rng.integers(-1, 50, s).astype(np.int32)
    t = rng.standard_normal(s).astype(np.float32)
    eid = rng.integers(-1, 10**6, s).astype(np.int32)
    rep = rng.standard_normal((s, f)).astype(np.float32)
    rep.reshape(-1)[:3] = [np.nan, -0.0, np.inf]
    return tuple(map(jnp.asarray, (key, t, eid, rep)))


def _bits(x):
    x = np.asarray(x)
    return x.view(np.int32) if x.dtype == np.float32 else x


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape and x.dtype == y.dtype
        np.testing.assert_array_equal(_bits(x), _bits(y))


# (N, M, F, Q or C, block): Q/C a multiple of the block, not a multiple, smaller than a block,
# non-power-of-two M and F (fine in interpret mode).
CASES = [(50, 8, 4, 64, 16), (37, 4, 3, 45, 16), (20, 6, 5, 7, 64), (64, 32, 16, 130, 64),
         (3, 1, 1, 10, 4)]


@pytest.mark.parametrize("n,m,f,q,bq", CASES)
def test_fetch_matches_reference(n, m, f, q, bq):
    cache = _cache(n + q, n, m, f)
    nodes = np.random.default_rng(q).integers(0, n, q).astype(np.int32)
    nodes[0] = n - 1
    got = KN.fetch_pallas(*cache, jnp.asarray(nodes), slots=m, block_q=bq, interpret=True)
    ref = R.fetch_ref(*cache, jnp.asarray(nodes), slots=m)
    _assert_same(got, ref)
    # the reference itself vs plain numpy indexing
    np.testing.assert_array_equal(np.asarray(ref[0]), np.asarray(cache[0]).reshape(n, m)[nodes])
    np.testing.assert_array_equal(_bits(ref[3]),
                                  _bits(np.asarray(cache[3]).reshape(n, m, f)[nodes]))


@pytest.mark.parametrize("n,m,f,c,bc", CASES)
def test_scatter_matches_reference(n, m, f, c, bc):
    cache = _cache(n * c, n, m, f)
    rng = np.random.default_rng(c)
    s = n * m
    slot = rng.permutation(s)[:c] if c <= s else np.concatenate(
        [rng.permutation(s), np.full(c - s, -1)])
    slot = slot.astype(np.int32)
    slot[rng.random(c) < 0.3] = -1  # non-winners: must write nothing, anywhere
    slot[-1] = -1
    if c > 1:
        slot[0] = 0 if 0 not in slot[1:] else slot[0]
    cand = (jnp.asarray(rng.integers(0, 99, c), jnp.int32),
            jnp.asarray(rng.standard_normal(c), jnp.float32),
            jnp.asarray(rng.integers(0, 99, c), jnp.int32),
            jnp.asarray(rng.standard_normal((c, f)), jnp.float32))
    got = KN.scatter_pallas(*cache, jnp.asarray(slot), *cand, block_c=bc, interpret=True)
    ref = R.scatter_ref(*cache, jnp.asarray(slot), *cand)
    _assert_same(got, ref)
    # independent numpy check of the reference
    exp_key = np.asarray(cache[0]).copy()
    w = slot >= 0
    exp_key[slot[w]] = np.asarray(cand[0])[w]
    np.testing.assert_array_equal(np.asarray(ref[0]), exp_key)


@pytest.mark.parametrize("n,m,f,c,alpha", [(9, 4, 3, 100, 0.5), (40, 8, 2, 300, 0.2)])
def test_ncache_update_pallas_equals_xla_with_collisions(n, m, f, c, alpha):
    rng = np.random.default_rng(c)
    cache = {i: nc.ncache_init(n, m, f) for i in ("xla", "pallas")}
    for _ in range(2):
        b = (rng.integers(0, n, c).astype(np.int32), rng.integers(-1, 2 * m, c).astype(np.int32),
             np.sort(rng.random(c)).astype(np.float32), np.arange(c, dtype=np.int32),
             rng.standard_normal((c, f)).astype(np.float32), rng.random(c) < 0.9,
             rng.random(c).astype(np.float32))
        st = nc.ncache_update_stats(cache["xla"], *map(jnp.asarray, (b[0], b[1], b[5], b[6])),
                                    slots=m, replace_prob=alpha)
        assert int(st["collisions_lost"]) > 0  # the case actually exercises in-batch collisions
        for impl in cache:
            cache[impl] = nc.ncache_update(cache[impl], *map(jnp.asarray, b), slots=m,
                                           replace_prob=alpha, impl=impl)
        _assert_same(cache["pallas"], cache["xla"])
    nodes = jnp.asarray(rng.integers(0, n, 33), jnp.int32)
    _assert_same(nc.ncache_fetch(cache["pallas"], nodes, slots=m, impl="pallas"),
                 nc.ncache_fetch(cache["xla"], nodes, slots=m, impl="xla"))


def test_scatter_is_in_place_under_donation():
    cache = _cache(0, 16, 8, 4)
    slot = jnp.asarray([3, -1, 100], jnp.int32)
    cand = (jnp.asarray([1, 2, 3], jnp.int32), jnp.ones(3, jnp.float32),
            jnp.asarray([4, 5, 6], jnp.int32), jnp.ones((3, 4), jnp.float32))
    ref = R.scatter_ref(*cache, slot, *cand)
    f = jax.jit(lambda k, t, e, r, *a: K.scatter_call(k, t, e, r, *a, interpret=True),
                donate_argnums=(0, 1, 2, 3))
    _assert_same(f(*[jnp.array(x, copy=True) for x in cache], slot, *cand), ref)


def test_resolve_impl_and_errors():
    assert jax.default_backend() == "cpu"
    assert KN.resolve_impl("auto") == "xla" and nc.resolve_impl("auto") == "xla"
    assert KN.resolve_impl("pallas") == "pallas"
    with pytest.raises(ValueError, match="impl must be"):
        KN.resolve_impl("triton")
    cache = _cache(1, 4, 4, 2)
    nodes = jnp.asarray([0, 1], jnp.int32)
    _assert_same(KN.fetch(*cache, nodes, slots=4, impl="auto"), R.fetch_ref(*cache, nodes, slots=4))
    with pytest.raises(ValueError, match="block_q must be a power of two"):
        K.fetch_call(*cache, nodes, slots=4, block_q=6)
    with pytest.raises(ValueError, match="slots=3"):
        K.fetch_call(*cache, nodes, slots=3)
    with pytest.raises(ValueError, match="mosaic_gpu"):
        K.fetch_call(*cache, nodes, slots=4, backend="mosaic_gpu")
    odd = _cache(1, 4, 4, 3)
    with pytest.raises(ValueError, match="rep_dim=3 must be a power of two"):
        K.fetch_call(*odd, nodes, slots=4, interpret=False)
    with pytest.raises(ValueError, match="slot_w must be int32"):
        K.scatter_call(*cache, nodes.astype(jnp.float32), nodes, nodes.astype(jnp.float32),
                       nodes, jnp.zeros((2, 2)))


def test_kernels_lower_for_cuda_triton():
    """Lowering only (no GPU here): both calls pass the Triton lowering rules for a CUDA target.
    Compilation and execution on a GPU are not covered."""
    pytest.importorskip("jax.experimental.pallas.triton")
    sd = jax.ShapeDtypeStruct
    s, f, c = 1024 * 32, 8, 300
    cache = (sd((s,), jnp.int32), sd((s,), jnp.float32), sd((s,), jnp.int32),
             sd((s, f), jnp.float32))
    kw = dict(interpret=False, backend="triton")
    fetch = jax.jit(lambda *a: K.fetch_call(*a, slots=32, **kw))
    text = fetch.trace(*cache, sd((c,), jnp.int32)).lower(lowering_platforms=("cuda",)).as_text()
    assert "ncache_fetch" in text
    scat = jax.jit(lambda *a: K.scatter_call(*a, **kw))
    cand = (sd((c,), jnp.int32), sd((c,), jnp.int32), sd((c,), jnp.float32), sd((c,), jnp.int32),
            sd((c, f), jnp.float32))
    text = scat.trace(*cache, *cand).lower(lowering_platforms=("cuda",)).as_text()
    assert "ncache_scatter" in text
