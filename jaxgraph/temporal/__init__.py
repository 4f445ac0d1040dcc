"""Continuous-time temporal networks: event-stream splits and batching, N-cache, NAT, baselines.

Paper: Luo & Li, "Neighborhood-aware Scalable Temporal Network Representation Learning" (NAT,
LoG 2022), with TGN-style (Rossi et al. 2020) and CAWN-style (Wang et al. 2021) baselines in one
framework:

* :mod:`~jaxgraph.temporal.stream`: chronological 70/15/15 splits (transductive / inductive),
  random and historical negatives, time-ordered padded batches, AP / AUC;
* :mod:`~jaxgraph.temporal.ncache`: N-caches (hashed per-node dictionaries, parallel
  deterministic batched update; Pallas kernels in ``kernels/ncache``);
* :mod:`~jaxgraph.temporal.neighbors`: per-node ring buffers of the last K interactions;
* :mod:`~jaxgraph.temporal.nat`, :mod:`~jaxgraph.temporal.tgn`, :mod:`~jaxgraph.temporal.cawn`:
  the models, all following :mod:`~jaxgraph.temporal.base`;
* :mod:`~jaxgraph.temporal.train`: one training / evaluation loop; :mod:`~jaxgraph.temporal.runner`:
  the comparison behind ``experiments/temporal_linkpred`` and ``experiments/benchmarks/temporal.py``.
"""
from jaxgraph.temporal.base import TemporalLinkModel, TimeEncoder
from jaxgraph.temporal.cawn import CAWN
from jaxgraph.temporal.nat import NAT, joint_structural_features
from jaxgraph.temporal.ncache import NCache, ncache_fetch, ncache_hash, ncache_init, ncache_update
from jaxgraph.temporal.neighbors import NeighborBuffer, init_neighbor_buffer, recent_neighbors, update_neighbor_buffer
from jaxgraph.temporal.stream import (EventBatch, EventSplit, HistoricalNegatives, chronological_split, eval_negatives,
                                      iterate_batches, link_metrics, random_negatives)
from jaxgraph.temporal.tgn import TGN
from jaxgraph.temporal.train import TrainConfig, fit_and_evaluate

__all__ = [
    "TemporalLinkModel", "TimeEncoder", "CAWN", "NAT", "TGN", "joint_structural_features",
    "NCache", "ncache_fetch", "ncache_hash", "ncache_init", "ncache_update",
    "NeighborBuffer", "init_neighbor_buffer", "recent_neighbors", "update_neighbor_buffer",
    "EventBatch", "EventSplit", "HistoricalNegatives", "chronological_split", "eval_negatives",
    "iterate_batches", "link_metrics", "random_negatives", "TrainConfig", "fit_and_evaluate",
]
