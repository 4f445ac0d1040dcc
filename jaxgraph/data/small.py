"""Small classic graphs bundled with Python packages (no data files needed).

``karate``: W. W. Zachary, "An Information Flow Model for Conflict and Fission in Small
Groups", Journal of Anthropological Research 33(4):452-473, 1977, as bundled in networkx
(``networkx.karate_club_graph``, which records the club each member joined after the split in
the node attribute ``club``).
"""
from __future__ import annotations

import numpy as np

from jaxgraph.data.core import NodeDataset, register
from jaxgraph.graph.build import from_edge_list, from_networkx

__all__ = ["load_karate", "KARATE_CLUBS"]

#: Label order: 0 = Mr. Hi's club (the instructor), 1 = the Officer's club (the administrator).
KARATE_CLUBS = ("Mr. Hi", "Officer")


@register("karate")
def load_karate(root=None) -> NodeDataset:
    """Zachary's karate club network (34 members, 78 friendships).

    Args:
      root: ignored; the data comes from networkx's bundled copy (networkx must be installed,
        ``pip install networkx``; it is in the ``test`` extra).

    Returns:
      :class:`NodeDataset` with ``graph`` of N=34 nodes and 156 directed edges (both
      directions of the 78 undirected edges, no self loops, sorted by sender then receiver),
      ``nodes`` = the identity matrix float32 ``[34, 34]`` (one-hot node ids: the data has no
      node features); ``labels`` int32 ``[34]``: 0 for ``'Mr. Hi'`` (17 members), 1 for
      ``'Officer'`` (17 members), from the ``club`` attribute; ``splits = []``: there is no
      predefined split (semi-supervised examples usually label one member of each club, e.g.
      nodes 0 and 33); ``num_classes = 2``. ``extras["edge_weight"]`` float32 ``[156]``, aligned
      with the edges, holds networkx's ``weight`` attribute (number of contexts in which the two
      members interacted) when present.
    """
    del root
    try:
        import networkx as nx
    except ImportError as e:  # pragma: no cover - networkx is a test dependency
        raise ImportError("load('karate') needs networkx: pip install networkx") from e

    g = nx.karate_club_graph()
    n = g.number_of_nodes()
    if list(g.nodes) != list(range(n)):
        raise ValueError("networkx's karate club graph is expected to have nodes 0..33 in order")
    labels = np.array([KARATE_CLUBS.index(g.nodes[v]["club"]) for v in g.nodes], np.int32)
    has_weight = all("weight" in d for _, _, d in g.edges(data=True))
    g_nx = from_networkx(g, edge_feature_key="weight" if has_weight else None)
    extras = {"edge_weight": np.asarray(g_nx.edges, np.float32)} if has_weight else {}
    graph = from_edge_list(g_nx.senders, g_nx.receivers, n, node_features=np.eye(n, dtype=np.float32))
    return NodeDataset(name="karate", graph=graph, labels=labels, splits=[], num_classes=2, extras=extras)
