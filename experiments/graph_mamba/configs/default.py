"""Full configuration of the Graph Mamba experiment (Behrouz & Hashemi, KDD 2024, "Graph Mamba:
Towards Learning on Graphs with State Space Models"): GMN vs a 3-layer GCN vs a dense-attention
graph transformer on (a) ring transfer with k = 6 (labels planted 6 hops away; 512/256 rings of 12
nodes, 4 classes, 3 seeds) and (b) MUTAG (10 GIN folds), then training-step memory (compiled temp
bytes) and wall time vs graph size 1k..32k nodes. See ``jaxgraph.models.graph_mamba.default_config``
for every field."""
from jaxgraph.models.graph_mamba import default_config


def get_config():
    return default_config()
