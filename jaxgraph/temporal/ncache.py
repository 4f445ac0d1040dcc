r"""N-caches: fixed-size per-node hash dictionaries of temporal neighbors (NAT, issue 7).

Paper: Luo & Li, "Neighborhood-aware Scalable Temporal Network Representation Learning"
(NAT, LoG 2022). Every node u keeps, per hop (hop 1: ``M1`` slots, hop 2: ``M2`` slots), a
dictionary representation ("N-cache") whose keys are neighbor ids and whose values are
``(timestamp, event id, small representation vector of dim F)``. One :class:`NCache` holds ONE
hop's dictionaries of all ``N`` nodes as flat arrays of ``N*M`` slots; node u owns the slots
``u*M .. u*M + M-1``.

Hash (``ncache_hash``; all arithmetic on uint32, i.e. mod 2**32, so it is defined for every
int32 id, including ids near 2**31-1 and negative ids)::

    x = bits(key) as uint32 (two's complement)      # key >= 0: x = key
    x = x + seed * 0x9E3779B9                         (mod 2**32)
    x ^= x >> 16;  x = x * 0x85EBCA6B                 (mod 2**32)
    x ^= x >> 13;  x = x * 0xC2B2AE35                 (mod 2**32)
    x ^= x >> 16                                      # murmur3 fmix32 finalizer
    h = x mod M                                       in [0, M), returned as int32

Slot of key k in node u's dictionary: ``s = u*M + h(k)``.

Update rule (``ncache_update``; a PARALLEL rule, decided against the state before the batch).
Candidates ``c = 0..C-1`` are given in time order. For each c::

    s_c   = owner_c * M + h(key_c)
    k0_c  = cache.key[s_c]                                   # state BEFORE the batch
    write_c = valid_c and key_c >= 0 and 0 <= owner_c < N
              and (k0_c == -1 or k0_c == key_c or u_c < replace_prob)

``u_c`` are float32 uniforms in [0, 1) supplied by the caller (so the result is a deterministic
function of them); ``replace_prob`` is cast to float32 for the comparison. Among the writing
candidates that target the same slot, the one with the LARGEST c (the latest event) wins and
its ``(key, t, eid, rep)`` overwrite the slot; every other slot is unchanged. Hence:
re-writing the key a slot already holds always succeeds, an empty slot is always filled, a
slot holding a different key is replaced with probability ``replace_prob`` (alpha in the
paper); ``replace_prob = 0`` never replaces and ``replace_prob = 1`` always does. The result
does not depend on scatter order.

This fixes three mistakes of the official PyTorch code (``module.py``: ``ncache_hash``,
``update_ncaches``): its hash ``(k*a + k*k*(a+1)) % M`` overflows int64 for large ids (we hash
on uint32 with defined wrap-around); its non-replaced writes are redirected to index 0 and
clobber slot 0 (non-winners here are never written anywhere); and two candidates of one batch
writing the same slot give an undefined result (here: latest event wins).

Winner resolution is a stable sort of the writing candidates by slot (``O(C log C)``, no
``N*M``-sized temporary); the row work (gather of fetched slots, scatter of the winners' rows)
is done by ``impl="xla"`` (jnp gather / ``.at[].set(mode="drop")``) or by the Pallas kernels of
``kernels/ncache`` (``impl="pallas"``; ``"auto"`` = Pallas on a GPU backend when the
top-level ``kernels`` package is importable, else XLA). Both give bit-identical results.

Static slot count: ``M`` is NOT stored in :class:`NCache` (it cannot be derived from the flat
shapes); pass it as the keyword ``slots=`` to every function. ``N = cache.key.shape[0] // M``.

Validation: shapes and dtypes are always checked (at trace time), raising ``ValueError`` that
names the field. Value checks (owner / node ids in range, ``u`` in [0, 1), ``replace_prob`` in
[0, 1]) run only when the arrays are concrete (eager calls); inside ``jax.jit`` they cannot run
and the functions are instead DEFINED for bad values: candidates whose owner is out of range
never write, and fetching an out-of-range node returns an empty row (key -1, t 0, eid -1,
rep 0). ``u`` and ``replace_prob`` are used as given in the comparison ``u < replace_prob``.

In place: under ``jax.jit(..., donate_argnums=...)`` donating the cache, both implementations
update the buffers in place (XLA scatter / Pallas ``input_output_aliases``).
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["NCache", "ncache_init", "ncache_hash", "ncache_slot", "ncache_winners",
           "ncache_fetch", "ncache_update", "ncache_update_stats", "resolve_impl"]

_GOLDEN = np.uint32(0x9E3779B9)
_C1 = np.uint32(0x85EBCA6B)
_C2 = np.uint32(0xC2B2AE35)
_MAX_SLOTS_TOTAL = 2**31 - 1  # int32 slot indices


class NCache(NamedTuple):
    """One hop's N-caches of all N nodes, M slots each (M passed as ``slots=``, not stored).

    Fields (S = N*M; slot ``u*M + j`` is slot j of node u):

    * ``key``: int32 ``[S]`` neighbor id, -1 = empty slot;
    * ``t``: float32 ``[S]`` timestamp of the stored entry (0 when empty);
    * ``eid``: int32 ``[S]`` event id of the stored entry, -1 = empty;
    * ``rep``: float32 ``[S, F]`` small representation vector (0 when empty).
    """
    key: jax.Array
    t: jax.Array
    eid: jax.Array
    rep: jax.Array

    def num_nodes(self, slots: int) -> int:
        """N = S // slots."""
        return int(self.key.shape[0]) // int(slots)

    @property
    def rep_dim(self) -> int:
        """F."""
        return int(self.rep.shape[1])


# ---------------------------------------------------------------------------- validation
def _is_tracer(x) -> bool:
    return isinstance(x, jax.core.Tracer)


def _concrete(x):
    """numpy value of x, or None while tracing."""
    if _is_tracer(x):
        return None
    return np.asarray(x)


def _check_slots(slots) -> int:
    if isinstance(slots, bool) or not isinstance(slots, (int, np.integer)) or slots < 1:
        raise ValueError(f"slots must be a positive Python int, got {slots!r}")
    return int(slots)


def _check_array(name, x, dtype, shape):
    """x must have dtype ``dtype`` and a shape matching ``shape`` (None = any size)."""
    dt = jnp.result_type(x) if not hasattr(x, "dtype") else x.dtype
    if dt != dtype:
        raise ValueError(f"{name} must be {np.dtype(dtype).name}, got dtype {np.dtype(dt).name}")
    shp = tuple(np.shape(x))
    if len(shp) != len(shape) or any(e is not None and e != s for e, s in zip(shape, shp)):
        want = "[" + ", ".join("?" if e is None else str(e) for e in shape) + "]"
        raise ValueError(f"{name} must have shape {want}, got {shp}")


def _check_cache(cache, slots):
    """Validates an NCache against ``slots``; returns (N, M, F)."""
    if not isinstance(cache, NCache):
        raise ValueError(f"cache must be an NCache, got {type(cache).__name__}")
    m = _check_slots(slots)
    _check_array("cache.key", cache.key, jnp.int32, (None,))
    s = int(cache.key.shape[0])
    if s % m:
        raise ValueError(f"cache.key has {s} slots, not a multiple of slots={m}")
    _check_array("cache.t", cache.t, jnp.float32, (s,))
    _check_array("cache.eid", cache.eid, jnp.int32, (s,))
    _check_array("cache.rep", cache.rep, jnp.float32, (s, None))
    if cache.rep.shape[1] < 1:
        raise ValueError(f"cache.rep must have rep_dim F >= 1, got shape {tuple(cache.rep.shape)}")
    return s // m, m, int(cache.rep.shape[1])


# ---------------------------------------------------------------------------------- init
def ncache_init(num_nodes: int, slots: int, rep_dim: int) -> NCache:
    """Empty N-caches: key = eid = -1, t = 0, rep = 0.

    Args:
      num_nodes: N >= 1.
      slots: M >= 1 slots per node (N*M < 2**31).
      rep_dim: F >= 1.

    Returns:
      NCache with ``key``/``eid`` int32[N*M], ``t`` float32[N*M], ``rep`` float32[N*M, F].

    Raises:
      ValueError: non-positive sizes or N*M >= 2**31.
    """
    for name, v in (("num_nodes", num_nodes), ("slots", slots), ("rep_dim", rep_dim)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    s = int(num_nodes) * int(slots)
    if s > _MAX_SLOTS_TOTAL:
        raise ValueError(f"num_nodes*slots = {s} does not fit int32 slot indices (< 2**31)")
    return NCache(key=jnp.full((s,), -1, jnp.int32), t=jnp.zeros((s,), jnp.float32),
                  eid=jnp.full((s,), -1, jnp.int32), rep=jnp.zeros((s, int(rep_dim)), jnp.float32))


# ---------------------------------------------------------------------------------- hash
def _seed_u32(seed):
    """Python int in [0, 2**32) -> np.uint32; integer scalar array -> uint32 (bits kept)."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if not 0 <= int(seed) < 2**32:
            raise ValueError(f"seed must be in [0, 2**32), got {seed}")
        return np.uint32(int(seed))
    seed = jnp.asarray(seed)
    if seed.ndim != 0 or not jnp.issubdtype(seed.dtype, jnp.integer):
        raise ValueError(f"seed must be an int or an integer scalar, got {seed.dtype}{seed.shape}")
    if seed.dtype == jnp.uint32:
        return seed
    return jax.lax.bitcast_convert_type(seed.astype(jnp.int32), jnp.uint32)


def ncache_hash(key, slots: int, seed=0) -> jax.Array:
    """Slot-in-node index h(key) in [0, slots), int32 (rule in the module docstring).

    uint32 arithmetic throughout (wrap-around mod 2**32 is defined), so no id overflows:
    every int32 id (also 2**31-1, and negative ids via their two's-complement bits) hashes into
    range. Not a cryptographic hash; murmur3's fmix32 finalizer, which mixes all 32 bits.

    Args:
      key: integer array of ids (any shape; int32 or narrower; cast to int32 first).
      slots: M >= 1 (static Python int).
      seed: Python int in [0, 2**32) or an integer scalar array.

    Returns:
      int32 array of key's shape with values in [0, slots).

    Raises:
      ValueError: slots < 1, seed out of range, or key not an integer array.
    """
    m = _check_slots(slots)
    key = jnp.asarray(key)
    if not jnp.issubdtype(key.dtype, jnp.integer):
        raise ValueError(f"key must be an integer array, got dtype {key.dtype}")
    if key.dtype.itemsize > 4:
        raise ValueError(f"key must be int32 (or narrower), got dtype {key.dtype}")
    seed_u = _seed_u32(seed)
    x = jax.lax.bitcast_convert_type(key.astype(jnp.int32), jnp.uint32)
    if isinstance(seed_u, np.uint32):  # host constant: mix in Python ints (no numpy overflow)
        mix = np.uint32((int(seed_u) * int(_GOLDEN)) & 0xFFFFFFFF)
    else:
        mix = seed_u * jnp.uint32(_GOLDEN)
    x = x + mix
    x = x ^ (x >> np.uint32(16))
    x = x * _C1
    x = x ^ (x >> np.uint32(13))
    x = x * _C2
    x = x ^ (x >> np.uint32(16))
    return (x % np.uint32(m)).astype(jnp.int32)


def ncache_slot(owner, key, slots: int, seed=0) -> jax.Array:
    """Flat slot index ``owner*M + h(key)`` (int32). Caller guarantees 0 <= owner < N."""
    return owner.astype(jnp.int32) * jnp.int32(slots) + ncache_hash(key, slots, seed)


# ------------------------------------------------------------------------ impl dispatch
def _kernels_available() -> bool:
    try:
        import kernels.ncache  # noqa: F401  (top-level namespace dir, on sys.path in the repo)
    except ImportError:
        return False
    return True


def resolve_impl(impl: str = "auto") -> str:
    """"auto" -> "pallas" on a GPU backend when ``kernels.ncache`` is importable, else "xla"."""
    if impl == "auto":
        return "pallas" if jax.default_backend() == "gpu" and _kernels_available() else "xla"
    if impl not in ("pallas", "xla"):
        raise ValueError(f"impl must be 'auto', 'pallas' or 'xla', got {impl!r}")
    return impl


# ----------------------------------------------------------------------------- row ops
def _fetch_rows_xla(key, t, eid, rep, nodes, m):
    idx = nodes[:, None] * m + jnp.arange(m, dtype=jnp.int32)[None, :]  # [Q, M]
    return key[idx], t[idx], eid[idx], rep[idx]


def _scatter_rows_xla(key, t, eid, rep, slot_w, ck, ct, ce, cr):
    s = key.shape[0]
    idx = jnp.where(slot_w >= 0, slot_w, s)  # non-winners: out of bounds, dropped
    kw = dict(mode="drop", unique_indices=True)
    return (key.at[idx].set(ck, **kw), t.at[idx].set(ct, **kw), eid.at[idx].set(ce, **kw),
            rep.at[idx].set(cr, **kw))


# ------------------------------------------------------------------------------- fetch
def ncache_fetch(cache: NCache, nodes, *, slots: int, impl: str = "auto"):
    """All M slots of the dictionaries of Q query nodes.

    Args:
      cache: NCache (one hop), S = N*M slots.
      nodes: int32[Q] node ids in [0, N).
      slots: M (static).
      impl: "auto" | "pallas" | "xla" (see :func:`resolve_impl`).

    Returns:
      (key int32[Q, M], t float32[Q, M], eid int32[Q, M], rep float32[Q, M, F]); row q holds
      ``cache.*[nodes[q]*M : nodes[q]*M + M]``. Under jit, out-of-range node ids give empty
      rows (key -1, t 0, eid -1, rep 0).

    Raises:
      ValueError: bad cache/nodes shapes or dtypes, bad impl, or (eager) node ids out of range.
    """
    n, m, f = _check_cache(cache, slots)
    _check_array("nodes", nodes, jnp.int32, (None,))
    nodes_np = _concrete(nodes)
    if nodes_np is not None and nodes_np.size and (nodes_np.min() < 0 or nodes_np.max() >= n):
        bad = nodes_np[(nodes_np < 0) | (nodes_np >= n)][0]
        raise ValueError(f"nodes must be in [0, {n}), got {int(bad)}")
    impl = resolve_impl(impl)
    nodes = jnp.asarray(nodes)
    q = int(nodes.shape[0])
    if q == 0:
        return (jnp.zeros((0, m), jnp.int32), jnp.zeros((0, m), jnp.float32),
                jnp.zeros((0, m), jnp.int32), jnp.zeros((0, m, f), jnp.float32))
    return _fetch_jit(cache, nodes, m=m, impl=impl, checked=nodes_np is not None)


@functools.partial(jax.jit, static_argnames=("m", "impl", "checked"))
def _fetch_jit(cache, nodes, *, m, impl, checked):
    n = cache.key.shape[0] // m
    ok = (nodes >= 0) & (nodes < n)
    safe = jnp.where(ok, nodes, 0)
    if impl == "pallas":
        from kernels.ncache import kernel as _K
        out = _K.fetch_call(*cache, safe, slots=m)
    else:
        out = _fetch_rows_xla(*cache, safe, m)
    if checked:  # validated eagerly: every row is in range
        return out
    k, tt, e, r = out
    okm = ok[:, None]
    return (jnp.where(okm, k, -1), jnp.where(okm, tt, 0.0), jnp.where(okm, e, -1),
            jnp.where(okm[..., None], r, 0.0))


# ------------------------------------------------------------------------------ update
def _check_plan_args(n, owner, key, valid, u):
    """Shapes/dtypes of the decision inputs; eager value checks. Returns C."""
    _check_array("owner", owner, jnp.int32, (None,))
    c = int(np.shape(owner)[0])
    _check_array("key", key, jnp.int32, (c,))
    _check_array("valid", valid, jnp.bool_, (c,))
    _check_array("u", u, jnp.float32, (c,))
    o = _concrete(owner)
    if o is not None and o.size:
        bad = (o < 0) | (o >= n)
        if bad.any():  # every candidate's owner must be a node id, padding included
            raise ValueError(f"owner must be in [0, {n}), got {int(o[bad][0])}")
    uu = _concrete(u)
    if uu is not None and uu.size:
        bad = ~((uu >= 0) & (uu < 1))
        if bad.any():
            raise ValueError(f"u must be uniforms in [0, 1), got {float(uu[bad][0])}")
    return c


def _check_replace_prob(replace_prob):
    p = _concrete(replace_prob)
    if p is not None:
        if np.shape(p) != ():
            raise ValueError(f"replace_prob must be a scalar, got shape {np.shape(p)}")
        if not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"replace_prob must be in [0, 1], got {float(p)}")


def _plan(cache_key, n, m, owner, key, valid, u, replace_prob, seed):
    """Per-candidate decisions. Returns dict of [C] arrays: slot, k0, write, win."""
    c = owner.shape[0]
    s_total = n * m
    owner_ok = (owner >= 0) & (owner < n)
    slot = ncache_slot(jnp.where(owner_ok, owner, 0), key, m, seed)
    k0 = cache_key[slot]
    cand = valid & (key >= 0) & owner_ok
    write = cand & ((k0 == -1) | (k0 == key) | (u < jnp.asarray(replace_prob, jnp.float32)))
    # Latest writer per slot: stable sort by slot (non-writers -> sentinel S, sorted last);
    # the last element of each run of equal slots has the largest c.
    sk = jnp.where(write, slot, jnp.int32(s_total))
    order = jnp.argsort(sk, stable=True)
    ss = sk[order]
    last = jnp.concatenate([ss[:-1] != ss[1:], jnp.ones((1,), bool)]) & (ss < s_total)
    win = jnp.zeros((c,), bool).at[order].set(last, unique_indices=True)
    return dict(slot=slot, k0=k0, cand=cand, write=write, win=win)


def ncache_winners(cache: NCache, owner, key, valid, u, *, slots: int, replace_prob, seed=0):
    """Winner slots of a batch under the update rule: int32[C], ``-1`` for candidates that do
    not end up in the cache (not writing, or overwritten by a later candidate of the batch).
    Winner slots are unique. Same arguments as :func:`ncache_update` (no values needed)."""
    n, m, _ = _check_cache(cache, slots)
    c = _check_plan_args(n, owner, key, valid, u)
    _check_replace_prob(replace_prob)
    if c == 0:
        return jnp.zeros((0,), jnp.int32)
    return _winners_jit(cache.key, owner, key, valid, u, jnp.asarray(replace_prob, jnp.float32),
                        _seed_u32(seed), m=m)


@functools.partial(jax.jit, static_argnames=("m",))
def _winners_jit(cache_key, owner, key, valid, u, replace_prob, seed, *, m):
    p = _plan(cache_key, cache_key.shape[0] // m, m, owner, key, valid, u, replace_prob, seed)
    return jnp.where(p["win"], p["slot"], -1)


def ncache_update(cache: NCache, owner, key, t, eid, rep, valid, u, *, slots: int,
                  replace_prob, seed=0, impl: str = "auto") -> NCache:
    """Inserts a time-ordered batch of C candidate entries into the owners' N-caches.

    Rule (NAT's N-cache update, made parallel and deterministic; see the module docstring):
    ``s_c = owner_c*M + h(key_c)``, ``k0_c = cache.key[s_c]`` (pre-batch state); candidate c
    writes iff ``valid_c and key_c >= 0 and (k0_c == -1 or k0_c == key_c or u_c <
    replace_prob)``; among writers of one slot the largest c wins; all other slots unchanged.

    Args:
      cache: NCache of N nodes x M slots (one hop).
      owner: int32[C] node whose dictionary receives candidate c (in [0, N)).
      key: int32[C] neighbor id (the dictionary key); negative = ignored.
      t: float32[C] timestamps; eid: int32[C] event ids; rep: float32[C, F] representations.
      valid: bool[C] real candidates (False = padding, ignored).
      u: float32[C] caller-supplied uniforms in [0, 1) (e.g. ``jax.random.uniform``).
      slots: M (static). replace_prob: alpha in [0, 1] (float or scalar array).
      seed: hash seed (see :func:`ncache_hash`). impl: "auto" | "pallas" | "xla".

    Returns:
      The updated NCache (same shapes and dtypes).

    Raises:
      ValueError: wrong shapes/dtypes (always), bad impl/slots/seed, or, for concrete inputs,
      owner out of [0, N), u outside [0, 1) or replace_prob outside [0, 1]. Inside jit the
      value checks are skipped; out-of-range owners then never write.
    """
    n, m, f = _check_cache(cache, slots)
    c = _check_plan_args(n, owner, key, valid, u)
    _check_array("t", t, jnp.float32, (c,))
    _check_array("eid", eid, jnp.int32, (c,))
    _check_array("rep", rep, jnp.float32, (c, f))
    _check_replace_prob(replace_prob)
    impl = resolve_impl(impl)
    if c == 0:
        return cache
    return _update_jit(cache, owner, key, t, eid, rep, valid, u,
                       jnp.asarray(replace_prob, jnp.float32), _seed_u32(seed), m=m, impl=impl)


@functools.partial(jax.jit, static_argnames=("m", "impl"))
def _update_jit(cache, owner, key, t, eid, rep, valid, u, replace_prob, seed, *, m, impl):
    n = cache.key.shape[0] // m
    p = _plan(cache.key, n, m, owner, key, valid, u, replace_prob, seed)
    slot_w = jnp.where(p["win"], p["slot"], -1)
    if impl == "pallas":
        from kernels.ncache import kernel as _K
        out = _K.scatter_call(*cache, slot_w, key, t, eid, rep)
    else:
        out = _scatter_rows_xla(*cache, slot_w, key, t, eid, rep)
    return NCache(*out)


def ncache_update_stats(cache: NCache, owner, key, valid, u, *, slots: int, replace_prob,
                        seed=0) -> dict:
    """Counts (int32 scalars) describing what :func:`ncache_update` would do with this batch.

    * ``candidates``: valid, key >= 0, owner in range;
    * ``writes``: candidates passing the rule (empty slot, same key, or u < replace_prob);
    * ``rejected``: candidates that hit a slot holding a different key and drew u >= alpha;
    * ``winners``: writes that end up in the cache (one per written slot);
    * ``collisions_lost``: writes overwritten by a later candidate of the same batch
      (``writes - winners``);
    * ``fills``: winners into empty slots; ``refreshes``: winners whose slot held the same key;
    * ``replacements``: winners that evicted a different key.
    """
    n, m, _ = _check_cache(cache, slots)
    c = _check_plan_args(n, owner, key, valid, u)
    _check_replace_prob(replace_prob)
    if c == 0:
        z = jnp.int32(0)
        return dict(candidates=z, writes=z, rejected=z, winners=z, collisions_lost=z, fills=z,
                    refreshes=z, replacements=z)
    return _stats_jit(cache.key, owner, key, valid, u, jnp.asarray(replace_prob, jnp.float32),
                      _seed_u32(seed), m=m)


@functools.partial(jax.jit, static_argnames=("m",))
def _stats_jit(cache_key, owner, key, valid, u, replace_prob, seed, *, m):
    p = _plan(cache_key, cache_key.shape[0] // m, m, owner, key, valid, u, replace_prob, seed)
    cnt = lambda b: jnp.sum(b, dtype=jnp.int32)  # noqa: E731
    win, k0 = p["win"], p["k0"]
    return dict(candidates=cnt(p["cand"]), writes=cnt(p["write"]),
                rejected=cnt(p["cand"] & ~p["write"]), winners=cnt(win),
                collisions_lost=cnt(p["write"] & ~win), fills=cnt(win & (k0 == -1)),
                refreshes=cnt(win & (k0 == key)),
                replacements=cnt(win & (k0 != -1) & (k0 != key)))
