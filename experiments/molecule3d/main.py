"""Molecule3D-style 3D geometry prediction from 2D molecular graphs (Xu et al., 2021).

    python experiments/molecule3d/main.py \
        --config=experiments/molecule3d/configs/default.py --workdir=workdir/molecule3d

Random and scaffold 6:2:2 splits of pcqm4mv2-2k; trivial (hop-count mean + MDS), RDKit ETKDGv3
and learned (GNN pair distances + MDS + stress) geometries scored by distance MAE, Kabsch RMSD
and validity; then the HOMO-LUMO gap predicted from true vs predicted geometry. Writes
``workdir/results.json`` and ``workdir/results.md``. The logic lives in
:func:`jaxgraph.equivariant.geometry.run_molecule3d`.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from jaxgraph.equivariant.geometry import run_molecule3d  # noqa: E402
from jaxgraph.train import write_results  # noqa: E402
from jaxgraph.train.runners import format_table  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and results.md go.")
flags.mark_flags_as_required(["config"])

GEOMETRY_COLUMNS = ["split", "method", "num_molecules", "distance_mae", "d_mae_pooled", "d_rmse_pooled", "rmsd_all",
                    "rmsd_heavy", "rmsd_all_mirror", "validity", "coverage", "seconds"]
RAW_COLUMNS = ["split", "method", "raw_d_mae_pooled", "raw_d_rmse_pooled", "raw_distance_matrix_mae", "raw_valid_edm",
               "raw_valid_3d", "train_seconds"]
PROPERTY_COLUMNS = ["split", "property_model", "geometry", "gap_mae_eV", "gap_mae_eV_etkdg_ok"]


def main(argv):
    del argv
    cfg = _CONFIG.value
    res = run_molecule3d(cfg.to_dict(), log=print)
    geo = format_table(res["rows"], GEOMETRY_COLUMNS)
    raw = format_table([r for r in res["rows"] if "raw_valid_edm" in r], RAW_COLUMNS)
    prop = format_table(res["property_rows"], PROPERTY_COLUMNS) if res["property_rows"] else "(property task off)"
    text = (f"Geometry (test split; distances/RMSD in Angstrom)\n{geo}\n\n"
            f"Learned model's raw predicted distance matrix (before MDS; Molecule3D's D-MAE, D-RMSE, "
            f"Validity, Validity3D)\n{raw}\n\n"
            f"HOMO-LUMO gap (test split, eV)\n{prop}\n\nscaffolds: {res['scaffold_check']}\n"
            f"total {res['seconds']:.0f}s")
    print(text)
    write_results(_WORKDIR.value, {"config": cfg.to_dict(), **res}, text)


if __name__ == "__main__":
    app.run(main)
