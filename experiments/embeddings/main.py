"""Node-embedding experiments of issue 10: FastRP vs DeepWalk / node2vec (multi-label F1 and
embedding time), graphlet orbit adjacencies vs random walks, and IRWE identity + position
embeddings.

    python experiments/embeddings/main.py --config=experiments/embeddings/configs/fastrp.py \
        --workdir=workdir/embeddings/fastrp

``config.task`` picks the runner: ``fastrp`` -> :func:`jaxgraph.embed.fastrp.run_fastrp`,
``fastrp_tune`` -> :func:`jaxgraph.embed.fastrp.run_fastrp_tune` (the official hyperparameter
search, on splits of its own), ``graphlets`` -> :func:`jaxgraph.embed.graphlets.run_graphlets`, ``irwe`` ->
:func:`jaxgraph.embed.irwe.run_irwe`. Each writes ``results.json`` and ``results.md``.
"""
import importlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from jaxgraph.train.cli import run_rows_experiment  # noqa: E402

# task -> module of jaxgraph.embed holding run_<task> / summarize_<task>
TASKS = {"fastrp": "fastrp", "fastrp_tune": "fastrp", "graphlets": "graphlets", "irwe": "irwe"}


def _module(cfg):
    task = cfg.get("task")
    if task not in TASKS:
        raise ValueError(f"config.task must be one of {tuple(TASKS)}, got {task!r}")
    return task, importlib.import_module(f"jaxgraph.embed.{TASKS[task]}")


def run(cfg, log=print):
    task, mod = _module(cfg)
    return getattr(mod, f"run_{task}")(cfg, log=log)


def summarize(rows, cfg):
    task, mod = _module(cfg)
    return getattr(mod, f"summarize_{task}")(rows, cfg)


if __name__ == "__main__":
    run_rows_experiment(run, summarize)
