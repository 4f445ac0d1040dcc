"""Graph recommenders: sheaf recommender vs LightGCN vs BPR-MF (Purificato et al., "Sheaf Neural
Networks for Graph-based Recommender Systems", arXiv 2304.09097; He et al., LightGCN, SIGIR 2020).

    python experiments/recsys/main.py \
        --config=experiments/recsys/configs/default.py --workdir=workdir/recsys

Trains each model with BPR on each dataset and seed, evaluates Recall@20 / NDCG@20 by full ranking
over the items each user did not interact with in training, and writes ``results.json`` and
``results.md``. The logic lives in :func:`jaxgraph.apps.recsys.train.run_recsys`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from jaxgraph.apps.recsys.train import run_recsys, summarize  # noqa: E402
from jaxgraph.train.cli import run_rows_experiment  # noqa: E402


if __name__ == "__main__":
    run_rows_experiment(run_recsys, lambda rows, cfg: summarize(rows, k=cfg["k"]))
