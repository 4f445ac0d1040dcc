"""Zachary's karate club from networkx's bundled copy."""
from __future__ import annotations

import numpy as np
import pytest

import jaxgraph.data as jd

nx = pytest.importorskip("networkx")


@pytest.fixture(scope="module")
def karate():
    return jd.load("karate")


def test_statistics(karate):
    assert karate.name == "karate"
    assert karate.num_nodes == 34
    assert len(karate.graph.senders) == 156  # 78 undirected edges, both directions
    assert karate.num_classes == 2
    assert karate.splits == []  # no predefined split


def test_identity_features(karate):
    x = karate.graph.nodes
    assert x.dtype == np.float32
    assert np.array_equal(x, np.eye(34, dtype=np.float32))


def test_labels_from_club_attribute(karate):
    g = nx.karate_club_graph()
    expected = np.array([0 if g.nodes[v]["club"] == "Mr. Hi" else 1 for v in range(34)])
    assert np.array_equal(karate.labels, expected)
    assert np.bincount(karate.labels).tolist() == [17, 17]
    assert karate.labels[0] == 0 and karate.labels[33] == 1  # the instructor and the administrator


def test_edges_symmetric_sorted_match_networkx(karate):
    s = np.asarray(karate.graph.senders).astype(np.int64)
    r = np.asarray(karate.graph.receivers).astype(np.int64)
    key = s * 34 + r
    assert np.all(np.diff(key) > 0)
    assert not (s == r).any()
    expected = {(u, v) for u, v in nx.karate_club_graph().edges} | {(v, u) for u, v in nx.karate_club_graph().edges}
    assert set(zip(s.tolist(), r.tolist())) == expected


def test_edge_weights_aligned(karate):
    g = nx.karate_club_graph()
    if not all("weight" in d for _, _, d in g.edges(data=True)):
        pytest.skip("this networkx has no karate edge weights")
    w = karate.extras["edge_weight"]
    assert w.shape == (156,) and w.dtype == np.float32
    for a, b, x in zip(np.asarray(karate.graph.senders), np.asarray(karate.graph.receivers), w):
        assert g.edges[int(a), int(b)]["weight"] == x


def test_root_is_ignored(tmp_path):
    assert jd.load("karate", root=tmp_path).num_nodes == 34
