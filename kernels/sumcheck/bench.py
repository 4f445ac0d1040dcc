"""Benchmark: jnp/XLA reference vs Pallas sumcheck kernels; prints one JSON object.

    python -m kernels.sumcheck.bench --log_sizes=10,14 --ks=2,3
    python -m kernels.sumcheck.bench --interpret=false --backend=mosaic_gpu   # on a GPU

Times (median of --repeats after one warm-up/compile call) for round_poly, round_step and the
fused step+poly, on K random extension tables of 2^n entries. On CPU the kernels run in
interpret mode, which measures the interpreter, not a real kernel: use it for a smoke test.
"""
from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags

from jaxgraph.zk import field as F
from jaxgraph.zk import x64
from kernels.common import time_call
from kernels.sumcheck import kernel as K
from kernels.sumcheck import reference as R

_LOG_SIZES = flags.DEFINE_list("log_sizes", ["10", "12"], "log2 of the table length S.")
_KS = flags.DEFINE_list("ks", ["2", "3"], "numbers of tables K (round-poly degree).")
_BLOCK = flags.DEFINE_integer("block_pairs", K.DEFAULT_BLOCK_PAIRS, "pairs per grid block.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "timed repetitions (median reported).")
_INTERPRET = flags.DEFINE_enum("interpret", "auto", ["auto", "true", "false"],
                               "Pallas interpret mode (auto: interpret unless on GPU).")
_BACKEND = flags.DEFINE_enum("backend", None, ["triton", "mosaic_gpu"],
                             "explicit Pallas GPU backend (default: pallas_call's default).")
_SEED = flags.DEFINE_integer("seed", 0, "PRNG seed for the tables.")


def run(log_sizes, ks, block_pairs, repeats, interpret, backend, seed):
    rng = np.random.default_rng(seed)
    kw = dict(block_pairs=block_pairs, interpret=interpret, backend=backend)
    rows = []
    with x64():
        for k in ks:
            for n in log_sizes:
                s = 1 << n
                tables = jnp.asarray(rng.integers(0, F.P, size=(k, s, 2), dtype=np.uint64))
                r = jnp.asarray(rng.integers(0, F.P, size=(2,), dtype=np.uint64))
                cases = {
                    "round_poly": (jax.jit(R.round_poly_ref),
                                   jax.jit(lambda t: K.round_poly_call(t, **kw)), (tables,)),
                    "round_step": (jax.jit(R.round_step_ref),
                                   jax.jit(lambda t, r: K.round_step_call(t, r, **kw)), (tables, r)),
                    "step_poly": (jax.jit(R.step_poly_ref),
                                  jax.jit(lambda t, r: K.step_poly_call(t, r, **kw)), (tables, r)),
                }
                for name, (ref_fn, ker_fn, args) in cases.items():
                    ref_c, ref_t = time_call(ref_fn, *args, repeats=repeats)
                    ker_c, ker_t = time_call(ker_fn, *args, repeats=repeats)
                    same = jax.tree_util.tree_all(jax.tree_util.tree_map(
                        lambda a, b: bool(jnp.all(a == b)), ref_fn(*args), ker_fn(*args)))
                    rows.append(dict(op=name, K=k, log_size=n, ref_s=ref_t, kernel_s=ker_t,
                                     ref_first_call_s=ref_c, kernel_first_call_s=ker_c,
                                     speedup=ref_t / ker_t if ker_t > 0 else None,
                                     elements_per_s_kernel=k * s / ker_t if ker_t > 0 else None,
                                     bit_identical=same))
    return rows


def main(argv):
    del argv
    interpret = {"auto": None, "true": True, "false": False}[_INTERPRET.value]
    rows = run([int(x) for x in _LOG_SIZES.value], [int(x) for x in _KS.value], _BLOCK.value,
               _REPEATS.value, interpret, _BACKEND.value, _SEED.value)
    print(json.dumps(dict(
        backend=jax.default_backend(), devices=[str(d) for d in jax.devices()],
        jax_version=jax.__version__,
        interpret=K.default_interpret() if interpret is None else interpret,
        pallas_backend=_BACKEND.value, block_pairs=_BLOCK.value, repeats=_REPEATS.value,
        results=rows), indent=1))


if __name__ == "__main__":
    app.run(main)
