"""Models by name, with the hyperparameters of the paper that introduced them.

``NODE_MODELS[name]`` gives a :class:`ModelSpec`: the module class, its constructor
defaults, and the training recipe (optimizer, epochs, early stopping) of the paper. The
experiment configs override any of these.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from jaxgraph.models.dagnn import DAGNN
from jaxgraph.models.graph import GIN
from jaxgraph.models.node import GAT, GCN

__all__ = ["ModelSpec", "NODE_MODELS", "GRAPH_MODELS", "build_node_model", "build_graph_model"]


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    cls: type
    model_kwargs: dict[str, Any]
    train_kwargs: dict[str, Any]
    citation: str


NODE_MODELS: dict[str, ModelSpec] = {
    # Kipf & Welling (ICLR 2017), Sec. 5.1 / App. B: 2 layers, 16 hidden, dropout 0.5,
    # L2 5e-4, Adam lr 0.01, 200 epochs.
    "gcn": ModelSpec(GCN, dict(hidden=16, num_layers=2, dropout=0.5),
                     dict(learning_rate=0.01, weight_decay=5e-4, num_epochs=200, patience=None,
                          monitor="val_accuracy"),
                     "Kipf & Welling, ICLR 2017"),
    # Veličković et al. (ICLR 2018), Sec. 3.3 (Cora): 8 heads x 8 features, ELU, 1 output head,
    # dropout 0.6 on inputs and attention, L2 5e-4, Adam lr 0.005, patience 100.
    "gat": ModelSpec(GAT, dict(hidden=8, heads=8, out_heads=1, dropout=0.6),
                     dict(learning_rate=0.005, weight_decay=5e-4, num_epochs=1000, patience=100,
                          monitor="val_accuracy"),
                     "Veličković et al., ICLR 2018"),
    # Liu, Gao & Ji (KDD 2020), Sec. 6.1 and the official run.sh (Cora, fixed split): 2-layer MLP,
    # 64 hidden, K=10, dropout 0.8, Adam lr 0.01, L2 0.005, 1000 epochs, selection by val loss
    # (CiteSeer: wd 0.02, dropout 0.5 — jaxgraph.models.dagnn.DAGNN_RECIPES). The official
    # stopping rule is jaxgraph.models.dagnn.select_epoch; patience 100 on val loss here.
    "dagnn": ModelSpec(DAGNN, dict(hidden=64, k=10, dropout=0.8),
                       dict(learning_rate=0.01, weight_decay=0.005, num_epochs=1000, patience=100,
                            monitor="val_loss"),
                       "Liu, Gao & Ji, KDD 2020"),
}


def build_node_model(name: str, num_classes: int, **overrides):
    """Instantiates ``NODE_MODELS[name]`` for ``num_classes`` with constructor overrides."""
    if name not in NODE_MODELS:
        raise ValueError(f"unknown node model {name!r}; known: {sorted(NODE_MODELS)}")
    spec = NODE_MODELS[name]
    return spec.cls(num_classes=num_classes, **{**spec.model_kwargs, **overrides})


GRAPH_MODELS: dict[str, ModelSpec] = {
    # Xu et al. (ICLR 2019), Sec. 7 and the official code's defaults: 5 layers (input included),
    # 2-layer MLPs, 64 hidden, BN, sum readout over all layers, dropout 0.5, Adam lr 0.01
    # halved every 50 epochs, batch 32, 350 epochs; GIN-0 (eps fixed at 0).
    "gin": ModelSpec(GIN, dict(hidden=64, num_layers=5, dropout=0.5, learn_eps=False),
                     dict(num_epochs=350, batch_size=32, learning_rate=0.01, decay_every=50, decay_rate=0.5),
                     "Xu et al., ICLR 2019"),
    "gin-eps": ModelSpec(GIN, dict(hidden=64, num_layers=5, dropout=0.5, learn_eps=True),
                         dict(num_epochs=350, batch_size=32, learning_rate=0.01, decay_every=50, decay_rate=0.5),
                         "Xu et al., ICLR 2019"),
}


def build_graph_model(name: str, num_classes: int, **overrides):
    """Instantiates ``GRAPH_MODELS[name]`` for ``num_classes`` with constructor overrides."""
    if name not in GRAPH_MODELS:
        raise ValueError(f"unknown graph model {name!r}; known: {sorted(GRAPH_MODELS)}")
    spec = GRAPH_MODELS[name]
    return spec.cls(num_classes=num_classes, **{**spec.model_kwargs, **overrides})
