"""Benchmark + on-device check: Pallas SpMM vs XLA (``x[s]`` + ``jax.ops.segment_*``); one JSON
row per case.

    python -m kernels.spmm.bench --nodes=100000 --edges=1000000 --features=64
    python -m kernels.spmm.bench --nodes=1000000 --edges=16000000 --features=128 --block_r=1,4,8,16  # GPU

Each case first CHECKS the Pallas result against the XLA reference on fresh random inputs
(relative error of the output and of the gradients w.r.t. x and w; the output buffer is
poisoned with NaN first by construction: rows not written would show), then times forward and
forward+backward (``sum(out * ct)``) of both, median of --repeats after a compile call
(``kernels.common.time_call``). XLA is timed with unsorted receivers, as a layer sees them, and
with receiver-sorted edges (``indices_are_sorted``), the issue's 11.2 / 4.7 ms pair. The
memory floor printed is E*F*4 bytes (each message row read once) over --bandwidth_gbs.

On CPU the Pallas kernels run in INTERPRET mode (a smoke test, not a speed): the default
``--pallas=auto`` skips them there.
"""
from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags

from kernels import spmm as S
from kernels.common import time_call

_NODES = flags.DEFINE_integer("nodes", 100_000, "nodes N")
_EDGES = flags.DEFINE_integer("edges", 1_000_000, "edges E")
_FEATURES = flags.DEFINE_integer("features", 64, "features F")
_REDUCES = flags.DEFINE_list("reduces", ["sum", "max"], "reductions")
_BLOCK_R = flags.DEFINE_list("block_r", ["8"], "rows per program to try")
_REPEATS = flags.DEFINE_integer("repeats", 10, "timed repetitions")
_PALLAS = flags.DEFINE_enum("pallas", "auto", ["auto", "yes", "no"], "time Pallas (auto: only on GPU)")
_BANDWIDTH = flags.DEFINE_float("bandwidth_gbs", 3000.0, "memory bandwidth for the floor (GB/s)")
_OUT = flags.DEFINE_string("out", None, "JSON rows file")


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def run(n, e, f, reduces, block_rs, repeats, pallas, bandwidth_gbs=3000.0, seed=0):
    rng = np.random.default_rng(seed)
    s = jnp.asarray(rng.integers(0, n, e), jnp.int32)
    r = jnp.asarray(rng.integers(0, n, e), jnp.int32)
    x = jnp.asarray(rng.standard_normal((n, f)), jnp.float32)
    w = jnp.asarray(rng.uniform(0.5, 1.5, e), jnp.float32)
    ct = jnp.asarray(rng.standard_normal((n, f)), jnp.float32)
    csr = jax.block_until_ready(jax.jit(S.prepare_csr, static_argnums=2)(s, r, n))
    order = jnp.argsort(r)
    s_sorted, r_sorted = s[order], r[order]
    dev = jax.devices()[0]
    floor_ms = e * f * 4 / (bandwidth_gbs * 1e9) * 1e3
    rows = []
    do_pallas = pallas == "yes" or (pallas == "auto" and dev.platform == "gpu")
    # Every array is an argument of the jitted functions (graph, weights, cotangent): closed over,
    # they become constants, and XLA folds the gathers of constants (e.g. ct[r] in the backward)
    # at compile time, which flatters the XLA rows against a Pallas custom call.
    graph = dict(s=s, r=r, s_sorted=s_sorted, r_sorted=r_sorted, order=order, csr=csr)
    for reduce in reduces:
        base = dict(nodes=n, edges=e, features=f, reduce=reduce, device=f"{dev.platform}: {dev.device_kind}",
                    floor_ms=floor_ms)

        def xla_fn(x, w, g):
            return S.spmm_ref(x, g["s"], g["r"], n, w, reduce)

        def grad_of(fn):
            return jax.jit(jax.grad(lambda x, w, ct, g: jnp.sum(fn(x, w, g) * ct), argnums=(0, 1)))

        variants = {"xla": (jax.jit(xla_fn), grad_of(xla_fn))}
        if reduce == "sum":
            def srt(x, w, g):  # receiver-sorted edges; w is in the original edge order
                return jax.ops.segment_sum(x[g["s_sorted"]] * w[g["order"]][:, None], g["r_sorted"], n,
                                           indices_are_sorted=True)
            variants["xla_sorted"] = (jax.jit(srt), grad_of(srt))
        if do_pallas:
            for b in block_rs:
                pf = lambda x, w, g, b=b: S.spmm_csr(x, g["csr"], w, reduce, block_r=b)
                variants[f"pallas_b{b}"] = (jax.jit(pf), grad_of(pf))
        ref_out = variants["xla"][0](x, w, graph)
        ref_g = variants["xla"][1](x, w, ct, graph)
        for name, (fwd, grad) in variants.items():
            row = dict(base, impl=name)
            out = fwd(x, w, graph)
            g = grad(x, w, ct, graph)
            row.update(rel_err_out=rel(out, ref_out), rel_err_dx=rel(g[0], ref_g[0]), rel_err_dw=rel(g[1], ref_g[1]),
                       all_finite=bool(np.all(np.isfinite(np.asarray(out)))))
            row["fwd_ms"] = 1e3 * time_call(fwd, x, w, graph, repeats=repeats)[1]
            row["fwdbwd_ms"] = 1e3 * time_call(grad, x, w, ct, graph, repeats=repeats)[1]
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def main(argv):
    del argv
    rows = run(_NODES.value, _EDGES.value, _FEATURES.value, _REDUCES.value, [int(b) for b in _BLOCK_R.value],
               _REPEATS.value, _PALLAS.value, _BANDWIDTH.value)
    bad = [r for r in rows if not (r["rel_err_out"] < 1e-5 and r["rel_err_dx"] < 1e-5 and r["rel_err_dw"] < 1e-4)]
    if _OUT.value:
        with open(_OUT.value, "w") as fh:
            json.dump(rows, fh, indent=1)
    print("| reduce | impl | fwd ms | fwd+bwd ms | floor ms | rel err out/dx/dw |")
    for r in rows:
        print(f"| {r['reduce']} | {r['impl']} | {r['fwd_ms']:.2f} | {r['fwdbwd_ms']:.2f} | {r['floor_ms']:.2f} | "
              f"{r['rel_err_out']:.1e}/{r['rel_err_dx']:.1e}/{r['rel_err_dw']:.1e} |")
    if bad:
        raise SystemExit(f"MISMATCH vs XLA in {[(r['reduce'], r['impl']) for r in bad]}")


if __name__ == "__main__":
    app.run(main)
