"""Builders, conversions and boundary validation of jaxgraph.graph."""
import jraph
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from jaxgraph import graph as G


def test_from_edge_list_basic():
    g = G.from_edge_list([0, 1, 2], [1, 2, 0], 3, node_features=np.eye(3, dtype=np.float64))
    assert g.nodes.dtype == np.float32 and g.senders.dtype == np.int32
    assert g.n_node.tolist() == [3] and g.n_edge.tolist() == [3]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(senders=[0, 3], receivers=[1, 2], n_node=3), r"senders\[1\] = 3 is out of range"),
        (dict(senders=[0, 1], receivers=[1, -1], n_node=3), r"receivers\[1\] = -1 is negative"),
        (dict(senders=[0, 1], receivers=[1], n_node=3), r"senders has shape \(2,\) but receivers has shape \(1,\)"),
        (dict(senders=[0.0, 1.0], receivers=[1, 2], n_node=3), r"senders must have an integer dtype"),
        (dict(senders=[0], receivers=[1], n_node=-2), r"n_node = -2 is negative"),
        (dict(senders=[0], receivers=[1], n_node=[2, 2], n_edge=[1, 1]), r"n_edge sums to 2 but senders has 1"),
        (dict(senders=[0, 3], receivers=[1, 2], n_node=[2, 2], n_edge=[1, 1]), None),
        (dict(senders=[0, 2], receivers=[1, 1], n_node=[2, 2], n_edge=[1, 1]), r"receivers\[1\] = 1 belongs to graph 0"),
        (dict(senders=[0], receivers=[1], n_node=[2, 2]), r"n_edge is required"),
        (dict(senders=[0], receivers=[1], n_node=2, node_features=np.zeros((3, 2))), r"nodes has leading dimension 3 but sum\(n_node\) is 2"),
        (dict(senders=[0], receivers=[1], n_node=2, node_features=np.array([[0.0], [np.nan]])), r"nodes\[1, 0\] = nan is not finite"),
        (dict(senders=[0], receivers=[1], n_node=2, edge_features={"w": np.array([np.inf])}), r"edges\['w'\]\[0\] = inf is not finite"),
        (dict(senders=[0], receivers=[1], n_node=2, edge_features=np.zeros((2, 1))), r"edges has leading dimension 2 but sum\(n_edge\) is 1"),
        (dict(senders=[0], receivers=[1], n_node=2, node_features=np.array([["a"], ["b"]], dtype=object)), r"dtype object"),
    ],
)
def test_bad_inputs_raise_naming_field(kwargs, match):
    if match is None:  # a valid batched graph (edge 3->2 is inside graph 1)
        G.from_edge_list(**kwargs)
        return
    with pytest.raises(ValueError, match=match):
        G.from_edge_list(**kwargs)


def test_validate_graph_catches_count_mismatch_and_globals():
    g = G.from_edge_list([0], [1], 2)
    with pytest.raises(ValueError, match=r"n_edge sums to 5"):
        G.validate_graph(g._replace(n_edge=np.array([5])))
    with pytest.raises(ValueError, match=r"n_node has 1 graphs but n_edge has 2"):
        G.validate_graph(g._replace(n_edge=np.array([1, 0])))
    with pytest.raises(ValueError, match=r"globals has leading dimension 2 but len\(n_node\) is 1"):
        G.validate_graph(g._replace(globals=np.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"must be a jraph.GraphsTuple"):
        G.validate_graph({"senders": [0]})


def test_scipy_dense_roundtrip():
    rng = np.random.default_rng(0)
    a = (rng.random((7, 7)) < 0.3).astype(np.float32) * rng.integers(1, 5, (7, 7))
    g = G.from_dense(a, use_weights_as_edge_features=True)
    np.testing.assert_array_equal(G.to_dense(g, weights=g.edges), a)
    g2 = G.from_scipy(sp.csr_matrix(a), use_weights_as_edge_features=True)
    np.testing.assert_array_equal(g2.senders, g.senders)
    np.testing.assert_array_equal(g2.receivers, g.receivers)
    np.testing.assert_array_equal(G.to_scipy(g2, g2.edges).toarray(), a)
    with pytest.raises(ValueError, match="square"):
        G.from_dense(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="scipy.sparse"):
        G.from_scipy(np.zeros((2, 2)))


def test_networkx_roundtrip_undirected_and_directed():
    k = nx.karate_club_graph()
    g = G.from_networkx(k)
    assert g.n_node[0] == 34 and g.n_edge[0] == 2 * k.number_of_edges()
    back = G.to_networkx(g, directed=False)
    assert nx.is_isomorphic(back, nx.Graph(k))
    d = nx.gnp_random_graph(15, 0.2, seed=1, directed=True)
    gd = G.from_networkx(d)
    assert gd.n_edge[0] == d.number_of_edges()
    assert set(zip(gd.senders.tolist(), gd.receivers.tolist())) == set(d.edges())


def test_networkx_features():
    h = nx.path_graph(3)
    for v in h.nodes:
        h.nodes[v]["x"] = [float(v), 1.0]
    for u, v in h.edges:
        h.edges[u, v]["w"] = u + v
    g = G.from_networkx(h, node_feature_key="x", edge_feature_key="w")
    np.testing.assert_array_equal(g.nodes[:, 0], [0, 1, 2])
    np.testing.assert_array_equal(g.edges, [1, 1, 3, 3])
    h.nodes[1].pop("x")
    with pytest.raises(ValueError, match="node 1 has no attribute 'x'"):
        G.from_networkx(h, node_feature_key="x")


def test_graphstuple_is_jraph():
    assert isinstance(G.from_edge_list([], [], 0), jraph.GraphsTuple)
