"""Benchmark + on-device check: fused Pallas GAT vs the XLA GAT (``jaxgraph.ops.gat_attention``,
``impl="xla"``); one JSON row per case.

    python -m kernels.gat.bench --nodes=10000 --edges=100000 --heads=4 --channels=16
    python -m kernels.gat.bench --nodes=1000000 --edges=16000000 --heads=4 --channels=32 --block_r=1,8  # GPU

Checks the kernel's output and its gradients (w.r.t. h, att_src, att_dst through
``sum(out * ct)``) against the XLA path on fresh random inputs, then times forward and
forward+backward (medians of --repeats after a compile call). On CPU the kernel runs in
INTERPRET mode: ``--pallas=auto`` skips it there.
"""
from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags

from jaxgraph import ops
from kernels.common import time_call
from kernels.spmm import prepare_csr

_NODES = flags.DEFINE_integer("nodes", 10_000, "nodes N")
_EDGES = flags.DEFINE_integer("edges", 100_000, "edges E")
_HEADS = flags.DEFINE_integer("heads", 4, "heads H")
_CHANNELS = flags.DEFINE_integer("channels", 16, "channels per head C")
_BLOCK_R = flags.DEFINE_list("block_r", ["8"], "rows per program to try")
_REPEATS = flags.DEFINE_integer("repeats", 10, "timed repetitions")
_PALLAS = flags.DEFINE_enum("pallas", "auto", ["auto", "yes", "no"], "time Pallas (auto: only on GPU)")
_OUT = flags.DEFINE_string("out", None, "JSON rows file")


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def run(n, e, heads, c, block_rs, repeats, pallas, seed=0):
    rng = np.random.default_rng(seed)
    s = jnp.asarray(rng.integers(0, n, e), jnp.int32)
    r = jnp.asarray(rng.integers(0, n, e), jnp.int32)
    h = jnp.asarray(rng.standard_normal((n, heads, c)), jnp.float32)
    a_s, a_d = (jnp.asarray(rng.standard_normal((heads, c)) * 0.3, jnp.float32) for _ in range(2))
    ct = jnp.asarray(rng.standard_normal((n, heads, c)), jnp.float32)
    csr = jax.block_until_ready(jax.jit(prepare_csr, static_argnums=2)(s, r, n))
    dev = jax.devices()[0]
    do_pallas = pallas == "yes" or (pallas == "auto" and dev.platform == "gpu")
    variants = {"xla": dict(impl="xla")}
    if do_pallas:
        for b in block_rs:
            variants[f"pallas_b{b}"] = dict(impl="pallas", block_r=b)
    rows, ref = [], None
    # graph, CSR and cotangent are arguments: closed over they are constants that XLA can fold
    # into the XLA rows at compile time (not into the Pallas custom call).
    graph = dict(s=s, r=r, csr=csr)
    for name, kw in variants.items():
        def f(h, a, b, g, kw=kw):
            if kw["impl"] == "xla":
                return ops.gat_attention(h, g["s"], g["r"], n, a, b, impl="xla")[0]
            from kernels import gat as G
            a_src, a_dst = jnp.sum(h * a, -1), jnp.sum(h * b, -1)
            return G.gat_aggregate(h, a_src, a_dst, g["csr"], block_r=kw["block_r"])[0]
        fwd = jax.jit(f)
        grad = jax.jit(jax.grad(lambda h, a, b, ct, g: jnp.sum(f(h, a, b, g) * ct), argnums=(0, 1, 2)))
        out, g = fwd(h, a_s, a_d, graph), grad(h, a_s, a_d, ct, graph)
        if ref is None:
            ref = (out, g)
        row = dict(nodes=n, edges=e, heads=heads, channels=c, impl=name, device=f"{dev.platform}: {dev.device_kind}",
                   rel_err_out=rel(out, ref[0]), rel_err_grads=max(rel(x, y) for x, y in zip(g, ref[1])),
                   fwd_ms=1e3 * time_call(fwd, h, a_s, a_d, graph, repeats=repeats)[1],
                   fwdbwd_ms=1e3 * time_call(grad, h, a_s, a_d, ct, graph, repeats=repeats)[1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main(argv):
    del argv
    rows = run(_NODES.value, _EDGES.value, _HEADS.value, _CHANNELS.value, [int(b) for b in _BLOCK_R.value],
               _REPEATS.value, _PALLAS.value)
    if _OUT.value:
        with open(_OUT.value, "w") as fh:
            json.dump(rows, fh, indent=1)
    print("| impl | fwd ms | fwd+bwd ms | rel err out / grads |")
    for r in rows:
        print(f"| {r['impl']} | {r['fwd_ms']:.2f} | {r['fwdbwd_ms']:.2f} | {r['rel_err_out']:.1e} / {r['rel_err_grads']:.1e} |")
    bad = [r["impl"] for r in rows if not (r["rel_err_out"] < 1e-5 and r["rel_err_grads"] < 1e-4)]
    if bad:
        raise SystemExit(f"MISMATCH vs XLA in {bad}")


if __name__ == "__main__":
    app.run(main)
