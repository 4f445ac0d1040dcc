"""Large-graph training on Cora and an ogbn-products-sized synthetic graph (issue 9, part 3).

    python experiments/large_graphs/main.py \
        --config=experiments/large_graphs/configs/default.py --workdir=workdir/large_graphs

Cora (public split): the same model trained full-graph, with GraphSAGE neighbour sampling and
with Cluster-GCN batches, over several seeds (issue bar: mini-batch within 1 point of
full-graph); then sampled and Cluster-GCN training on the synthetic products-like graph at the
configured scale (time per epoch, peak memory). Writes ``results.json`` and ``results.md``. The
logic lives in :func:`jaxgraph.train.minibatch.run_large_graphs`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from jaxgraph.train.cli import run_rows_experiment  # noqa: E402
from jaxgraph.train.minibatch import run_large_graphs, summarize  # noqa: E402

if __name__ == "__main__":
    run_rows_experiment(run_large_graphs, summarize)
