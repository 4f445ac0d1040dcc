"""One training step of the TC paper's GCN link predictor (official protocol): jaxgraph with dense
products, jaxgraph with CSR products (``sparse_features=True``), and PyTorch Geometric, on the
same machine, same split, same initial weights, same run (issue 10).

    python experiments/benchmarks/tc_link_predictor.py --pyg_python=/tmp/pygenv/bin/python \\
        --out=experiments/benchmarks/tc_link_predictor_cpu.json

The model is ``configs/official.py``'s: a 2-layer GCN (hidden 256, precomputed GCN-normalised
edge weights with self loops, ``GCNConv(normalize=False)`` as the official code), the ``M-LP``
decoder ``MLP(h_u ⊙ h_v)``, BCE of 1,152 positive training pairs against 1,152 non-edges, Adam
(lr 1e-3) with global-norm clipping 1.0. One step = forward over the whole graph, backward,
clipping, Adam update. Features: the datasets' bag-of-words rows, L1-normalised
(``NormalizeFeatures``, as the official code).

PyG is timed with the edge list (``edge_index`` + ``edge_weight``: gather and scatter) and with a
sparse CSR adjacency (``adj_t``: sparse-dense products), both with dense ``X`` as the official
code feeds it. Before timing, every implementation computes, from the same initial weights, the
initial loss, ``sum |h|`` over the GCN output and the sum of the positive pairs' logits; the rows
record them, and the script stops if any differs from the dense JAX model beyond float32
precision. Times are medians of ``--repeats`` steps after 3 warm-up steps, wall clock; PyTorch uses
as many threads as JAX sees cores.

``--out FILE`` writes a JSON list of rows ``{"dataset", "nodes", "edges", "features",
"feature_nnz", "impl", "step_ms", "loss0", "h_abs_sum", "pos_logit_sum"}``.
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

_DATASETS = flags.DEFINE_list("datasets", ["cora", "citeseer"], "Planetoid datasets.")
_REPEATS = flags.DEFINE_integer("repeats", 30, "Timed steps (median reported).")
_HIDDEN = flags.DEFINE_integer("hidden", 256, "GCN width (official: 256).")
_BATCH = flags.DEFINE_integer("batch", 1152, "Positive pairs per step (official train_bsz: 1152).")
_PYG_PYTHON = flags.DEFINE_string("pyg_python", None, "Python with torch + torch_geometric (PyG rows).")
_OUT = flags.DEFINE_string("out", None, "Write the rows as a JSON list here.")

_PYG_WORKER = r'''
import json, statistics, sys, time
import numpy as np, torch
from torch_geometric.nn import GCNConv
d = np.load(sys.argv[1]); repeats = int(sys.argv[2]); torch.set_num_threads(int(sys.argv[3]))
x = torch.tensor(d["x"]); s = torch.tensor(d["senders"]).long(); r = torch.tensor(d["receivers"]).long()
w = torch.tensor(d["weight"]); n = x.shape[0]
pos = torch.tensor(d["pos"]).long(); neg = torch.tensor(d["neg"]).long()

class Net(torch.nn.Module):
    def __init__(self, f, h):
        super().__init__()
        self.c0 = GCNConv(f, h, normalize=False); self.c1 = GCNConv(h, h, normalize=False)
        self.d1 = torch.nn.Linear(h, h); self.d2 = torch.nn.Linear(h, 1)
    def forward(self, x, graph, weight):
        h = self.c1(torch.relu(self.c0(x, graph, weight)), graph, weight)
        def dec(p):
            return self.d2(torch.relu(self.d1(h[p[0]] * h[p[1]])))[:, 0]
        ps, ns = dec(pos), dec(neg)
        bce = torch.nn.functional.softplus
        return 0.5 * (bce(-ps).mean() + bce(ns).mean()), h, ps

rows = []
for impl in ("pyg_edge_index", "pyg_sparse_adj"):
    net = Net(x.shape[1], d["conv1_kernel"].shape[0])
    with torch.no_grad():  # the same initial weights as the JAX side (kernel [in, out] -> weight [out, in])
        net.c0.lin.weight.copy_(torch.tensor(d["conv0_kernel"]).T); net.c0.bias.copy_(torch.tensor(d["bias0"]))
        net.c1.lin.weight.copy_(torch.tensor(d["conv1_kernel"]).T); net.c1.bias.copy_(torch.tensor(d["bias1"]))
        net.d1.weight.copy_(torch.tensor(d["dec1_kernel"]).T); net.d1.bias.copy_(torch.tensor(d["dec1_bias"]))
        net.d2.weight.copy_(torch.tensor(d["dec2_kernel"]).T); net.d2.bias.copy_(torch.tensor(d["dec2_bias"]))
    if impl == "pyg_edge_index":
        graph, weight = torch.stack([s, r]), w
    else:  # adj_t[i, j] = weight of the edge j -> i; GCNConv then runs a sparse-dense product
        order = torch.argsort(r * n + s)
        graph = torch.sparse_coo_tensor(torch.stack([r[order], s[order]]), w[order], (n, n)).coalesce().to_sparse_csr()
        weight = None
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    with torch.no_grad():
        loss0, h0, ps0 = net(x, graph, weight)
    check = {"loss0": float(loss0), "h_abs_sum": float(h0.double().abs().sum()),
             "pos_logit_sum": float(ps0.double().sum())}
    def step():
        opt.zero_grad()
        loss = net(x, graph, weight)[0]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
    for _ in range(3):
        step()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
    rows.append({"impl": impl, "step_ms": 1e3 * statistics.median(ts), **check, "torch": torch.__version__})
print(json.dumps(rows))
'''


def _median_ms(fn, repeats):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return 1e3 * statistics.median(ts)


def _same_model(name, row, ref):
    """Every implementation must give the dense JAX model's initial loss, embeddings and logits
    (to float32 precision)."""
    for k, tol in (("loss0", 1e-5), ("h_abs_sum", 1e-4), ("pos_logit_sum", 1e-3)):
        if abs(row[k] - ref[k]) > tol * max(1.0, abs(ref[k])):
            raise SystemExit(f"{name} {row['impl']}: {k} = {row[k]} but jax_dense gives {ref[k]}: "
                             "not the same model")


def bench_dataset(name, hidden, batch, repeats, pyg_python=None):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxgraph import ops
    from jaxgraph.linkpred import tc
    from jaxgraph.linkpred.split import link_split, sample_negatives

    graph, x = tc._load_graph(name)
    split = link_split(graph, val_fraction=0.1, test_fraction=0.2, seed=0)
    n = split.num_nodes
    msg = np.asarray(split.message)
    s0, r0, w0, _ = ops.gcn_norm(jnp.asarray(msg[0], jnp.int32), jnp.asarray(msg[1], jnp.int32), n)
    train = np.asarray(split.train_pos)
    pos = train[:, :batch]
    neg = sample_negatives(n, np.concatenate([train, msg], axis=1), pos.shape[1], np.random.default_rng(0))
    pos_j, neg_j = jnp.asarray(pos, jnp.int32), jnp.asarray(neg, jnp.int32)
    base = {"dataset": name, "nodes": int(n), "edges": int(s0.shape[0]), "features": int(x.shape[1]),
            "feature_nnz": int((x != 0).sum()), "hidden": hidden, "batch": int(pos.shape[1]),
            "device": jax.devices()[0].device_kind, "jax": jax.__version__}
    rows, params0 = [], None
    for impl, sparse in (("jax_dense", False), ("jax_csr", True)):
        model = tc.GCNLinkPredictor(hidden=hidden, decoder="mlp", sparse_input=sparse)
        xj = tc.SparseFeatures.from_dense(x) if sparse else jnp.asarray(x)
        params = model.init(jax.random.PRNGKey(0), xj, s0, r0, w0, pos_j[:, :2])
        params0 = params0 or params  # same tree and values either way (tested)
        tx = tc.link_predictor_optimizer(1e-3)
        step = tc.make_train_step(model, tx, xj, s0, r0)
        key = jax.random.PRNGKey(1)
        loss0 = float(step(params0, tx.init(params0), w0, pos_j, neg_j, key)[2])
        h0 = model.apply(params0, xj, s0, r0, w0, method=tc.GCNLinkPredictor.encode)
        ps0 = model.apply(params0, h0[pos_j[0]], h0[pos_j[1]], method=tc.GCNLinkPredictor.decode)
        check = {"loss0": loss0, "h_abs_sum": float(np.abs(np.asarray(h0, np.float64)).sum()),
                 "pos_logit_sum": float(np.asarray(ps0, np.float64).sum())}
        state = [params0, tx.init(params0)]

        def one():
            p, o, loss = step(state[0], state[1], w0, pos_j, neg_j, key)
            jax.block_until_ready(loss)
            state[0], state[1] = p, o

        rows.append({**base, "impl": impl, "step_ms": _median_ms(one, repeats), **check})
        print(f"{name} {impl}: {rows[-1]['step_ms']:.1f} ms/step (initial loss {loss0:.6f}, sum|h| "
              f"{check['h_abs_sum']:.4f}, sum of positive logits {check['pos_logit_sum']:.6f})", flush=True)
    _same_model(name, rows[1], rows[0])
    if pyg_python:
        p = jax.tree_util.tree_map(np.asarray, params0["params"])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "data.npz")
            np.savez(path, x=x, senders=np.asarray(s0), receivers=np.asarray(r0), weight=np.asarray(w0),
                     pos=pos, neg=neg, conv0_kernel=p["conv0"]["kernel"], bias0=p["bias0"],
                     conv1_kernel=p["conv1"]["kernel"], bias1=p["bias1"], dec1_kernel=p["dec1"]["kernel"],
                     dec1_bias=p["dec1"]["bias"], dec2_kernel=p["dec2"]["kernel"], dec2_bias=p["dec2"]["bias"])
            script = os.path.join(tmp, "pyg_worker.py")
            with open(script, "w") as f:
                f.write(_PYG_WORKER)
            out = subprocess.run([pyg_python, script, path, str(repeats), str(os.cpu_count() or 1)],
                                 capture_output=True, text=True, check=True)
        for r in json.loads(out.stdout.strip().splitlines()[-1]):
            _same_model(name, r, rows[0])
            rows.append({**base, **r, "device": "cpu"})
            print(f"{name} {r['impl']}: {r['step_ms']:.1f} ms/step (initial loss {r['loss0']:.6f}, sum|h| "
                  f"{r['h_abs_sum']:.4f}, sum of positive logits {r['pos_logit_sum']:.6f})", flush=True)
    return rows


def main(argv):
    del argv
    rows = []
    for name in _DATASETS.value:
        rows += bench_dataset(name, _HIDDEN.value, _BATCH.value, _REPEATS.value, _PYG_PYTHON.value)
    if _OUT.value:
        with open(_OUT.value, "w") as f:
            json.dump(rows, f, indent=1)
    for name in _DATASETS.value:
        got = {r["impl"]: r["step_ms"] for r in rows if r["dataset"] == name}
        line = f"{name}: dense / csr = {got['jax_dense'] / got['jax_csr']:.2f}x"
        for peer in ("pyg_edge_index", "pyg_sparse_adj"):
            if peer in got:
                line += f", {peer} / csr = {got[peer] / got['jax_csr']:.2f}x"
        print(line)


if __name__ == "__main__":
    app.run(main)
