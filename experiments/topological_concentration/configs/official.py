"""The official training protocol of ``run_small.sh`` (GCN, M-LP predictor) in full:
``MLP(h_u ⊙ h_v)`` decoder on a 2-layer GCN with hidden 256, Adam lr 1e-3, minibatches of 1,152
positive training pairs, 1,000 epochs, model selection on validation Hits@100 every 5 epochs,
and the reweighted run with alpha = 2, updated every epoch from epoch 1 on Cora and from epoch 5
on CiteSeer (``--warm_up``). It checks whether the budget departures of the default (and of
``mlp.py``: lr 0.01, full batch, 250 epochs) change which topology feature tracks per-node
performance.

The first layer's ``X W`` and every propagation run as CSR sparse-dense products
(``sparse_features``; the same model, see ``experiments/benchmarks/tc_link_predictor.py``).
Presets (``--config=.../official.py:citeseer``): ``cora`` / ``citeseer``, the full 10-seed run of
one dataset, so that the two can run side by side; ``cora_gcn`` / ``citeseer_gcn``, seeds 0-4 and
no reweighting run; ``cora_gcn10`` / ``citeseer_gcn10``, seeds 0-9 and no reweighting run;
``cora_rw`` / ``citeseer_rw``, seeds 0-9, only the reweighted run (the plain models are
deterministic, so the two halves pair up by seed). Measured costs are in the TC README.
"""
from experiments.topological_concentration.configs import default


def get_config(preset: str = "full"):
    presets = ("full", "cora", "citeseer", "cora_gcn", "citeseer_gcn", "cora_gcn10", "citeseer_gcn10", "cora_rw",
               "citeseer_rw")
    if preset not in presets:
        raise ValueError(f"preset must be one of {presets}, got {preset!r}")
    c = default.get_config()
    # sparse_features: CSR products for X W and Â H (the same model, faster on the CPU)
    c.train = dict(c.train, hidden=256, decoder="mlp", learning_rate=1e-3, batch_size=1152, epochs=1000,
                   sparse_features=True)
    c.alpha = 2.0
    c.reweight_by_dataset = {"citeseer": {"warm_up": 5}}  # run_small.sh: Citeseer GCN-aug --warm_up=5
    if preset in ("cora", "citeseer"):  # the full run of one dataset (two can run side by side)
        c.datasets = [preset]
    elif preset.endswith("_rw"):
        c.datasets = [preset[:-3]]
        c.plain = False
    elif preset != "full":
        c.datasets = [preset.split("_")[0]]
        c.seeds = list(range(10 if preset.endswith("10") else 5))
        c.alpha = 0.0
    return c
