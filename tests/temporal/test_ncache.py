"""N-cache (NAT, Luo & Li, LoG 2022): ncache_update / ncache_fetch / ncache_hash against an
independent pure-Python/numpy reference that applies the documented rule SEQUENTIALLY (decide
every candidate against the pre-batch keys, then write the deciding candidates in time order,
so later writers overwrite earlier ones)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph.temporal import ncache as nc

MASK = 0xFFFFFFFF


def py_hash(k: int, m: int, seed: int = 0) -> int:
    """The documented hash in Python ints (uint32 wrap-around by masking)."""
    x = (k & MASK)
    x = (x + seed * 0x9E3779B9) & MASK
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & MASK
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & MASK
    x ^= x >> 16
    return x % m


class RefCache:
    """Per-node slot arrays [N, M] (+ [N, M, F] reps) updated by the rule, one batch at a time."""

    def __init__(self, n, m, f, seed=0):
        self.n, self.m, self.f, self.seed = n, m, f, seed
        self.key = np.full((n, m), -1, np.int32)
        self.t = np.zeros((n, m), np.float32)
        self.eid = np.full((n, m), -1, np.int32)
        self.rep = np.zeros((n, m, f), np.float32)

    def apply(self, owner, key, t, eid, rep, valid, u, alpha):
        before = self.key.copy()
        writes = []
        for c in range(len(owner)):
            o, k = int(owner[c]), int(key[c])
            if not valid[c] or k < 0:
                continue
            j = py_hash(k, self.m, self.seed)
            k0 = before[o, j]
            if k0 == -1 or k0 == k or u[c] < np.float32(alpha):
                writes.append((c, o, j))
        for c, o, j in writes:  # time order: the latest writer of a slot stays
            self.key[o, j], self.t[o, j], self.eid[o, j] = key[c], t[c], eid[c]
            self.rep[o, j] = rep[c]

    def flat(self):
        return (self.key.reshape(-1), self.t.reshape(-1), self.eid.reshape(-1),
                self.rep.reshape(self.n * self.m, self.f))


def assert_cache_equal(cache, ref):
    k, t, e, r = ref.flat()
    np.testing.assert_array_equal(np.asarray(cache.key), k)
    np.testing.assert_array_equal(np.asarray(cache.eid), e)
    np.testing.assert_array_equal(np.asarray(cache.t).view(np.int32), t.view(np.int32))
    np.testing.assert_array_equal(np.asarray(cache.rep).view(np.int32), r.view(np.int32))


def batch(rng, n, c, f, key_range, p_valid=0.9, p_neg=0.05, owner_range=None):
    lo, hi = owner_range or (0, n)
    owner = rng.integers(lo, hi, c).astype(np.int32)
    key = rng.integers(key_range[0], key_range[1], c).astype(np.int32)
    key[rng.random(c) < p_neg] = -1
    t = np.sort(rng.random(c).astype(np.float32) * 100)
    eid = rng.integers(0, 10**6, c).astype(np.int32)
    rep = rng.standard_normal((c, f)).astype(np.float32)
    valid = rng.random(c) < p_valid
    u = rng.random(c).astype(np.float32)
    return owner, key, t, eid, rep, valid, u


def colliding_keys(m, count, seed=0, start=1):
    """``count`` distinct non-negative keys with the same hash bucket."""
    out, b = [], py_hash(start, m, seed)
    k = start
    while len(out) < count:
        if py_hash(k, m, seed) == b:
            out.append(k)
        k += 1
    return out, b


# -------------------------------------------------------------------------------- hash
@pytest.mark.parametrize("m", [1, 7, 32, 1000])
@pytest.mark.parametrize("seed", [0, 12345, 2**32 - 1])
def test_hash_matches_python_and_is_in_range(m, seed):
    rng = np.random.default_rng(m + seed % 1000)
    ks = np.concatenate([rng.integers(0, 2**31 - 1, 200), 2**31 - 1 - np.arange(50),
                         np.arange(50), [-1, -5, -(2**31)]]).astype(np.int32)
    h = np.asarray(nc.ncache_hash(jnp.asarray(ks), m, seed))
    assert h.dtype == np.int32
    assert ((h >= 0) & (h < m)).all()
    np.testing.assert_array_equal(h, [py_hash(int(k), m, seed) for k in ks])


def test_hash_large_ids_spread_over_slots():
    ks = jnp.asarray(2**31 - 1 - np.arange(4096), jnp.int32)
    h = np.asarray(nc.ncache_hash(ks, 32))
    assert ((h >= 0) & (h < 32)).all()
    counts = np.bincount(h, minlength=32)
    assert counts.min() > 64 and counts.max() < 200  # 128 expected per slot
    assert not np.array_equal(np.asarray(nc.ncache_hash(ks, 32, seed=1)), h)


# ---------------------------------------------------------------------- update vs reference
@pytest.mark.parametrize("n,m,f,c,alpha,impl", [
    (7, 4, 3, 50, 0.5, "xla"),      # heavy collisions: few nodes, few slots
    (30, 8, 2, 200, 0.3, "xla"),
    (5, 1, 1, 40, 0.9, "xla"),      # M = 1: every candidate of a node collides
    (12, 6, 4, 70, 0.5, "pallas"),  # same through the Pallas kernels (interpret mode on CPU)
])
def test_three_batches_match_reference(n, m, f, c, alpha, impl):
    rng = np.random.default_rng(n * 100 + c)
    ref = RefCache(n, m, f)
    cache = nc.ncache_init(n, m, f)
    for _ in range(3):
        b = batch(rng, n, c, f, (0, 3 * m))
        cache = nc.ncache_update(cache, *map(jnp.asarray, b), slots=m, replace_prob=alpha,
                                 impl=impl)
        ref.apply(*b, alpha)
        assert_cache_equal(cache, ref)
    assert (np.asarray(cache.key) >= 0).sum() > 0


def test_seeded_hash_and_large_key_ids_match_reference():
    n, m, f, seed = 9, 16, 2, 77
    rng = np.random.default_rng(3)
    ref = RefCache(n, m, f, seed=seed)
    cache = nc.ncache_init(n, m, f)
    for _ in range(2):
        b = batch(rng, n, 120, f, (2**31 - 40, 2**31 - 1), p_neg=0.0)
        b[1][:3] = 2**31 - 1
        cache = nc.ncache_update(cache, *map(jnp.asarray, b), slots=m, replace_prob=0.4,
                                 seed=seed)
        ref.apply(*b, 0.4)
        assert_cache_equal(cache, ref)
    assert (np.asarray(cache.key) == 2**31 - 1).any()


def _one(owner, key, t, u, valid=True, f=2, eid=None):
    c = len(owner)
    return (jnp.asarray(owner, jnp.int32), jnp.asarray(key, jnp.int32),
            jnp.asarray(t, jnp.float32),
            jnp.asarray(np.arange(c) if eid is None else eid, jnp.int32),
            jnp.asarray(np.arange(c * f).reshape(c, f), jnp.float32),
            jnp.asarray(np.broadcast_to(valid, (c,))), jnp.asarray(u, jnp.float32))


def test_many_candidates_on_one_slot_latest_wins():
    m = 8
    keys, b = colliding_keys(m, 6)
    cache = nc.ncache_init(4, m, 2)
    # Empty slot before the batch: every candidate writes (k0 == -1), even with alpha = 0 and
    # different keys; the latest (largest c) wins.
    args = _one([2] * 6, keys, np.arange(6.0), [0.99] * 6)
    out = nc.ncache_update(cache, *args, slots=m, replace_prob=0.0)
    s = 2 * m + b
    assert int(out.key[s]) == keys[-1] and int(out.eid[s]) == 5 and float(out.t[s]) == 5.0
    np.testing.assert_array_equal(np.asarray(out.rep[s]), [10.0, 11.0])
    assert int((np.asarray(out.key) >= 0).sum()) == 1
    st = nc.ncache_update_stats(cache, *args[:2], args[5], args[6], slots=m, replace_prob=0.0)
    assert int(st["writes"]) == 6 and int(st["winners"]) == 1 and int(st["collisions_lost"]) == 5
    # Occupied by keys[0]: with alpha = 0 only the same-key candidates write; the latest of
    # THOSE wins even though a later different-key candidate exists.
    ks = [keys[0], keys[1], keys[0], keys[2]]
    out2 = nc.ncache_update(nc.ncache_init(4, m, 2)._replace(key=cache.key.at[s].set(keys[0])),
                            *_one([2] * 4, ks, np.arange(4.0), [0.99] * 4), slots=m,
                            replace_prob=0.0)
    assert int(out2.key[s]) == keys[0] and int(out2.eid[s]) == 2


def _filled(m, f, owner, key, eid=100):
    cache = nc.ncache_init(3, m, f)
    return nc.ncache_update(cache, *_one([owner], [key], [1.0], [0.0], eid=[eid], f=f),
                            slots=m, replace_prob=0.0)


def test_same_key_rewrite_always_wins():
    m, f = 8, 2
    cache = _filled(m, f, 1, 42)
    s = m + py_hash(42, m)
    for alpha in (0.0, 0.5):
        out = nc.ncache_update(cache, *_one([1], [42], [9.0], [0.999], eid=[7]), slots=m,
                               replace_prob=alpha)
        assert int(out.key[s]) == 42 and int(out.eid[s]) == 7 and float(out.t[s]) == 9.0


@pytest.mark.parametrize("alpha,u,replaced", [
    (0.5, 0.49, True), (0.5, 0.5, False), (0.5, 0.9, False),
    (0.0, 0.0, False), (0.0, 0.5, False),       # alpha = 0 never replaces
    (1.0, 0.0, True), (1.0, np.nextafter(np.float32(1), np.float32(0)), True),  # alpha = 1 always
])
def test_other_key_replaced_only_when_u_below_alpha(alpha, u, replaced):
    m, f = 4, 2
    (a, b), bucket = colliding_keys(m, 2, start=10)
    cache = _filled(m, f, 2, a)
    s = 2 * m + bucket
    out = nc.ncache_update(cache, *_one([2], [b], [5.0], [u], eid=[9]), slots=m,
                           replace_prob=alpha)
    assert int(out.key[s]) == (b if replaced else a)
    assert int(out.eid[s]) == (9 if replaced else 100)
    st = nc.ncache_update_stats(cache, jnp.asarray([2], jnp.int32), jnp.asarray([b], jnp.int32),
                                jnp.asarray([True]), jnp.asarray([u], jnp.float32), slots=m,
                                replace_prob=alpha)
    assert int(st["replacements"]) == int(replaced) and int(st["rejected"]) == int(not replaced)


def test_invalid_and_negative_keys_write_nothing_not_even_slot_0():
    m, f = 4, 2
    cache = _filled(m, f, 0, 5)
    before = [np.asarray(x).copy() for x in cache]
    owner = [0, 0, 1, 2, 0]
    key = [-1, 7, -1, 3, -3]
    valid = np.array([True, False, True, False, True])
    out = nc.ncache_update(cache, *_one(owner, key, np.arange(5.0), np.zeros(5), valid=valid),
                           slots=m, replace_prob=1.0)
    for x, y in zip(out, before):
        np.testing.assert_array_equal(np.asarray(x), y)


# --------------------------------------------------------------------------------- fetch
@pytest.mark.parametrize("impl", ["xla", "pallas"])
def test_fetch_equals_direct_indexing(impl):
    n, m, f = 11, 8, 3
    rng = np.random.default_rng(1)
    cache = nc.ncache_init(n, m, f)
    cache = nc.ncache_update(cache, *map(jnp.asarray, batch(rng, n, 200, f, (0, 50))), slots=m,
                             replace_prob=0.5)
    nodes = np.array([3, 0, 10, 3, 7], np.int32)
    k, t, e, r = nc.ncache_fetch(cache, jnp.asarray(nodes), slots=m, impl=impl)
    assert k.shape == (5, m) and r.shape == (5, m, f)
    ck = np.asarray(cache.key).reshape(n, m)
    np.testing.assert_array_equal(np.asarray(k), ck[nodes])
    np.testing.assert_array_equal(np.asarray(t), np.asarray(cache.t).reshape(n, m)[nodes])
    np.testing.assert_array_equal(np.asarray(e), np.asarray(cache.eid).reshape(n, m)[nodes])
    np.testing.assert_array_equal(np.asarray(r), np.asarray(cache.rep).reshape(n, m, f)[nodes])
    assert nc.ncache_fetch(cache, jnp.zeros((0,), jnp.int32), slots=m)[3].shape == (0, m, f)


# ----------------------------------------------------------------------------------- jit
def test_jit_matches_eager_and_defines_bad_values():
    n, m, f = 6, 4, 2
    rng = np.random.default_rng(5)
    b = tuple(map(jnp.asarray, batch(rng, n, 40, f, (0, 12))))
    cache = nc.ncache_init(n, m, f)
    eager = nc.ncache_update(cache, *b, slots=m, replace_prob=0.5)
    upd = jax.jit(nc.ncache_update, static_argnames=("slots", "impl"))
    jitted = upd(cache, *b, slots=m, replace_prob=jnp.float32(0.5))
    for x, y in zip(eager, jitted):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    # Inside jit owners out of range are not checked; they never write.
    bad_owner = b[0].at[:].set(jnp.int32(n + 3)).at[0].set(-2)
    out = upd(cache, bad_owner, *b[1:], slots=m, replace_prob=1.0)
    np.testing.assert_array_equal(np.asarray(out.key), np.asarray(cache.key))
    # ... and fetching an out-of-range node gives an empty row.
    fetch = jax.jit(nc.ncache_fetch, static_argnames=("slots", "impl"))
    k, t, e, r = fetch(eager, jnp.asarray([1, n, -1], jnp.int32), slots=m)
    np.testing.assert_array_equal(np.asarray(k[0]), np.asarray(eager.key[m:2 * m]))
    assert (np.asarray(k[1:]) == -1).all() and (np.asarray(e[1:]) == -1).all()
    assert (np.asarray(r[1:]) == 0).all() and (np.asarray(t[1:]) == 0).all()


# ---------------------------------------------------------------------------- validation
def test_value_errors_name_the_field():
    n, m, f = 5, 4, 2
    cache = nc.ncache_init(n, m, f)
    good = list(_one([1, 2], [3, 4], [0.0, 1.0], [0.1, 0.2], f=f))
    kw = dict(slots=m, replace_prob=0.5)
    nc.ncache_update(cache, *good, **kw)  # fine

    def bad(i, value, match):
        args = list(good)
        args[i] = value
        with pytest.raises(ValueError, match=match):
            nc.ncache_update(cache, *args, **kw)

    bad(0, np.array([1, 2], np.int64), "owner must be int32")
    bad(0, jnp.asarray([1, n], jnp.int32), r"owner must be in \[0, 5\), got 5")
    bad(0, jnp.asarray([-1, 0], jnp.int32), "owner must be in")
    bad(1, jnp.asarray([1, 2, 3], jnp.int32), "key must have shape")
    bad(2, jnp.asarray([0, 1], jnp.int32), "t must be float32")
    bad(4, jnp.zeros((2, f + 1), jnp.float32), "rep must have shape")
    bad(5, jnp.asarray([1, 0], jnp.int32), "valid must be bool")
    bad(6, jnp.asarray([0.1, 1.0], jnp.float32), r"u must be uniforms in \[0, 1\), got 1.0")
    with pytest.raises(ValueError, match="replace_prob must be in"):
        nc.ncache_update(cache, *good, slots=m, replace_prob=1.5)
    with pytest.raises(ValueError, match="not a multiple of slots=3"):
        nc.ncache_update(cache, *good, slots=3, replace_prob=0.5)
    with pytest.raises(ValueError, match="impl must be"):
        nc.ncache_update(cache, *good, **kw, impl="cuda")
    with pytest.raises(ValueError, match="cache.rep must be float32"):
        nc.ncache_fetch(cache._replace(rep=cache.rep.astype(jnp.int32)), good[0], slots=m)
    with pytest.raises(ValueError, match=r"nodes must be in \[0, 5\), got 7"):
        nc.ncache_fetch(cache, jnp.asarray([0, 7], jnp.int32), slots=m)
    with pytest.raises(ValueError, match="nodes must be int32"):
        nc.ncache_fetch(cache, jnp.asarray([0.0]), slots=m)
    with pytest.raises(ValueError, match="slots must be a positive"):
        nc.ncache_hash(jnp.asarray([1], jnp.int32), 0)
    with pytest.raises(ValueError, match="seed must be in"):
        nc.ncache_hash(jnp.asarray([1], jnp.int32), 4, seed=-1)
    with pytest.raises(ValueError, match="rep_dim must be a positive int"):
        nc.ncache_init(3, 4, 0)
    with pytest.raises(ValueError, match="does not fit int32"):
        nc.ncache_init(2**27, 32, 1)


def test_stats_match_reference_counts():
    n, m, f, alpha = 6, 4, 1, 0.5
    rng = np.random.default_rng(11)
    cache = nc.ncache_init(n, m, f)
    cache = nc.ncache_update(cache, *map(jnp.asarray, batch(rng, n, 30, f, (0, 10))), slots=m,
                             replace_prob=alpha)
    b = batch(rng, n, 60, f, (0, 10))
    st = {k: int(v) for k, v in nc.ncache_update_stats(
        cache, *map(jnp.asarray, (b[0], b[1], b[5], b[6])), slots=m, replace_prob=alpha).items()}
    keys = np.asarray(cache.key).reshape(n, m)
    writes, last = 0, {}
    for c in range(60):
        if not b[5][c] or b[1][c] < 0:
            continue
        j = py_hash(int(b[1][c]), m)
        k0 = keys[b[0][c], j]
        if k0 == -1 or k0 == b[1][c] or b[6][c] < alpha:
            writes += 1
            last[(b[0][c], j)] = c
    assert st["writes"] == writes and st["winners"] == len(last)
    assert st["collisions_lost"] == writes - len(last)
    assert st["fills"] + st["refreshes"] + st["replacements"] == st["winners"]
    w = nc.ncache_winners(cache, *map(jnp.asarray, (b[0], b[1], b[5], b[6])), slots=m,
                          replace_prob=alpha)
    expect = np.full(60, -1)
    for (o, j), c in last.items():
        expect[c] = o * m + j
    np.testing.assert_array_equal(np.asarray(w), expect)
