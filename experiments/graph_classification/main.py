"""Graph classification with 10-fold cross-validation (TU datasets, GIN's folds).

    python experiments/graph_classification/main.py \
        --config=experiments/graph_classification/configs/default.py --workdir=workdir/gc

Follows Xu et al. (2019): per epoch, test accuracy averaged over the folds; reports the best
epoch's mean (the paper's protocol) and the last epoch's. Writes ``workdir/results.json`` and
a plot of the mean test-accuracy curve. The logic lives in
:func:`jaxgraph.train.graph.run_graph_classification_cv`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxgraph.train import write_json  # noqa: E402
from jaxgraph.train.graph import run_graph_classification_cv  # noqa: E402
from jaxgraph.train.runners import format_table  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and the curve plot go.")
flags.mark_flags_as_required(["config"])


def main(argv):
    del argv
    cfg = _CONFIG.value
    rows, full = [], []
    for dataset in cfg.datasets:
        for model in cfg.models:
            res = run_graph_classification_cv(
                dataset, model, quick=False, folds=None if cfg.folds is None else list(cfg.folds),
                num_epochs=cfg.num_epochs, data_root=cfg.get("data_root"),
                model_overrides=cfg.model_overrides.to_dict(), train_overrides=cfg.train_overrides.to_dict(),
                progress=cfg.progress, load_kwargs=cfg.load_kwargs.to_dict(),
            )
            full.append(res)
            rows.append({k: v for k, v in res.items() if k != "mean_curve"})
    print(format_table(rows, ["dataset", "model", "folds", "fold_source", "epochs", "best_epoch", "best_mean_accuracy",
                              "best_std_accuracy", "final_mean_accuracy", "seconds"]))
    if _WORKDIR.value:
        write_json(os.path.join(_WORKDIR.value, "results.json"), {"config": cfg.to_dict(), "rows": full})
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        for r in full:
            ax.plot([100 * a for a in r["mean_curve"]], label=f"{r['model']} {r['dataset']}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean test accuracy over folds (%)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(_WORKDIR.value, "curves.png"), dpi=120)


if __name__ == "__main__":
    app.run(main)
