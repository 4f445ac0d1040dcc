"""Experiment runners shared by ``experiments/*/main.py``, reproduce.py and notebooks."""
from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

__all__ = ["run_node_classification", "format_table"]


def format_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain-text table with one row per dict (floats to 4 significant places)."""
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)
    cells = [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths))
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells])


def run_node_classification(
    dataset: str,
    models: list[str],
    seeds: list[int],
    splits: list[int] | None = None,
    workdir: str | None = None,
    data_root: str | None = None,
    normalize_features: bool = True,
    overrides: dict[str, dict[str, Any]] | None = None,
    progress: bool = True,
    random_splits: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Trains each model on each (split, seed) and returns one summary row per model.

    Args:
      dataset: a name for :func:`jaxgraph.data.load` (e.g. 'cora', 'cora-embedded', 'texas').
      models: names in :data:`jaxgraph.models.registry.NODE_MODELS`.
      seeds: PRNG seeds; each (split, seed) pair is one run.
      splits: split indices (default: all of the dataset's splits).
      random_splits: for datasets without predefined splits, ``{"count", "train_per_class",
        "num_val"}`` for :func:`jaxgraph.data.splits.per_class_split` (seeds 0..count-1).
      overrides: per-model ``{"model": {...}, "train": {...}}`` overriding the paper defaults.
    Returns:
      rows ``{"model", "dataset", "runs", "test_acc_mean", "test_acc_std", "val_acc_mean",
      "seconds"}``; with ``workdir`` each run's metrics are written under it.
    """
    from jaxgraph import data
    from jaxgraph.models.registry import NODE_MODELS, build_node_model
    from jaxgraph.train.node import NodeTask, fit_node_classifier

    ds = data.load(dataset, root=data_root)
    if random_splits:
        from jaxgraph.data.splits import per_class_split

        rs = dict(random_splits)
        count = rs.pop("count", 1)
        ds.splits = [per_class_split(ds.labels, seed=i, **rs) for i in range(count)]
    elif not ds.splits:
        raise ValueError(f"dataset {dataset!r} defines no splits; pass random_splits")
    splits = list(range(len(ds.splits))) if splits is None else list(splits)
    overrides = overrides or {}
    rows = []
    for name in models:
        spec = NODE_MODELS.get(name)
        if spec is None:
            raise ValueError(f"unknown node model {name!r}; known: {sorted(NODE_MODELS)}")
        ov = overrides.get(name, {})
        model = build_node_model(name, ds.num_classes, **ov.get("model", {}))
        train_kw = {**spec.train_kwargs, **ov.get("train", {})}
        tests, vals = [], []
        t0 = time.time()
        for split in splits:
            task = NodeTask.from_dataset(ds, split, normalize_features)
            for seed in seeds:
                wd = None if workdir is None else os.path.join(workdir, name, f"split{split}_seed{seed}")
                res = fit_node_classifier(model, task, seed=seed, workdir=wd, progress=progress, **train_kw)
                tests.append(res.best_metrics["test_accuracy"])
                vals.append(res.best_metrics["val_accuracy"])
        rows.append({
            "model": name,
            "dataset": dataset,
            "runs": len(tests),
            "test_acc_mean": float(np.mean(tests)) * 100,
            "test_acc_std": float(np.std(tests)) * 100,
            "val_acc_mean": float(np.mean(vals)) * 100,
            "seconds": time.time() - t0,
        })
    return rows
