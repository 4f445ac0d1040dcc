"""Building GraphsTuples from edge lists, sparse/dense adjacency and networkx, and back.

All constructors return *numpy-backed* ``jraph.GraphsTuple`` objects (int32 indices,
float32 features unless given otherwise) that have passed :func:`validate_graph`.
Edges are directed: edge ``e`` carries a message ``senders[e] -> receivers[e]``.
"""
from __future__ import annotations

from typing import Any

import jraph
import numpy as np
import scipy.sparse as sp

from jaxgraph.graph.validate import check_counts, check_index_array, validate_graph

GraphsTuple = jraph.GraphsTuple

__all__ = [
    "from_edge_list",
    "to_edge_list",
    "from_scipy",
    "to_scipy",
    "from_dense",
    "to_dense",
    "from_networkx",
    "to_networkx",
    "as_float32",
]


def as_float32(tree: Any) -> Any:
    """Casts floating leaves of a feature tree to float32 numpy arrays (ints/bools kept)."""
    import jax

    def cast(x):
        a = np.asarray(x)
        return a.astype(np.float32) if np.issubdtype(a.dtype, np.floating) else a

    return None if tree is None else jax.tree_util.tree_map(cast, tree)


def from_edge_list(
    senders,
    receivers,
    n_node,
    node_features: Any = None,
    edge_features: Any = None,
    globals: Any = None,  # noqa: A002  (jraph's field name)
    n_edge=None,
) -> GraphsTuple:
    """Builds a GraphsTuple from a directed edge list.

    Args:
      senders: ``[E]`` integer source node of each edge.
      receivers: ``[E]`` integer target node of each edge.
      n_node: an int (one graph) or ``[G]`` per-graph node counts (a batch whose node
        indices are already offset, i.e. global).
      node_features: optional array ``[N, ...]`` or pytree of such arrays.
      edge_features: optional array ``[E, ...]`` or pytree of such arrays.
      globals: optional array ``[G, ...]`` or pytree.
      n_edge: ``[G]`` per-graph edge counts; required when ``n_node`` has several graphs.

    Returns:
      A validated numpy-backed GraphsTuple; floating features are cast to float32.

    Raises:
      ValueError: out-of-range or non-integer indices, mismatched lengths, counts that do
        not add up, negative counts, NaN/inf features; the message names the field.
    """
    s = np.asarray(senders)
    r = np.asarray(receivers)
    if s.shape != r.shape:
        raise ValueError(f"senders has shape {s.shape} but receivers has shape {r.shape}")
    nn = np.asarray(n_node)
    if nn.ndim == 0:
        if not np.issubdtype(nn.dtype, np.integer):
            raise ValueError(f"n_node must be an integer, got {n_node!r}")
        if int(nn) < 0:
            raise ValueError(f"n_node = {int(nn)} is negative")
        nn = nn.reshape(1)
    nn = check_counts("n_node", nn)
    total = int(nn.sum())
    s = check_index_array("senders", s, total)
    r = check_index_array("receivers", r, total)
    if n_edge is None:
        if len(nn) != 1:
            raise ValueError(f"n_edge is required when n_node has {len(nn)} graphs")
        ne = np.array([s.shape[0]], np.int32)
    else:
        ne = check_counts("n_edge", np.asarray(n_edge).reshape(-1), s.shape[0], "senders")
    graph = GraphsTuple(
        nodes=as_float32(node_features),
        edges=as_float32(edge_features),
        senders=s.astype(np.int32),
        receivers=r.astype(np.int32),
        globals=as_float32(globals),
        n_node=nn,
        n_edge=ne,
    )
    return validate_graph(graph)


def to_edge_list(graph: GraphsTuple) -> tuple[np.ndarray, np.ndarray]:
    """Returns ``(senders, receivers)`` as numpy int arrays."""
    return np.asarray(graph.senders), np.asarray(graph.receivers)


def _single_graph_size(graph: GraphsTuple) -> int:
    return int(np.asarray(graph.n_node).sum())


def from_scipy(adj, node_features: Any = None, use_weights_as_edge_features: bool = False) -> GraphsTuple:
    """Builds a graph from a square scipy.sparse adjacency ``A``.

    Entry ``A[i, j] != 0`` becomes the edge ``i -> j`` (sender i, receiver j). Explicitly
    stored zeros are kept as edges (they are structure). With
    ``use_weights_as_edge_features`` the values become ``edges`` of shape ``[E]``.
    """
    if not sp.issparse(adj):
        raise ValueError(f"adj must be a scipy.sparse matrix, got {type(adj).__name__}")
    if adj.shape[0] != adj.shape[1]:
        raise ValueError(f"adj must be square, got shape {adj.shape}")
    coo = sp.coo_matrix(adj)
    order = np.lexsort((coo.col, coo.row))
    row, col, val = coo.row[order], coo.col[order], coo.data[order]
    edges = val.astype(np.float32) if use_weights_as_edge_features else None
    return from_edge_list(row, col, adj.shape[0], node_features=node_features, edge_features=edges)


def to_scipy(graph: GraphsTuple, weights=None, sum_duplicates: bool = True) -> sp.csr_matrix:
    """Adjacency ``A[s, r] = weight`` (default 1) of a (possibly batched) graph, as CSR.

    Duplicate edges are summed (a multigraph gives multiplicities) unless
    ``sum_duplicates=False``, in which case they are collapsed to their last value.
    """
    n = _single_graph_size(graph)
    s, r = to_edge_list(graph)
    w = np.ones(len(s), np.float32) if weights is None else np.asarray(weights, np.float32)
    if w.shape != s.shape:
        raise ValueError(f"weights has shape {w.shape} but there are {len(s)} edges")
    if not sum_duplicates:
        m = sp.dok_matrix((n, n), dtype=np.float32)
        for a, b, x in zip(s, r, w):
            m[a, b] = x
        return m.tocsr()
    return sp.csr_matrix((w, (s, r)), shape=(n, n))


def from_dense(adj, node_features: Any = None, use_weights_as_edge_features: bool = False) -> GraphsTuple:
    """Builds a graph from a dense ``[N, N]`` adjacency; nonzero ``A[i, j]`` is edge ``i -> j``."""
    a = np.asarray(adj)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"adj must be a square [N, N] matrix, got shape {a.shape}")
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        raise ValueError("adj contains NaN/inf entries")
    row, col = np.nonzero(a)
    edges = a[row, col].astype(np.float32) if use_weights_as_edge_features else None
    return from_edge_list(row, col, a.shape[0], node_features=node_features, edge_features=edges)


def to_dense(graph: GraphsTuple, weights=None) -> np.ndarray:
    """Dense ``[N, N]`` adjacency with ``A[s, r] += weight`` (float32)."""
    return to_scipy(graph, weights).toarray()


def from_networkx(g, node_feature_key: str | None = None, edge_feature_key: str | None = None) -> GraphsTuple:
    """Builds a graph from a networkx (Di)Graph.

    Nodes are relabelled ``0..N-1`` in ``g.nodes`` order. An undirected graph yields both
    directions of every edge (a self loop once). Optional node/edge attributes named by
    the keys become ``nodes`` / ``edges``.
    """
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    s, r, ef = [], [], []
    directed = g.is_directed()
    for u, v, data in g.edges(data=True):
        pairs = [(u, v)] if directed or u == v else [(u, v), (v, u)]
        for a, b in pairs:
            s.append(index[a])
            r.append(index[b])
            if edge_feature_key is not None:
                if edge_feature_key not in data:
                    raise ValueError(f"edge ({u}, {v}) has no attribute {edge_feature_key!r}")
                ef.append(data[edge_feature_key])
    nf = None
    if node_feature_key is not None:
        missing = [v for v in nodes if node_feature_key not in g.nodes[v]]
        if missing:
            raise ValueError(f"node {missing[0]!r} has no attribute {node_feature_key!r}")
        nf = np.asarray([g.nodes[v][node_feature_key] for v in nodes])
    order = np.lexsort((np.asarray(r, np.int64), np.asarray(s, np.int64))) if s else np.zeros(0, int)
    s = np.asarray(s, np.int64)[order]
    r = np.asarray(r, np.int64)[order]
    edges = np.asarray(ef)[order] if edge_feature_key is not None else None
    return from_edge_list(s, r, len(nodes), node_features=nf, edge_features=edges)


def to_networkx(graph: GraphsTuple, directed: bool = True):
    """Converts to ``networkx.MultiDiGraph`` (directed) or ``networkx.Graph`` (undirected).

    Node ``i`` carries ``graph_index`` (which graph of the batch it belongs to).
    """
    import networkx as nx

    n_node = np.asarray(graph.n_node)
    n = int(n_node.sum())
    g = nx.MultiDiGraph() if directed else nx.Graph()
    gi = np.repeat(np.arange(len(n_node)), n_node)
    g.add_nodes_from((i, {"graph_index": int(gi[i])}) for i in range(n))
    s, r = to_edge_list(graph)
    g.add_edges_from(zip(s.tolist(), r.tolist()))
    return g
