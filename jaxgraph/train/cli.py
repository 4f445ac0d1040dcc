"""Shared absl entry point of the experiments whose logic is ``run(config_dict, log) -> rows``.

Importing this module defines the ``--config`` (ml_collections config file, ``path:preset``
allowed) and ``--workdir`` flags, so only an experiment's ``main.py`` imports it::

    from jaxgraph.train.cli import run_rows_experiment
    if __name__ == "__main__":
        run_rows_experiment(run_linkpred, lambda rows, cfg: summarize(rows))
"""
from __future__ import annotations

from typing import Callable

from absl import app, flags
from ml_collections import config_flags

from jaxgraph.train.loop import write_results

__all__ = ["run_rows_experiment"]

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and results.md go.")
flags.mark_flags_as_required(["config"])


def run_rows_experiment(run: Callable, summarize: Callable, *, code_block: bool = True) -> None:
    """Parse the flags, run ``run(cfg, log=print) -> rows`` on the config as a dict, print
    ``summarize(rows, cfg)`` and write ``results.json`` ({"config", "rows"}) and ``results.md``
    to ``--workdir`` (see :func:`jaxgraph.train.write_results`)."""

    def main(argv):
        del argv
        cfg = _CONFIG.value.to_dict()
        rows = run(cfg, log=print)
        text = summarize(rows, cfg)
        print(text)
        write_results(_WORKDIR.value, {"config": cfg, "rows": rows}, text, code_block=code_block)

    app.run(main)
