"""Architectures assembled from :mod:`jaxgraph.nn`, and a registry by name."""
from jaxgraph.models.node import GAT, GCN
