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

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxgraph.apps.recsys.train import run_recsys, summarize  # noqa: E402
from jaxgraph.train import write_results  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and results.md go.")
flags.mark_flags_as_required(["config"])


def main(argv):
    del argv
    cfg = _CONFIG.value.to_dict()
    rows = run_recsys(cfg, log=print)
    text = summarize(rows, k=cfg["k"])
    print(text)
    write_results(_WORKDIR.value, {"config": cfg, "rows": rows}, text)


if __name__ == "__main__":
    app.run(main)
