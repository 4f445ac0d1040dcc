"""Graph Mamba Networks (Behrouz & Hashemi, KDD 2024, "Graph Mamba: Towards Learning on Graphs
with State Space Models") vs GCN vs a full-attention graph transformer.

    python experiments/graph_mamba/main.py \
        --config=experiments/graph_mamba/configs/default.py --workdir=workdir/graph_mamba

(a) ring transfer (a node's label is the class planted on its antipode, k hops away), (b) a TU
graph-classification set (MUTAG, GIN folds): test accuracy per model; (c) compiled temp memory and
wall time of one training step vs graph size with fitted log-log exponents and ``scaling.png``.
Writes ``workdir/results.json`` and ``workdir/results.md``. Logic: ``jaxgraph.models.graph_mamba``.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxgraph.models.graph_mamba import run_graph_mamba  # noqa: E402
from jaxgraph.train import write_results  # noqa: E402
from jaxgraph.train.runners import format_table  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json, results.md and scaling.png go.")
flags.mark_flags_as_required(["config"])

ACC_COLUMNS = ["task", "model", "runs", "test_acc", "test_std", "best_epoch_acc", "params", "sec_per_epoch"]
SCALE_COLUMNS = ["model", "nodes", "temp_mib", "step_s"]


def main(argv):
    del argv
    cfg = _CONFIG.value
    res = run_graph_mamba(cfg, log=print, workdir=_WORKDIR.value)
    text = (f"Accuracy (final epoch; mean/std over seeds or folds)\n{format_table(res['summary'], ACC_COLUMNS)}\n\n"
            f"Training-step memory / time vs nodes\n{format_table(res['scaling'], SCALE_COLUMNS)}\n\n"
            f"Fitted log-log exponents (nodes >= {cfg.scaling.fit_min_nodes})\n"
            f"{format_table(res['exponents'], ['model', 'memory_exponent', 'time_exponent'])}\n"
            f"total {res['seconds']:.1f}s")
    print(text)
    write_results(_WORKDIR.value, {"config": cfg.to_dict(), **res}, text)


if __name__ == "__main__":
    app.run(main)
