"""Neural Sheaf Diffusion vs GCN and MLP on the heterophilous and Planetoid graphs
(Bodnar et al., NeurIPS 2022, Table 1; issue 11).

    python experiments/sheaf_diffusion/main.py \
        --config=experiments/sheaf_diffusion/configs/default.py:webkb --workdir=workdir/sheaf_diffusion/webkb

Trains Diag-NSD, O(d)-NSD, Gen-NSD, GCN and MLP on each dataset's splits (the 10 Geom-GCN splits
of the heterophilous graphs; 10 seeded class-stratified 48/32/20 splits of Cora/CiteSeer) and
writes ``results.json`` and ``results.md`` (mean ± std test accuracy beside the paper's Table 1).
The logic lives in :func:`jaxgraph.models.sheaf.run_sheaf_diffusion`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from jaxgraph.models.sheaf import run_sheaf_diffusion, summarize  # noqa: E402
from jaxgraph.train.cli import run_rows_experiment  # noqa: E402


if __name__ == "__main__":
    run_rows_experiment(run_sheaf_diffusion, lambda rows, cfg: summarize(rows))
