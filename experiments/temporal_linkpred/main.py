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

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxgraph.temporal.runner import run_linkpred, summarize  # noqa: E402
from jaxgraph.train import write_results  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and results.md go.")
flags.mark_flags_as_required(["config"])


def main(argv):
    del argv
    cfg = _CONFIG.value.to_dict()
    rows = run_linkpred(cfg, log=print)
    text = summarize(rows)
    print(text)
    write_results(_WORKDIR.value, {"config": cfg, "rows": rows}, text, code_block=False)


if __name__ == "__main__":
    app.run(main)
