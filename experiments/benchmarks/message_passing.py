"""GCN layer forward and forward+backward: jaxgraph vs PyTorch Geometric on the same CPU.

    python experiments/benchmarks/message_passing.py                       # PyG in this env
    python experiments/benchmarks/message_passing.py --pyg_python=/path/to/python  # PyG elsewhere

Graph: random, 100k nodes, 1M directed edges, 64 -> 64 features (override with flags). Both
sides get the identical graph (saved to an .npz) and compute GCNConv with symmetric
normalisation and self loops recomputed every call (PyG ``cached=False``). Reports the median
time of ``--repeats`` runs after warm-up and the ratio PyG / jaxgraph (> 1: jaxgraph faster).
Also times a plain ``jax.ops.segment_sum`` GCN written inline, the bar the issue sets. The
backward pass differentiates ``sum(out**2)`` on both sides (a loss that needs the forward
values; with a linear loss XLA can skip most of the forward).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402

_NODES = flags.DEFINE_integer("nodes", 100_000, "Number of nodes.")
_EDGES = flags.DEFINE_integer("edges", 1_000_000, "Number of directed edges.")
_FEATURES = flags.DEFINE_integer("features", 64, "Input and output features.")
_REPEATS = flags.DEFINE_integer("repeats", 20, "Timed repetitions (median reported).")
_PYG_PYTHON = flags.DEFINE_string("pyg_python", None, "Python interpreter with torch + torch_geometric.")
_OUT = flags.DEFINE_string("out", None, "Write the results as JSON here.")

PYG_SCRIPT = r"""
import json, sys, time
import numpy as np, torch
from torch_geometric.nn import GCNConv
torch.manual_seed(0)
d = np.load(sys.argv[1]); repeats = int(sys.argv[2])
x = torch.from_numpy(d["x"]); ei = torch.from_numpy(np.stack([d["senders"], d["receivers"]]).astype(np.int64))
conv = GCNConv(x.shape[1], x.shape[1], cached=False)
def med(fn):
    for _ in range(3): fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return float(np.median(ts))
def fwd():
    with torch.no_grad(): conv(x, ei)
def fwdbwd():
    conv.zero_grad(); xx = x.requires_grad_(True); out = conv(xx, ei); (out * out).sum().backward()
print(json.dumps({"forward": med(fwd), "forward_backward": med(fwdbwd), "threads": torch.get_num_threads(),
                  "torch": torch.__version__}))
"""


def _median_time(fn, repeats):
    import numpy as np

    for _ in range(3):
        fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def run_jax(path, repeats):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxgraph import graph as G
    from jaxgraph.nn import GCNConv

    d = np.load(path)
    n = d["x"].shape[0]
    g = jax.tree_util.tree_map(jnp.asarray, G.from_edge_list(d["senders"], d["receivers"], n, node_features=d["x"]))
    conv = GCNConv(d["x"].shape[1])
    params = conv.init(jax.random.PRNGKey(0), g)
    fwd = jax.jit(lambda p, gr: conv.apply(p, gr).nodes)
    grad = jax.jit(jax.grad(lambda p, x, gr: jnp.sum(conv.apply(p, gr._replace(nodes=x)).nodes ** 2), argnums=(0, 1)))

    # The plain segment_sum GCN the issue uses as the bar.
    s, r = g.senders, g.receivers
    w = params["params"]["linear"]["kernel"]
    b = params["params"]["bias"]

    def plain(x, w, b, s, r):
        loops = jnp.arange(n)
        ss, rr = jnp.concatenate([s, loops]), jnp.concatenate([r, loops])
        deg = jax.ops.segment_sum(jnp.ones_like(rr, jnp.float32), rr, n)
        norm = jax.lax.rsqrt(deg)
        h = x @ w
        return jax.ops.segment_sum(h[ss] * (norm[ss] * norm[rr])[:, None], rr, n) + b

    plain_fwd = jax.jit(plain)
    plain_grad = jax.jit(jax.grad(lambda x, w, b, s, r: jnp.sum(plain(x, w, b, s, r) ** 2), argnums=(0, 1, 2)))
    np.testing.assert_allclose(np.asarray(fwd(params, g)), np.asarray(plain_fwd(g.nodes, w, b, s, r)), rtol=1e-4, atol=1e-4)
    block = lambda t: jax.tree_util.tree_map(lambda a: a.block_until_ready(), t)
    return {
        "forward": _median_time(lambda: block(fwd(params, g)), repeats),
        "forward_backward": _median_time(lambda: block(grad(params, g.nodes, g)), repeats),
        "plain_segment_sum_forward": _median_time(lambda: block(plain_fwd(g.nodes, w, b, s, r)), repeats),
        "plain_segment_sum_forward_backward": _median_time(lambda: block(plain_grad(g.nodes, w, b, s, r)), repeats),
        "jax": jax.__version__,
        "device": str(jax.devices()[0]),
    }


def main(argv):
    del argv
    import numpy as np

    rng = np.random.default_rng(0)
    n, e, f = _NODES.value, _EDGES.value, _FEATURES.value
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "graph.npz")
    np.savez(path, x=rng.normal(size=(n, f)).astype(np.float32),
             senders=rng.integers(0, n, e).astype(np.int32), receivers=rng.integers(0, n, e).astype(np.int32))
    res = {"nodes": n, "edges": e, "features": f, "cpu_count": os.cpu_count(), "jaxgraph": run_jax(path, _REPEATS.value)}
    py = _PYG_PYTHON.value or sys.executable
    script = os.path.join(tmp, "pyg_bench.py")
    with open(script, "w") as fh:
        fh.write(PYG_SCRIPT)
    out = subprocess.run([py, script, path, str(_REPEATS.value)], capture_output=True, text=True)
    if out.returncode == 0:
        res["pyg"] = json.loads(out.stdout.strip().splitlines()[-1])
        for k in ("forward", "forward_backward"):
            res[f"ratio_pyg_over_jaxgraph_{k}"] = res["pyg"][k] / res["jaxgraph"][k]
            res[f"ratio_pyg_over_plain_{k}"] = res["pyg"][k] / res["jaxgraph"][f"plain_segment_sum_{k}"]
    else:
        res["pyg"] = f"unavailable: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}"
    print(json.dumps(res, indent=2))
    if _OUT.value:
        with open(_OUT.value, "w") as fh:
            json.dump(res, fh, indent=2)


if __name__ == "__main__":
    app.run(main)
