"""Real datasets in their original formats -> numpy GraphsTuples.

``jaxgraph.data.load(name, root=None)`` reads the original files through the data root
(see :mod:`jaxgraph.data.core`); ``jaxgraph.data.available()`` lists the names.
"""
from jaxgraph.data.core import (
    DatasetNotFoundError,
    GraphDataset,
    NodeDataset,
    SimplicialDataset,
    TemporalDataset,
    available,
    data_roots,
    find_file,
    load,
    malformed,
    register,
    sha256sum,
)

__all__ = [
    "DatasetNotFoundError",
    "GraphDataset",
    "NodeDataset",
    "SimplicialDataset",
    "TemporalDataset",
    "available",
    "data_roots",
    "find_file",
    "load",
    "malformed",
    "register",
    "sha256sum",
]
