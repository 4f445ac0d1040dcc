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

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxgraph.models.sheaf import run_sheaf_diffusion, summarize  # noqa: E402
from jaxgraph.train import write_results  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and results.md go.")
flags.mark_flags_as_required(["config"])


def main(argv):
    del argv
    cfg = _CONFIG.value.to_dict()
    rows = run_sheaf_diffusion(cfg, log=print)
    text = summarize(rows)
    print(text)
    write_results(_WORKDIR.value, {"config": cfg, "rows": rows}, text)


if __name__ == "__main__":
    app.run(main)
