"""Graph-level framework: classic GCN/GIN/GatedGCN vs GNN+ (Luo et al., "Can Classic GNNs Be Strong
Baselines for Graph-level Tasks?", ICML 2025) on fixed-split TU classification, ZINC-/QM9-style
regression and substructure counting ("Revisiting GNNs on Graph-level Tasks" framework).

    python experiments/graph_level/main.py \
        --config=experiments/graph_level/configs/default.py --workdir=workdir/graph_level

One row per (dataset, backbone, variant) with the test metric (mean ± std over seeds), then the
plain-vs-GNN+ table with the paper's numbers beside ours where comparable. Writes
``results.json`` ({"config", "rows"}) and ``results.md``. The logic lives in
:mod:`jaxgraph.train.graph_suite`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from jaxgraph.train.cli import run_rows_experiment  # noqa: E402
from jaxgraph.train.graph_suite import run_graph_suite, summarize  # noqa: E402


if __name__ == "__main__":
    run_rows_experiment(run_graph_suite, summarize)
