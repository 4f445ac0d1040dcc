"""Message-passing layers forward and forward+backward: jaxgraph (XLA, Pallas) vs PyTorch
Geometric on the same machine, same graph, same run (issue 9).

    python experiments/benchmarks/message_passing.py                       # GCN, 100k/1M/64, xla vs PyG
    python experiments/benchmarks/message_passing.py --pyg_python=/path/to/python  # PyG elsewhere
    python experiments/benchmarks/message_passing.py --pyg_python=/tmp/pygenv/bin/python \\
        --layers=gcn,sage,gat,gin --impls=xla,pallas,pyg --sizes=10000:100000,100000:1000000 \\
        --out=rows.json

Graph: random, ``--nodes`` nodes, ``--edges`` directed edges with uniform random endpoints,
``--features`` -> ``--features`` float32 (or several ``N:E`` pairs with ``--sizes``; a bare ``N``
means ``N * --avg_degree`` edges). Both sides get the identical graph and features (an .npz).
Layers (the same math on both sides, PyG defaults):

* gcn: GCNConv (Kipf & Welling 2017), self loops + symmetric normalisation recomputed per call
  (PyG ``cached=False``);
* sage: SAGEConv mean aggregator with root weight (Hamilton et al. 2017);
* gat: GATConv, ``--heads`` heads of ``features // heads`` channels, concatenated, self loops
  (Veličković et al. 2018);
* gin: GINConv with a 2-layer MLP, eps = 0 (Xu et al. 2019).

Times are medians of ``--repeats`` runs after 3 warm-ups (host clock around a blocking call; on
a GPU ``block_until_ready`` / ``torch.cuda.synchronize``). The backward differentiates
``sum(out**2)`` w.r.t. the parameters and the input features on both sides. For GCN the
``xla`` impl is also timed as the library module ``jaxgraph.nn.GCNConv`` and as the plain inline
``jax.ops.segment_sum`` GCN the issue uses as the bar (``variant`` in the rows).

``--out FILE`` writes a JSON list of rows ``{"layer", "nodes", "edges", "features", "impl":
"xla"|"pallas"|"pyg", "device", "fwd_ms", "fwdbwd_ms", ...}``. Pallas rows on a CPU backend
would run the kernels in the Pallas INTERPRETER (correct, meaningless for speed): they are
skipped there and recorded with ``fwd_ms = null`` and a ``skipped`` reason. The Pallas path
gets the CSR of the (self-looped) edge list precomputed once per graph (``kernels.spmm.
prepare_csr``), as a training loop would; weights (GCN normalisation, attention) are recomputed
every call.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402

_NODES = flags.DEFINE_integer("nodes", 100_000, "Number of nodes (when --sizes is not given).")
_EDGES = flags.DEFINE_integer("edges", 1_000_000, "Number of directed edges (when --sizes is not given).")
_FEATURES = flags.DEFINE_integer("features", 64, "Input and output features.")
_SIZES = flags.DEFINE_list("sizes", None, "Graph sizes 'N:E' (or 'N', meaning N*avg_degree edges); "
                           "overrides --nodes/--edges.")
_AVG_DEGREE = flags.DEFINE_integer("avg_degree", 10, "Edges per node for a bare 'N' in --sizes.")
_LAYERS = flags.DEFINE_list("layers", ["gcn"], "Layers: gcn, sage, gat, gin.")
_IMPLS = flags.DEFINE_list("impls", ["xla", "pyg"], "Implementations: xla, pallas, pyg.")
_HEADS = flags.DEFINE_integer("heads", 4, "GAT heads (features must be divisible by it).")
_REPEATS = flags.DEFINE_integer("repeats", 20, "Timed repetitions (median reported).")
_PYG_PYTHON = flags.DEFINE_string("pyg_python", None, "Python interpreter with torch + torch_geometric.")
_PYG_DEVICE = flags.DEFINE_string("pyg_device", "auto", "PyG device: auto (cuda if available), cpu, cuda.")
_CHECK = flags.DEFINE_bool("check", True, "Check pallas against xla values (and GCN module vs plain) before timing.")
_SEED = flags.DEFINE_integer("seed", 0, "Graph / feature seed.")
_CLOCK = flags.DEFINE_enum("clock", "wall", ["wall", "process"],
                           "wall: host wall clock; process: CPU time of the process (all threads), steadier "
                           "on a shared, oversubscribed CPU (run single-threaded, see RESULTS.md); CPU only.")
_INTERPRET_OK = flags.DEFINE_bool("pallas_interpret", False, "Also run Pallas rows on a CPU backend (interpret mode: "
                                  "tests the script's Pallas path at tiny sizes; the times mean nothing).")
_OUT = flags.DEFINE_string("out", None, "Write the rows as a JSON list here.")

LAYERS = ("gcn", "sage", "gat", "gin")
IMPLS = ("xla", "pallas", "pyg")

PYG_SCRIPT = r"""
import json, sys, time
import numpy as np, torch
from torch_geometric.nn import GCNConv, SAGEConv, GATConv, GINConv
torch.manual_seed(0)
d = np.load(sys.argv[1]); repeats = int(sys.argv[2]); layers = sys.argv[3].split(","); heads = int(sys.argv[4])
want = sys.argv[5]; clock = time.process_time if sys.argv[6] == "process" else time.perf_counter
dev = torch.device("cuda" if (want == "cuda" or (want == "auto" and torch.cuda.is_available())) else "cpu")
x0 = torch.from_numpy(d["x"]).to(dev)
ei = torch.from_numpy(np.stack([d["senders"], d["receivers"]]).astype(np.int64)).to(dev)
f = x0.shape[1]
def make(name):
    if name == "gcn": return GCNConv(f, f, cached=False)
    if name == "sage": return SAGEConv(f, f)
    if name == "gat": return GATConv(f, f // heads, heads=heads)
    if name == "gin":
        return GINConv(torch.nn.Sequential(torch.nn.Linear(f, f), torch.nn.ReLU(), torch.nn.Linear(f, f)))
    raise ValueError(name)
def sync():
    if dev.type == "cuda": torch.cuda.synchronize()
def med(fn):
    for _ in range(3): fn()
    sync(); ts = []
    for _ in range(repeats):
        t = clock(); fn(); sync(); ts.append(clock() - t)
    return float(np.median(ts)), float(np.min(ts))
res = {}
for name in layers:
    conv = make(name).to(dev)
    def fwd():
        with torch.no_grad(): conv(x0, ei)
    def fwdbwd():
        conv.zero_grad(); xx = x0.detach().requires_grad_(True); out = conv(xx, ei); (out * out).sum().backward()
    (a, a_min), (b, b_min) = med(fwd), med(fwdbwd)
    res[name] = {"forward": a, "forward_backward": b, "forward_min": a_min, "forward_backward_min": b_min}
name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
print(json.dumps({"layers": res, "device": f"torch {dev.type}: {name}", "threads": torch.get_num_threads(),
                  "torch": torch.__version__}))
"""


_CLOCKS = {"wall": time.perf_counter, "process": time.process_time}
_CLOCK_NOW = ["wall"]  # set by run(); the clock _median_ms reads
_MINS = []  # the minimum of each _median_ms call, in call order (rows report it as *_min_ms)


def _median_ms(fn, repeats):
    for _ in range(3):
        fn()
    ts = []
    clock = _CLOCKS[_CLOCK_NOW[0]]
    for _ in range(repeats):
        t = clock()
        fn()
        ts.append(clock() - t)
    _MINS.append(1e3 * min(ts))
    return 1e3 * statistics.median(ts)


def parse_sizes(sizes, nodes, edges, avg_degree):
    """``[(N, E), ...]`` from ``--sizes`` entries 'N:E' / 'N' (or the single --nodes/--edges)."""
    if not sizes:
        return [(int(nodes), int(edges))]
    out = []
    for s in sizes:
        parts = str(s).split(":")
        if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"--sizes entries must be 'N' or 'N:E' with integers, got {s!r}")
        n = int(parts[0])
        e = int(parts[1]) if len(parts) == 2 else n * int(avg_degree)
        if n < 1 or e < 1:
            raise ValueError(f"--sizes entry {s!r} needs N >= 1 and E >= 1")
        out.append((n, e))
    return out


def check_choice(name, values, allowed):
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ValueError(f"--{name} must be a non-empty subset of {allowed}, got {values!r}")


def make_graph(path, n, e, f, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    np.savez(path, x=rng.normal(size=(n, f)).astype(np.float32),
             senders=rng.integers(0, n, e).astype(np.int32), receivers=rng.integers(0, n, e).astype(np.int32))


def init_params(layer, f, heads, key):
    """Glorot-ish random parameters for the functional layers (timing only)."""
    import jax
    import jax.numpy as jnp

    k = jax.random.split(key, 4)
    sc = 1.0 / f ** 0.5
    mat = lambda kk, a, b: jax.random.normal(kk, (a, b), jnp.float32) * sc
    if layer == "gcn":
        return {"w": mat(k[0], f, f), "b": jnp.zeros((f,))}
    if layer == "sage":
        return {"wl": mat(k[0], f, f), "bl": jnp.zeros((f,)), "wr": mat(k[1], f, f)}
    if layer == "gat":
        c = f // heads
        return {"w": mat(k[0], f, f), "att_src": jax.random.normal(k[1], (heads, c)) * 0.3,
                "att_dst": jax.random.normal(k[2], (heads, c)) * 0.3, "b": jnp.zeros((f,))}
    if layer == "gin":
        return {"w1": mat(k[0], f, f), "b1": jnp.zeros((f,)), "w2": mat(k[1], f, f), "b2": jnp.zeros((f,))}
    raise ValueError(f"layer must be one of {LAYERS}, got {layer!r}")


def layer_fn(layer, n, impl, heads):
    """``(params, x, senders, receivers, csr) -> [n, F]``: the layer's math through
    ``jaxgraph.ops`` with ``impl``. The graph is an ARGUMENT (not a closed-over constant, which
    XLA would fold at compile time, e.g. precomputing the GCN normalisation).

    For impl="pallas" ``csr`` is the CSR of ``senders, receivers`` with self loops (gcn, gat) or
    without (sage, gin); it is ignored (pass None) for impl="xla"."""
    import jax

    from jaxgraph import ops

    if layer == "gcn":
        def fn(p, x, senders, receivers, csr):
            if impl == "pallas":  # loops are part of the (pre-sorted) structure
                ss, rr, _, _ = ops.with_self_loops(senders, receivers, n)
                s, r, w, m = ops.gcn_norm(ss, rr, n, add_self_loops=False)
            else:
                s, r, w, m = ops.gcn_norm(senders, receivers, n)
            return ops.propagate(x @ p["w"], s, r, n, w, m, impl=impl, csr=csr) + p["b"]
    elif layer == "sage":
        def fn(p, x, senders, receivers, csr):
            agg = ops.gather_scatter(x, senders, receivers, n, None, "mean", impl=impl, csr=csr)
            return agg @ p["wl"] + p["bl"] + x @ p["wr"]
    elif layer == "gat":
        def fn(p, x, senders, receivers, csr):
            c = x.shape[1] // heads
            h = (x @ p["w"]).reshape(n, heads, c)
            s, r, _, m = ops.with_self_loops(senders, receivers, n)
            out, _ = ops.gat_attention(h, s, r, n, p["att_src"], p["att_dst"], 0.2, m, impl=impl, csr=csr)
            return out.reshape(n, heads * c) + p["b"]
    elif layer == "gin":
        def fn(p, x, senders, receivers, csr):
            agg = ops.gather_scatter(x, senders, receivers, n, None, "sum", impl=impl, csr=csr)
            return jax.nn.relu((x + agg) @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
    else:
        raise ValueError(f"layer must be one of {LAYERS}, got {layer!r}")
    return fn


def _timed(fn, p, x, s, r, csr, repeats):
    import jax
    import jax.numpy as jnp

    fwd = jax.jit(fn)
    grad = jax.jit(jax.grad(lambda p, x, s, r, c: jnp.sum(fn(p, x, s, r, c) ** 2), argnums=(0, 1)))
    block = jax.block_until_ready
    return (_median_ms(lambda: block(fwd(p, x, s, r, csr)), repeats),
            _median_ms(lambda: block(grad(p, x, s, r, csr)), repeats))


def _legacy_gcn(x, s, r, n, repeats, check):
    """The library module and the plain inline segment_sum GCN (the earlier benchmark's rows)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxgraph import graph as G
    from jaxgraph.nn import GCNConv

    g = G.from_edge_list(np.asarray(s), np.asarray(r), n, node_features=np.asarray(x))
    g = jax.tree_util.tree_map(jnp.asarray, g)
    conv = GCNConv(x.shape[1])
    params = conv.init(jax.random.PRNGKey(0), g)
    fwd = jax.jit(lambda p, gr: conv.apply(p, gr).nodes)
    grad = jax.jit(jax.grad(lambda p, xx, gr: jnp.sum(conv.apply(p, gr._replace(nodes=xx)).nodes ** 2), argnums=(0, 1)))
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
    if check:
        np.testing.assert_allclose(np.asarray(fwd(params, g)), np.asarray(plain_fwd(g.nodes, w, b, s, r)),
                                   rtol=1e-4, atol=1e-4)
    blk = jax.block_until_ready
    return {
        "module": (_median_ms(lambda: blk(fwd(params, g)), repeats),
                   _median_ms(lambda: blk(grad(params, g.nodes, g)), repeats)),
        "plain_segment_sum": (_median_ms(lambda: blk(plain_fwd(g.nodes, w, b, s, r)), repeats),
                              _median_ms(lambda: blk(plain_grad(g.nodes, w, b, s, r)), repeats)),
    }


def run_jax(path, layers, impls, heads, repeats, check=True, seed=0, pallas_interpret=False):
    """Rows for the jaxgraph implementations in ``impls`` (subset of xla, pallas)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxgraph import ops

    d = np.load(path)
    x = jnp.asarray(d["x"])
    s, r = jnp.asarray(d["senders"]), jnp.asarray(d["receivers"])
    n, f = x.shape
    e = int(s.shape[0])
    dev = jax.devices()[0]
    device = f"jax {dev.platform}: {getattr(dev, 'device_kind', str(dev))}"
    on_cpu = dev.platform == "cpu"
    base = {"nodes": n, "edges": e, "features": f, "device": device, "jax": jax.__version__}
    rows = []
    csr_cache = {}
    for layer in layers:
        p = init_params(layer, f, heads, jax.random.PRNGKey(seed))
        for impl in impls:
            row = dict(base, layer=layer, impl=impl)
            if impl == "pallas" and on_cpu and not pallas_interpret:
                rows.append(dict(row, fwd_ms=None, fwdbwd_ms=None,
                                 skipped="Pallas runs in interpret mode on a CPU backend: meaningless for speed"))
                continue
            csr = None
            if impl == "pallas":
                from kernels import spmm

                loops = layer in ("gcn", "gat")
                if loops not in csr_cache:
                    ss, rr = (ops.with_self_loops(s, r, n)[:2]) if loops else (s, r)
                    csr_cache[loops] = jax.block_until_ready(jax.jit(spmm.prepare_csr, static_argnums=2)(ss, rr, n))
                csr = csr_cache[loops]
                row["csr_precomputed"] = True
                if on_cpu:
                    row["interpret_mode"] = True
            fn = layer_fn(layer, n, impl, heads)
            if check and impl == "pallas":
                ref = layer_fn(layer, n, "xla", heads)
                a, b_ = np.asarray(jax.jit(fn)(p, x, s, r, csr)), np.asarray(jax.jit(ref)(p, x, s, r, None))
                row["rel_err_vs_xla"] = float(np.linalg.norm(a - b_) / max(np.linalg.norm(b_), 1e-30))
                if not row["rel_err_vs_xla"] < 1e-4:
                    raise AssertionError(f"{layer} pallas differs from xla: rel err {row['rel_err_vs_xla']}")
            fwd_ms, fwdbwd_ms = _timed(fn, p, x, s, r, csr, repeats)
            rows.append(dict(row, fwd_ms=fwd_ms, fwdbwd_ms=fwdbwd_ms, fwd_min_ms=_MINS[-2], fwdbwd_min_ms=_MINS[-1],
                             variant="ops"))
            if layer == "gcn" and impl == "xla":
                legacy = _legacy_gcn(x, s, r, n, repeats, check)
                mins = _MINS[-4:]
                for k, (variant, (a_ms, b_ms)) in enumerate(legacy.items()):
                    rows.append(dict(base, layer=layer, impl=impl, fwd_ms=a_ms, fwdbwd_ms=b_ms,
                                     fwd_min_ms=mins[2 * k], fwdbwd_min_ms=mins[2 * k + 1], variant=variant))
    return rows


def run_pyg(path, layers, heads, repeats, python, device="auto", clock="wall"):
    """Rows for PyG (run in ``python``), or one row with ``skipped`` if it could not run."""
    import numpy as np

    d = np.load(path)
    n, f = d["x"].shape
    e = int(d["senders"].shape[0])
    base = {"nodes": int(n), "edges": e, "features": int(f), "impl": "pyg"}
    script = os.path.join(os.path.dirname(path), "pyg_bench.py")
    with open(script, "w") as fh:
        fh.write(PYG_SCRIPT)
    out = subprocess.run([python, script, path, str(repeats), ",".join(layers), str(heads), device, clock],
                         capture_output=True, text=True)
    if out.returncode != 0:
        why = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
        return [dict(base, layer=l, device=None, fwd_ms=None, fwdbwd_ms=None, skipped=f"PyG unavailable: {why}")
                for l in layers]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return [dict(base, layer=l, device=res["device"], fwd_ms=1e3 * v["forward"], fwdbwd_ms=1e3 * v["forward_backward"],
                 fwd_min_ms=1e3 * v["forward_min"], fwdbwd_min_ms=1e3 * v["forward_backward_min"],
                 torch=res["torch"], threads=res["threads"], clock=clock) for l, v in res["layers"].items()]


def run(sizes, features, layers, impls, heads, repeats, pyg_python=None, pyg_device="auto", check=True, seed=0,
        progress=True, clock="wall", pallas_interpret=False):
    """All rows for every size (the benchmark's library entry point)."""
    if clock not in _CLOCKS:
        raise ValueError(f"clock must be one of {sorted(_CLOCKS)}, got {clock!r}")
    _CLOCK_NOW[0] = clock
    check_choice("layers", layers, LAYERS)
    check_choice("impls", impls, IMPLS)
    if "gat" in layers and features % heads:
        raise ValueError(f"--features={features} must be divisible by --heads={heads} for gat")
    rows = []
    tmp = tempfile.mkdtemp()
    for n, e in sizes:
        if progress:
            print(f"[message_passing] N={n} E={e} F={features} layers={layers} impls={impls}", file=sys.stderr, flush=True)
        path = os.path.join(tmp, f"graph_{n}_{e}.npz")
        make_graph(path, n, e, features, seed)
        jimpls = [i for i in impls if i != "pyg"]
        if jimpls:
            rows += [dict(r, clock=clock) for r in run_jax(path, layers, jimpls, heads, repeats, check, seed,
                                                                 pallas_interpret)]
        if "pyg" in impls:
            rows += run_pyg(path, layers, heads, repeats, pyg_python or sys.executable, pyg_device, clock)
        os.remove(path)
    return rows


def format_rows(rows):
    """Markdown table with PyG / this ratios (> 1: jaxgraph faster)."""
    pyg = {(r["layer"], r["nodes"], r["edges"]): r for r in rows if r["impl"] == "pyg" and r.get("fwd_ms")}
    lines = ["| layer | N | E | F | impl | variant | fwd ms | fwd+bwd ms | PyG/this fwd | PyG/this fwd+bwd |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("fwd_ms") is None:
            lines.append(f"| {r['layer']} | {r['nodes']} | {r['edges']} | {r['features']} | {r['impl']} | | skipped: "
                         f"{r.get('skipped', '')} | | | |")
            continue
        q = pyg.get((r["layer"], r["nodes"], r["edges"]))
        ra = f"{q['fwd_ms'] / r['fwd_ms']:.2f}x" if q else ""
        rb = f"{q['fwdbwd_ms'] / r['fwdbwd_ms']:.2f}x" if q else ""
        lines.append(f"| {r['layer']} | {r['nodes']} | {r['edges']} | {r['features']} | {r['impl']} | "
                     f"{r.get('variant', '')} | {r['fwd_ms']:.1f} | {r['fwdbwd_ms']:.1f} | {ra} | {rb} |")
    return "\n".join(lines)


def main(argv):
    del argv
    sizes = parse_sizes(_SIZES.value, _NODES.value, _EDGES.value, _AVG_DEGREE.value)
    rows = run(sizes, _FEATURES.value, _LAYERS.value, _IMPLS.value, _HEADS.value, _REPEATS.value,
               _PYG_PYTHON.value, _PYG_DEVICE.value, _CHECK.value, _SEED.value, clock=_CLOCK.value,
               pallas_interpret=_INTERPRET_OK.value)
    print(json.dumps(rows, indent=1))
    print(format_rows(rows))
    if _OUT.value:
        with open(_OUT.value, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    app.run(main)
