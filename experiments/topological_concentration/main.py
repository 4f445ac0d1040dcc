"""Topological concentration and GCN link-prediction performance per node
(Wang et al., "A Topological Perspective on Demystifying GNN-Based Link Prediction Performance",
ICLR 2024; issue 10).

    python experiments/topological_concentration/main.py \
        --config=experiments/topological_concentration/configs/default.py \
        --workdir=workdir/topological_concentration

Per dataset (Cora, CiteSeer) and seed: a 70/10/20 link split, exact TC^Train / TC^Test, ATC,
degree and subgraph density of every node, a GCN link predictor with and without topological
reweighting, per-node ranking metrics and their correlations with the topology. Writes
``results.json``, ``results.md``, ``tc_vs_degree.png`` and ``per_node/*.npz`` (per-node metrics
and topology of every model) to the workdir. The logic lives in
:mod:`jaxgraph.linkpred.tc`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import flags  # noqa: E402

from jaxgraph.linkpred.tc import run_tc, summarize_tc  # noqa: E402
from jaxgraph.train.cli import run_rows_experiment  # noqa: E402


def _run(cfg, log=print):
    # the png and the per-node arrays go next to results.json
    workdir = flags.FLAGS.workdir
    return run_tc({**cfg, "plot_dir": cfg.get("plot_dir") or workdir,
                   "per_node_dir": cfg.get("per_node_dir") or os.path.join(workdir, "per_node")}, log=log)


if __name__ == "__main__":
    run_rows_experiment(_run, summarize_tc)
