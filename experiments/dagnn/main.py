"""DAGNN (Liu, Gao & Ji, "Towards Deeper Graph Neural Networks", KDD 2020; issue 8 part 3).

    python experiments/dagnn/main.py --config=experiments/dagnn/configs/default.py:cora \
        --workdir=workdir/dagnn/cora
    python experiments/dagnn/main.py --config=experiments/dagnn/configs/default.py:depth \
        --workdir=workdir/dagnn/depth

Presets ``cora`` / ``citeseer`` / ``accuracy``: DAGNN's test accuracy on the public Planetoid
split beside the paper's Table 3. Presets ``depth`` / ``depth_citeseer``: test accuracy vs depth
K for DAGNN (K hops) and a plain GCN (K layers), table + ``depth_<dataset>.png``. Writes
``results.json`` and ``results.md`` to ``--workdir``. The logic lives in
:mod:`jaxgraph.models.dagnn`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import flags  # noqa: E402

from jaxgraph.models.dagnn import run_experiment, summarize  # noqa: E402
from jaxgraph.train.cli import run_rows_experiment  # noqa: E402


def _run(cfg, log=print):
    cfg = {**cfg, "workdir": flags.FLAGS.workdir}
    return run_experiment(cfg, log=log)


if __name__ == "__main__":
    run_rows_experiment(_run, lambda rows, cfg: summarize(rows))
