"""Architectures assembled from :mod:`jaxgraph.nn`, and a registry by name."""
from jaxgraph.models.node import GAT, GCN
from jaxgraph.models.graph import GIN
from jaxgraph.models.graph_mamba import GMN, GCNBaseline, GraphTransformer
from jaxgraph.models.sheaf import NSD
from jaxgraph.models.registry import GRAPH_MODELS, NODE_MODELS, build_graph_model, build_node_model
from jaxgraph.models.dagnn import DAGNN, DeepGCN
from jaxgraph.models.graph_level import GraphLevelGNN, count_params, width_for_budget
