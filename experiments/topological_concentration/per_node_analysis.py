"""Re-analyse a finished topological-concentration run from its per-node arrays, without
retraining: for each per-node metric, how much more (or less) each topology feature correlates
with the GCN's per-node performance than degree does, paired over seeds.

    python experiments/topological_concentration/per_node_analysis.py \
        --workdir=workdir/topological_concentration/s29_official_citeseer \
        --metrics=ndcg@10,hits@10,mrr --features=tc_train,tc_train_leaves,atc_cos

Reads ``<workdir>/per_node/per_node_*.npz`` (written by ``main.py``), prints one table per metric
(mean correlations, then the paired differences from ``--baseline``) and writes them to
``<workdir>/per_node_analysis.md``.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402

from jaxgraph.linkpred.tc import _by_dataset_model, _ms, paired_feature_rows, per_node_rows  # noqa: E402
from jaxgraph.train.runners import format_table  # noqa: E402

_WORKDIR = flags.DEFINE_string("workdir", None, "run directory holding per_node/", required=True)
_METRICS = flags.DEFINE_list("metrics", ["ndcg@10", "hits@10", "precision@10", "recall@10", "mrr"],
                             "per-node metrics to correlate")
_FEATURES = flags.DEFINE_list("features", ["tc_train", "tc_train_leaves", "density", "atc", "atc_cos"],
                              "topology features compared with the baseline")
_BASELINE = flags.DEFINE_string("baseline", "degree", "the feature every other is compared with")


def analyse(workdir: str, metrics, features, baseline: str = "degree") -> str:
    """The tables as markdown text; ``ValueError`` for empty ``metrics`` / ``features`` (and
    from :func:`jaxgraph.linkpred.tc.per_node_rows` for missing files, metrics or features)."""
    if not metrics or not features:
        raise ValueError(f"metrics and features must each name at least one, got {list(metrics)} and {list(features)}")
    out = []
    for metric in metrics:
        rows = per_node_rows(os.path.join(workdir, "per_node"), metric, [baseline, *features])
        mean_rows = []
        for (ds, model), rs in _by_dataset_model(rows).items():
            mean_rows.append({"dataset": ds, "model": model, "seeds": len(rs),
                              f"mean {metric}": _ms([r["mean_metric"] for r in rs]),
                              **{f"{kind[0].upper()}: {f}": _ms([r["corr"][f][kind] for r in rs])
                                 for kind in ("pearson", "spearman") for f in (baseline, *features)}})
        paired = paired_feature_rows(rows, features, baseline=baseline)
        out += [f"## per-node {metric}", "", "Mean correlation over seeds (P: Pearson, S: Spearman):", "",
                format_table(mean_rows, list(mean_rows[0].keys())), "",
                f"Paired over seeds, feature minus {baseline} (two-sided Wilcoxon):", "",
                format_table(paired, list(paired[0].keys())), ""]
    return "\n".join(out)


def main(argv):
    del argv
    text = analyse(_WORKDIR.value, _METRICS.value, _FEATURES.value, _BASELINE.value)
    print(text)
    with open(os.path.join(_WORKDIR.value, "per_node_analysis.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    app.run(main)
