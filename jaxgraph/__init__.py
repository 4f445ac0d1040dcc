"""jaxgraph: graph, geometric, temporal and provable deep learning in JAX.

Subpackages: :mod:`jaxgraph.graph` (GraphsTuple helpers), :mod:`jaxgraph.ops` (pure message
passing), :mod:`jaxgraph.nn` (flax layers), :mod:`jaxgraph.models`, :mod:`jaxgraph.data`
(real datasets), :mod:`jaxgraph.train` (training engine), :mod:`jaxgraph.testing`.
"""
from jaxgraph import data, graph, models, nn, ops, train

__version__ = "0.1.0"

__all__ = ["data", "graph", "models", "nn", "ops", "train", "__version__"]
