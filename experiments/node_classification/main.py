"""Transductive node classification (Planetoid, heterophilous graphs, karate).

    python experiments/node_classification/main.py \
        --config=experiments/node_classification/configs/default.py --workdir=workdir/nc

Trains every model in ``config.models`` on every (split, seed), prints a table of mean test
accuracy and writes ``workdir/results.json``. The logic lives in
:func:`jaxgraph.train.runners.run_node_classification`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # configs import experiments.*

from absl import app, flags
from ml_collections import config_flags

from jaxgraph.train import write_json
from jaxgraph.train.runners import format_table, run_node_classification

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and per-run metrics go.")
flags.mark_flags_as_required(["config"])


def main(argv):
    del argv
    cfg = _CONFIG.value
    rows = run_node_classification(
        dataset=cfg.dataset,
        models=list(cfg.models),
        seeds=list(cfg.seeds),
        splits=None if cfg.splits is None else list(cfg.splits),
        workdir=_WORKDIR.value,
        data_root=cfg.get("data_root"),
        normalize_features=cfg.normalize_features,
        overrides=cfg.overrides.to_dict(),
        progress=cfg.progress,
        random_splits=cfg.get("random_splits"),
    )
    print(format_table(rows, ["model", "dataset", "runs", "test_acc_mean", "test_acc_std", "val_acc_mean", "seconds"]))
    if _WORKDIR.value:
        write_json(os.path.join(_WORKDIR.value, "results.json"), {"config": cfg.to_dict(), "rows": rows})


if __name__ == "__main__":
    app.run(main)
