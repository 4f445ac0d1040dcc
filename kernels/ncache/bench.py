"""Benchmark: jnp/XLA vs Pallas N-cache fetch and update (NAT, issue 7); one JSON row per case.

    python -m kernels.ncache.bench --nodes=100000 --slots=32 --rep_dims=4,16 --sizes=600,6000
    python -m kernels.ncache.bench --interpret=false --backend=triton     # on a GPU

Cases: ``fetch`` (Q query nodes, all M slots) and ``update`` (full ``ncache_update`` of C
candidates: hash, decisions, latest-writer resolution, row scatter) on a cache pre-filled with
one update batch. Times are medians of --repeats after one warm-up/compile call; both
implementations are checked bit-identical. The update cache is not donated, so both
update timings include one copy of the whole cache (N*M*(3+F)*4 bytes). On CPU the Pallas
kernels run in INTERPRET mode, which times the Pallas interpreter, not a real kernel: treat
CPU numbers as a smoke test.
"""
from __future__ import annotations

import functools
import json

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags

from jaxgraph.temporal import ncache as nc
from kernels.common import time_call
from kernels.ncache import kernel as K

_NODES = flags.DEFINE_integer("nodes", 100_000, "number of nodes N.")
_SLOTS = flags.DEFINE_integer("slots", 32, "slots per node M.")
_REP_DIMS = flags.DEFINE_list("rep_dims", ["4", "16"], "representation dims F.")
_SIZES = flags.DEFINE_list("sizes", ["600", "6000"], "query / candidate counts Q = C.")
_ALPHA = flags.DEFINE_float("replace_prob", 0.5, "replacement probability alpha.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "timed repetitions (median reported).")
_INTERPRET = flags.DEFINE_enum("interpret", "auto", ["auto", "true", "false"],
                               "Pallas interpret mode (auto: interpret unless on GPU).")
_BACKEND = flags.DEFINE_enum("backend", None, ["triton"], "explicit Pallas GPU backend.")
_SEED = flags.DEFINE_integer("seed", 0, "PRNG seed.")


def _batch(rng, n, c, f):
    owner = rng.integers(0, n, c).astype(np.int32)
    key = rng.integers(0, n, c).astype(np.int32)
    return tuple(map(jnp.asarray, (
        owner, key, np.sort(rng.random(c)).astype(np.float32), np.arange(c, dtype=np.int32),
        rng.standard_normal((c, f)).astype(np.float32), np.ones(c, bool),
        rng.random(c).astype(np.float32))))


def _same(a, b):
    return all(bool(jnp.all(jax.lax.bitcast_convert_type(x, jnp.int32) ==
                            jax.lax.bitcast_convert_type(y, jnp.int32)))
               if x.dtype == jnp.float32 else bool(jnp.all(x == y)) for x, y in zip(a, b))


def run(n, m, rep_dims, sizes, alpha, repeats, interpret, backend, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for f in rep_dims:
        base = nc.ncache_update(nc.ncache_init(n, m, f), *_batch(rng, n, 4 * max(sizes), f),
                                slots=m, replace_prob=alpha, impl="xla")
        for size in sizes:
            nodes = jnp.asarray(rng.integers(0, n, size), jnp.int32)
            cand = _batch(rng, n, size, f)

            def upd(cache, *b, impl):
                return nc.ncache_update(cache, *b, slots=m, replace_prob=alpha, impl=impl)

            @functools.partial(jax.jit, static_argnames=("impl",))
            def update(cache, *b, impl):
                owner = b[0]
                p = nc._plan(cache.key, n, m, owner, b[1], b[5], b[6], alpha, 0)
                slot_w = jnp.where(p["win"], p["slot"], -1)
                if impl == "pallas":
                    return K.scatter_call(*cache, slot_w, *b[1:5], interpret=interpret,
                                          backend=backend)
                return nc._scatter_rows_xla(*cache, slot_w, *b[1:5])

            @functools.partial(jax.jit, static_argnames=("impl",))
            def fetch(cache, nodes, impl):
                if impl == "pallas":
                    return K.fetch_call(*cache, nodes, slots=m, interpret=interpret,
                                        backend=backend)
                return nc._fetch_rows_xla(*cache, nodes, m)

            cases = {"fetch": (fetch, (base, nodes)), "update": (update, (base, *cand))}
            for name, (fn, args) in cases.items():
                x_first, x_t = time_call(functools.partial(fn, impl="xla"), *args, repeats=repeats)
                p_first, p_t = time_call(functools.partial(fn, impl="pallas"), *args,
                                     repeats=repeats)
                same = _same(jax.tree_util.tree_leaves(fn(*args, impl="xla")),
                             jax.tree_util.tree_leaves(fn(*args, impl="pallas")))
                if name == "update":  # the jitted public API agrees too
                    same &= _same(jax.tree_util.tree_leaves(upd(*args, impl="xla")),
                                  jax.tree_util.tree_leaves(fn(*args, impl="pallas")))
                row = dict(op=name, N=n, M=m, F=f, size=size, xla_s=x_t, pallas_s=p_t,
                           xla_first_call_s=x_first, pallas_first_call_s=p_first,
                           speedup=x_t / p_t if p_t > 0 else None, bit_identical=same,
                           backend=jax.default_backend(),
                           interpret=K.default_interpret() if interpret is None else interpret)
                print(json.dumps(row), flush=True)
                rows.append(row)
    return rows


def main(argv):
    del argv
    interpret = {"auto": None, "true": True, "false": False}[_INTERPRET.value]
    if (K.default_interpret() if interpret is None else interpret):
        print("# note: Pallas runs in interpret mode here (no GPU): pallas_s times the "
              "interpreter, not a compiled kernel", flush=True)
    run(_NODES.value, _SLOTS.value, [int(x) for x in _REP_DIMS.value],
        [int(x) for x in _SIZES.value], _ALPHA.value, _REPEATS.value, interpret, _BACKEND.value,
        _SEED.value)


if __name__ == "__main__":
    app.run(main)
