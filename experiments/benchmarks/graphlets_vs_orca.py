"""Graphlet orbit counting: ours against ORCA (Hočevar & Demšar 2014) on the same graphs (issue 10).

    g++ -O2 -std=c++11 -o /tmp/orca orca.cpp        # orca.cpp from github.com/thocevar/orca
    python experiments/benchmarks/graphlets_vs_orca.py --orca=/tmp/orca \
        --out=experiments/benchmarks/graphlets_vs_orca_cpu.json

Per dataset (self loops dropped, duplicate edges collapsed) and graphlet size:

* ``ours-4``: :func:`jaxgraph.embed.graphlets.orbit_counts` (orbits 0-14, sparse algebra);
* ``ours-5 hom``: ``orbit_counts(..., max_nodes=5, method="hom")`` (orbits 0-72 from
  homomorphism counts, :mod:`jaxgraph.embed.graphlet_hom`);
* ``ours-5 enumerate``: ``orbit_counts(..., max_nodes=5, method="enumerate")`` (every connected
  induced subgraph on up to 5 nodes listed), skipped with the refusal message when the graph
  exceeds ``--max_candidates``;
* ``orca-4`` / ``orca-5``: the ORCA binary (``orca node 4|5``), timed as a subprocess including
  its file input and output.

Every pair is checked for equality (``equal`` column): ORCA is the independent reference on real
graphs. Prints a table and writes the rows as JSON to ``--out``. CPU only; single process.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402

_ORCA = flags.DEFINE_string("orca", None, "Path of the compiled ORCA binary (required).")
_DATASETS = flags.DEFINE_list("datasets", ["karate", "citeseer", "cora", "ppi", "wikipedia-pos"],
                              "jaxgraph.data names.")
_MAX_CANDIDATES = flags.DEFINE_float("max_candidates", 2e9, "Refusal threshold of the 5-node enumeration.")
_OUT = flags.DEFINE_string("out", None, "Write the rows as a JSON list here.")


def _graph(name):
    from jaxgraph import data
    from jaxgraph.embed.graphlets import adjacency_matrix

    return adjacency_matrix(data.load(name).graph, self_loops="drop")


def _orca(binary, a, size):
    import numpy as np
    import scipy.sparse as sp

    coo = sp.triu(a, 1).tocoo()
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "g.in"), "w") as f:
            f.write(f"{a.shape[0]} {coo.nnz}\n")
            f.writelines(f"{u} {v}\n" for u, v in zip(coo.row.tolist(), coo.col.tolist()))
        t0 = time.perf_counter()
        subprocess.run([binary, "node", str(size), os.path.join(d, "g.in"), os.path.join(d, "o.out")], check=True,
                       capture_output=True)
        seconds = time.perf_counter() - t0
        return np.loadtxt(os.path.join(d, "o.out"), dtype=np.int64, ndmin=2), seconds


def main(_):
    import numpy as np

    from jaxgraph.embed.graphlets import orbit_counts
    from jaxgraph.train.runners import format_table

    if not _ORCA.value or not os.path.exists(_ORCA.value):
        raise ValueError(f"--orca must name the compiled ORCA binary, got {_ORCA.value!r}")
    rows = []
    for name in _DATASETS.value:
        a = _graph(name)
        base = {"dataset": name, "nodes": int(a.shape[0]), "edges": int(a.nnz // 2)}
        for size, method, kw in ((4, "algebra", {}), (5, "hom", {"method": "hom"}),
                                 (5, "enumerate", {"method": "enumerate", "max_candidates": _MAX_CANDIDATES.value})):
            if size == 4 or method == "hom":
                ref, t_orca = _orca(_ORCA.value, a, size)
            t0 = time.perf_counter()
            try:
                ours = orbit_counts(a, max_nodes=size, **kw)
                t_ours, note = time.perf_counter() - t0, ""
                equal = bool(np.array_equal(ours, ref))
            except ValueError as e:
                t_ours, note, equal = None, str(e), None
            rows.append({**base, "size": size, "method": method, "orca_s": t_orca, "ours_s": t_ours, "equal": equal,
                         "ratio": None if t_ours is None else t_ours / t_orca, "note": note})
            print(rows[-1], flush=True)
    fmt = lambda v, f: "n/a" if v is None else format(v, f)
    table = [{"dataset": r["dataset"], "N": r["nodes"], "E": r["edges"], "graphlets": f"2-{r['size']} nodes",
              "ours": r["method"],
              "ORCA (s)": fmt(r["orca_s"], ".3f"), "ours (s)": fmt(r["ours_s"], ".3f"),
              "ours / ORCA": fmt(r["ratio"], ".1f"), "equal": r["equal"] if r["equal"] is not None else r["note"][:60]}
             for r in rows]
    print(format_table(table, list(table[0])))
    if _OUT.value:
        with open(_OUT.value, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    app.run(main)
