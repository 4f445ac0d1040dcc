"""Benchmarking Graph Neural Networks (Dwivedi et al., JMLR 2023 / arXiv:2003.00982): the
dataset x model table at a fixed parameter budget.

    python experiments/benchmarking_gnns/main.py \
        --config=experiments/benchmarking_gnns/configs/default.py:csl --workdir=workdir/bgnn_csl

Presets ``:csl`` (default), ``:pattern``, ``:cluster``, ``:zinc``. The logic lives in
:mod:`jaxgraph.models.benchmarking_gnns`. Writes ``workdir/results.json`` and ``results.md``.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxgraph.models.benchmarking_gnns import run_experiment  # noqa: E402
from jaxgraph.train import write_results  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and results.md go.")
flags.mark_flags_as_required(["config"])


def main(argv):
    del argv
    cfg = _CONFIG.value
    payload, text = run_experiment(cfg, log=lambda s: print(s, flush=True))
    print(text)
    write_results(_WORKDIR.value, {"config": cfg.to_dict(), **payload}, text)


if __name__ == "__main__":
    app.run(main)
