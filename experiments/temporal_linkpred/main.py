"""Temporal link prediction: NAT vs TGN-style vs CAWN-style (Luo & Li, LoG 2022; issue 7).

    python experiments/temporal_linkpred/main.py \
        --config=experiments/temporal_linkpred/configs/default.py --workdir=workdir/temporal_linkpred

For each dataset (UCI, Enron, Wikipedia) and setting (transductive, inductive: 10 % of the val/test
nodes masked out of training) trains each method on the chronological 70/15/15 split with random
negatives, reports test AP/AUC over the whole test set (and the per-batch mean, the paper code's
reporting), training throughput (events/s) and memory. Writes ``results.json`` and
``results.md``. The logic lives in :func:`jaxgraph.temporal.runner.run_linkpred`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from jaxgraph.temporal.runner import run_linkpred, summarize  # noqa: E402
from jaxgraph.train.cli import run_rows_experiment  # noqa: E402


if __name__ == "__main__":
    run_rows_experiment(run_linkpred, lambda rows, cfg: summarize(rows), code_block=False)
