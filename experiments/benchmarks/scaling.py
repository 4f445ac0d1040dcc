"""Full-graph edge-sharded GCN training step on 1, 2, 4, 8 (fake CPU) devices.

    python experiments/benchmarks/scaling.py --out experiments/benchmarks/scaling_cpu.json
    python experiments/benchmarks/scaling.py --devices 1,8 --scale 0.002 --repeats 3   # quick

For each device count ``D`` a subprocess runs with ``XLA_FLAGS=--xla_force_host_platform_device_count=D``
(so the parent's JAX state is untouched): it builds the ogbn-products-like graph at ``--scale``
(:func:`jaxgraph.data.synthetic_large.products_like`), shards its GCN-normalised edges over a
``'data'`` mesh of ``D`` devices (:func:`jaxgraph.train.parallel.shard_edges`), and times the
jitted loss+gradient of a 2-layer GCN (:func:`jaxgraph.train.minibatch.edge_sharded_gcn`) — median
over ``--repeats`` after one warm-up. Correctness: in the same subprocess the single-device
reference (``ops.propagate``, no sharding) must give the same loss and gradients (rtol 1e-4), and
the loss must equal the 1-device run's (checked by the parent).

On this machine the fake CPU devices share the same 2 cores, so the timings show the overhead of
sharding (psum of the ``[N, F]`` partial aggregates), *not* a speed-up; real scaling needs real
devices (the same script runs on a multi-GPU host with ``--platform gpu``).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def worker(args) -> dict:
    sys.path.insert(0, ROOT)
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxgraph.data.synthetic_large import products_like
    from jaxgraph.train import parallel
    from jaxgraph.train.minibatch import edge_sharded_gcn, gcn_weights

    d = jax.device_count()
    ds = products_like(args.scale, seed=0)
    g = ds.graph
    n = ds.num_nodes
    ew, sw = gcn_weights(g.senders, g.receivers, n)
    mesh = parallel.data_mesh()
    shards = parallel.shard_edges(g.senders, g.receivers, d, ew)
    init, loss_and_grad, reference = edge_sharded_gcn(mesh, n, args.hidden, ds.num_classes, g.nodes.shape[1])
    params = init(jax.random.PRNGKey(0))
    x, sw_j = jnp.asarray(g.nodes), jnp.asarray(sw)
    y, m = jnp.asarray(ds.labels), jnp.asarray(ds.splits[0]["train"])
    loss, grads = loss_and_grad(params, x, shards, sw_j, y, m)
    ref_loss, ref_grads = reference(params, x, jnp.asarray(g.senders), jnp.asarray(g.receivers), jnp.asarray(ew), sw_j, y, m)
    np.testing.assert_allclose(float(loss), float(ref_loss), rtol=1e-5)
    err = max(float(jnp.max(jnp.abs(a - b)) / (jnp.max(jnp.abs(b)) + 1e-12))
              for a, b in zip(jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(ref_grads)))
    assert err < 1e-4, f"sharded gradients differ from the single-device reference: relative error {err}"
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(loss_and_grad(params, x, shards, sw_j, y, m))
        times.append(time.perf_counter() - t0)
    return dict(devices=d, platform=jax.devices()[0].platform, nodes=n, edges=len(g.senders), hidden=args.hidden,
                loss=float(loss), ref_loss=float(ref_loss), grad_rel_err=err, step_ms=1e3 * float(np.median(times)),
                edges_per_shard=int(shards[0].shape[1]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--devices", default="1,2,4,8")
    p.add_argument("--scale", type=float, default=0.005, help="products_like scale (0.005: 12k nodes, 0.62M directed edges)")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--platform", default="cpu", help="cpu (fake devices via XLA_FLAGS) or gpu (real devices)")
    p.add_argument("--out", default=None, help="write the rows as JSON here")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print("ROW " + json.dumps(worker(args)))
        return
    rows = []
    for d in [int(v) for v in args.devices.split(",")]:
        env = dict(os.environ)
        if args.platform == "cpu":
            env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={d}").strip()
            env["JAX_PLATFORMS"] = "cpu"
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", f"--scale={args.scale}", f"--hidden={args.hidden}",
               f"--repeats={args.repeats}"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
        if out.returncode != 0:
            raise SystemExit(f"{d} devices failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
        row = json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("ROW ")][-1][4:])
        if rows and abs(row["loss"] - rows[0]["loss"]) > 1e-5 * abs(rows[0]["loss"]):
            raise SystemExit(f"loss on {d} devices {row['loss']} != {rows[0]['loss']} on {rows[0]['devices']}")
        rows.append(row)
        print(f"{row['devices']} device(s) [{row['platform']}]: {row['nodes']} nodes, {row['edges']} edges, "
              f"{row['edges_per_shard']} edges/shard: step {row['step_ms']:.1f} ms, loss {row['loss']:.6f} "
              f"(1-device reference {row['ref_loss']:.6f}), grad rel err {row['grad_rel_err']:.1e}", flush=True)
    note = ("fake CPU devices share this machine's cores: timings show sharding overhead, not speed-up"
            if args.platform == "cpu" else "real devices")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"note": note, "command": " ".join(sys.argv), "rows": rows}, f, indent=1)
    print(note)


if __name__ == "__main__":
    main()
