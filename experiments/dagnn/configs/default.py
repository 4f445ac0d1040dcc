"""DAGNN (Liu, Gao & Ji, KDD 2020): accuracy on the public Planetoid splits and accuracy vs depth.

    --config=experiments/dagnn/configs/default.py:cora             DAGNN on Cora (Table 3)
    --config=experiments/dagnn/configs/default.py:citeseer         DAGNN on CiteSeer (Table 3)
    --config=experiments/dagnn/configs/default.py:accuracy         both
    --config=experiments/dagnn/configs/default.py:depth            Cora, DAGNN K hops vs GCN K layers
    --config=experiments/dagnn/configs/default.py:depth_citeseer   the same on CiteSeer

DAGNN recipe (official run.sh of github.com/divelab/DeeperGNN, fixed splits; dagnn.py defaults):
hidden 64, lr 0.01, up to 1000 epochs, test accuracy at the lowest validation loss with the
official stopping rule; Cora K=10, wd 0.005, dropout 0.8; CiteSeer K=10, wd 0.02, dropout 0.5
(:data:`jaxgraph.models.dagnn.DAGNN_RECIPES`). The paper averages 100 runs; the CPU budget
(~25 min a run on 2 shared cores) gives 20 seeds for the accuracy presets and 3 for the depth study.
Depth-study GCN: Kipf & Welling's plain GCN (no residual), hidden 64, dropout 0.5, lr 0.01,
wd 5e-4, 200 epochs, same selection rule.
"""
import ml_collections

PRESETS = {
    "cora": dict(accuracy_datasets=["cora"], depth_datasets=[]),
    "citeseer": dict(accuracy_datasets=["citeseer"], depth_datasets=[]),
    "accuracy": dict(accuracy_datasets=["cora", "citeseer"], depth_datasets=[]),
    "depth": dict(accuracy_datasets=[], depth_datasets=["cora"]),
    "depth_citeseer": dict(accuracy_datasets=[], depth_datasets=["citeseer"]),
}


def get_config(preset: str = "accuracy"):
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    c = ml_collections.ConfigDict()
    c.preset = preset
    c.accuracy_datasets = PRESETS[preset]["accuracy_datasets"]
    c.depth_datasets = PRESETS[preset]["depth_datasets"]
    c.seed = 0
    c.num_seeds = 20  # accuracy runs (paper: 100)
    c.depth_num_seeds = 3  # each (model, depth) of the depth study
    c.depths = [1, 2, 5, 10, 20, 50, 100]
    c.rule = "official"  # model selection / stopping (jaxgraph.models.dagnn.select_epoch)
    c.patience = 100
    c.dagnn_model = {}  # overrides of DAGNN_RECIPES[dataset]["model"]
    c.dagnn_train = {}  # overrides of DAGNN_RECIPES[dataset]["train"] (+ num_epochs, default 1000)
    c.gcn_model = dict(hidden=64, dropout=0.5)
    c.gcn_train = dict(num_epochs=200, learning_rate=0.01, weight_decay=5e-4)
    c.data_root = None
    c.workdir = None  # set by main.py from --workdir (the depth plot goes there)
    return c
