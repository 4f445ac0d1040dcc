"""Balanced partitioning (covers every node once, balanced, cuts far fewer edges than random)
and Cluster-GCN batches (= the induced subgraph on the chosen parts, brute force)."""
from collections import Counter

import jraph
import networkx as nx
import numpy as np
import pytest

from jaxgraph.graph import from_networkx
from jaxgraph.graph.partition import ClusterBatcher, edge_cut, partition_graph


def _planted(groups=4, size=40, p_in=0.3, p_out=0.01, seed=0):
    g = nx.planted_partition_graph(groups, size, p_in, p_out, seed=seed)
    order = list(g.nodes)  # from_networkx numbers nodes in this order
    truth = np.array([v // size for v in order])
    g = nx.relabel_nodes(g, {v: i for i, v in enumerate(order)})
    gt = from_networkx(g)
    n = g.number_of_nodes()
    x = np.random.default_rng(seed).normal(size=(n, 3)).astype(np.float32)
    return g, gt._replace(nodes=x), truth


@pytest.mark.parametrize("k", [2, 3, 4, 7])
def test_partition_covers_balanced_and_beats_random(k):
    g, gt, truth = _planted()
    n = g.number_of_nodes()
    parts = partition_graph(gt, k, seed=0)
    assert parts.shape == (n,) and parts.min() == 0 and parts.max() == k - 1
    sizes = np.bincount(parts, minlength=k)
    assert sizes.sum() == n and sizes.max() - sizes.min() <= 1  # every node once, balanced
    cut = edge_cut(gt, parts)
    brute = sum(1 for u, v in g.edges() if u != v and parts[u] != parts[v])
    assert cut == brute
    rand = edge_cut(gt, partition_graph(gt, k, "random", seed=0))
    assert cut < 0.6 * rand, (cut, rand)
    if k == 4:  # the planted partition is found (up to a few nodes)
        assert cut <= 1.1 * edge_cut(gt, truth), (cut, edge_cut(gt, truth))


def test_partition_handles_disconnected_graphs_and_isolated_nodes():
    g = nx.disjoint_union_all([nx.path_graph(30), nx.cycle_graph(25), nx.empty_graph(5)])
    gt = from_networkx(g)._replace(nodes=np.zeros((60, 1), np.float32))
    parts = partition_graph(gt, 4, seed=1)
    assert np.bincount(parts).tolist() == [15, 15, 15, 15]
    assert edge_cut(gt, parts) <= 6


def test_cluster_batch_is_the_induced_subgraph():
    g, gt, _ = _planted(groups=3, size=25, p_in=0.25, p_out=0.05, seed=3)
    rng = np.random.default_rng(0)
    k, q = 6, 2
    parts = partition_graph(gt, k, seed=0)
    cb = ClusterBatcher(gt, parts, q)
    s, r = np.asarray(gt.senders), np.asarray(gt.receivers)
    seen, shapes = [], set()
    for b in cb.batches(rng):
        chosen = set(np.unique(parts[b.node_ids[b.node_mask]]).tolist())
        nodes = np.flatnonzero(np.isin(parts, list(chosen)))
        assert sorted(b.node_ids[b.node_mask].tolist()) == nodes.tolist()
        want = Counter((int(a), int(c)) for a, c in zip(s, r) if parts[a] in chosen and parts[c] in chosen)
        em = b.edge_mask
        got = Counter(zip(b.node_ids[b.graph.senders[em]].tolist(), b.node_ids[b.graph.receivers[em]].tolist()))
        assert got == want
        np.testing.assert_array_equal(b.graph.nodes[b.node_mask], np.asarray(gt.nodes)[b.node_ids[b.node_mask]])
        assert np.all(b.graph.nodes[~b.node_mask] == 0)
        shapes.add((b.graph.nodes.shape, b.graph.senders.shape))
        seen.extend(chosen)
    assert sorted(seen) == list(range(k))  # an epoch visits every part once
    assert len(shapes) == 1


def test_bad_arguments_raise():
    _, gt, _ = _planted()
    with pytest.raises(ValueError, match="k must"):
        partition_graph(gt, 0)
    with pytest.raises(ValueError, match="method"):
        partition_graph(gt, 2, "metis")
    with pytest.raises(ValueError, match="parts"):
        edge_cut(gt, np.zeros(3, int))
    parts = partition_graph(gt, 4)
    with pytest.raises(ValueError, match="q must"):
        ClusterBatcher(gt, parts, 5)
    with pytest.raises(ValueError, match="parts"):
        ClusterBatcher(gt, parts[:-1], 2)
    cb = ClusterBatcher(gt, parts, 2)
    with pytest.raises(ValueError, match="part_ids"):
        cb.batch([1, 1])
    with pytest.raises(ValueError, match="part_ids"):
        cb.batch([9])
