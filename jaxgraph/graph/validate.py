"""Validation of GraphsTuples at the library boundary.

Every public constructor and loader calls :func:`validate_graph` (or the finer
checks below) so that a malformed graph fails early with a ``ValueError`` that
names the offending field and value, instead of producing silent garbage inside
``jit`` (where out-of-range gathers are clipped and scatters are dropped).
"""
from __future__ import annotations

from typing import Any

import jax
import jraph
import numpy as np

GraphsTuple = jraph.GraphsTuple

__all__ = ["validate_graph", "check_index_array", "check_features", "check_counts"]


def _leaves(tree: Any):
    if tree is None:
        return []
    return jax.tree_util.tree_leaves_with_path(tree)


def _path_str(field: str, path) -> str:
    return field + "".join(jax.tree_util.keystr((p,)) for p in path)


def check_index_array(name: str, arr, upper: int | None = None) -> np.ndarray:
    """Checks that ``arr`` is a 1-D integer array with values in ``[0, upper)``.

    Returns it as ``np.int32`` (or int64 if values exceed int32).
    Raises:
      ValueError: naming ``name`` when the array is not 1-D, not integral, or out of range.
    """
    a = np.asarray(arr)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D index array, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        if np.issubdtype(a.dtype, np.floating) and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
            raise ValueError(f"{name} must have an integer dtype, got {a.dtype} (cast it explicitly)")
        raise ValueError(f"{name} must have an integer dtype, got {a.dtype}")
    if a.size == 0:
        return a.astype(np.int32)
    lo, hi = int(a.min()), int(a.max())
    if lo < 0:
        bad = int(np.flatnonzero(a < 0)[0])
        raise ValueError(f"{name}[{bad}] = {int(a[bad])} is negative; indices must lie in [0, {upper})")
    if upper is not None and hi >= upper:
        bad = int(np.flatnonzero(a >= upper)[0])
        raise ValueError(f"{name}[{bad}] = {int(a[bad])} is out of range [0, {upper})")
    return a.astype(np.int32 if hi < 2**31 - 1 else np.int64)


def check_counts(name: str, counts, total: int | None = None, total_name: str = "") -> np.ndarray:
    """Checks a 1-D array of non-negative integer counts, optionally summing to ``total``."""
    c = np.asarray(counts)
    if c.ndim == 0:
        c = c.reshape(1)
    if c.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of counts, got shape {c.shape}")
    if c.size and not np.issubdtype(c.dtype, np.integer):
        raise ValueError(f"{name} must have an integer dtype, got {c.dtype}")
    if c.size and c.min() < 0:
        bad = int(np.flatnonzero(c < 0)[0])
        raise ValueError(f"{name}[{bad}] = {int(c[bad])} is negative")
    if total is not None and int(c.sum()) != total:
        raise ValueError(
            f"{name} sums to {int(c.sum())} but {total_name} has {total} rows; the counts must add up"
        )
    return c.astype(np.int32)


def check_features(field: str, tree: Any, leading: int | None, leading_name: str = "") -> None:
    """Checks every array leaf of a feature tree: leading dimension and finiteness.

    Raises:
      ValueError: naming the leaf (e.g. ``nodes['positions']``) when its leading dimension is
        not ``leading`` or it holds NaN/inf, or it is not numeric.
    """
    for path, leaf in _leaves(tree):
        name = _path_str(field, path)
        if hasattr(leaf, "array") and hasattr(leaf, "irreps"):  # e3nn IrrepsArray
            leaf = leaf.array
        a = np.asarray(leaf)
        if a.dtype == object:
            raise ValueError(f"{name} has dtype object; features must be numeric arrays")
        if a.ndim == 0:
            raise ValueError(f"{name} must have a leading dimension of {leading}, got a scalar")
        if leading is not None and a.shape[0] != leading:
            raise ValueError(
                f"{name} has leading dimension {a.shape[0]} but {leading_name} is {leading}"
            )
        if np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.complexfloating):
            finite = np.isfinite(a)
            if not finite.all():
                idx = tuple(int(i) for i in np.unravel_index(int(np.flatnonzero(~finite.ravel())[0]), a.shape))
                raise ValueError(f"{name}{list(idx)} = {a[idx]} is not finite (NaN/inf features)")
        elif not (np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_):
            raise ValueError(f"{name} has unsupported dtype {a.dtype}")


def validate_graph(graph: GraphsTuple) -> GraphsTuple:
    """Validates a (possibly batched) GraphsTuple on the host.

    Checks, raising ``ValueError`` that names the field and the bad value:
      * ``n_node``/``n_edge`` are 1-D non-negative integer counts of equal length;
      * ``senders``/``receivers`` are integer, equal length, sum(n_edge) long and in
        ``[0, sum(n_node))``;
      * each edge joins two nodes of the same graph;
      * ``nodes``/``edges``/``globals`` leaves have leading dimension sum(n_node) /
        sum(n_edge) / len(n_node) and finite values.

    Returns:
      The graph unchanged (so it can be used inline).
    """
    if not isinstance(graph, GraphsTuple):
        raise ValueError(f"graph must be a jraph.GraphsTuple, got {type(graph).__name__}")
    if graph.n_node is None or graph.n_edge is None:
        raise ValueError("graph.n_node and graph.n_edge must be set")
    n_node = check_counts("n_node", graph.n_node)
    n_edge = check_counts("n_edge", graph.n_edge)
    if n_node.shape != n_edge.shape:
        raise ValueError(
            f"n_node has {n_node.shape[0]} graphs but n_edge has {n_edge.shape[0]}; they must match"
        )
    total_nodes, total_edges = int(n_node.sum()), int(n_edge.sum())
    if graph.senders is None or graph.receivers is None:
        if total_edges:
            raise ValueError(f"n_edge sums to {total_edges} but senders/receivers are None")
    else:
        s = np.asarray(graph.senders)
        r = np.asarray(graph.receivers)
        if s.shape != r.shape:
            raise ValueError(f"senders has shape {s.shape} but receivers has shape {r.shape}")
        if s.ndim != 1 or s.shape[0] != total_edges:
            raise ValueError(
                f"n_edge sums to {total_edges} but senders has shape {s.shape}; the counts must add up"
            )
        s = check_index_array("senders", s, total_nodes)
        r = check_index_array("receivers", r, total_nodes)
        if len(n_node) > 1 and total_edges:
            node_graph = np.repeat(np.arange(len(n_node)), n_node)
            edge_graph = np.repeat(np.arange(len(n_edge)), n_edge)
            for nm, idx in (("senders", s), ("receivers", r)):
                wrong = node_graph[idx] != edge_graph
                if wrong.any():
                    e = int(np.flatnonzero(wrong)[0])
                    raise ValueError(
                        f"{nm}[{e}] = {int(idx[e])} belongs to graph {int(node_graph[idx[e]])} "
                        f"but edge {e} belongs to graph {int(edge_graph[e])}"
                    )
    check_features("nodes", graph.nodes, total_nodes, "sum(n_node)")
    check_features("edges", graph.edges, total_edges, "sum(n_edge)")
    check_features("globals", graph.globals, len(n_node), "len(n_node)")
    return graph
