"""The ogbn-products-like generator at a small scale: sizes, degree distribution, homophily,
class-correlated features, a simple symmetric graph, determinism, and argument checks."""
import numpy as np
import pytest

from jaxgraph.data.synthetic_large import PRODUCTS_SIZES, degree_stats, edge_homophily, products_like


@pytest.fixture(scope="module")
def small():
    return products_like(0.004, seed=0)


def test_sizes_and_split(small):
    ds = small
    n = round(PRODUCTS_SIZES["nodes"] * 0.004)
    m = round(PRODUCTS_SIZES["edges"] * 0.004)
    assert ds.num_nodes == n
    e = len(ds.graph.senders)
    assert e % 2 == 0 and abs(e // 2 - m) <= 0.001 * m
    assert ds.graph.nodes.shape == (n, 100) and ds.graph.nodes.dtype == np.float32
    assert ds.num_classes == 47 and ds.labels.min() >= 0 and ds.labels.max() < 47
    assert len(np.unique(ds.labels)) >= 40  # skewed prior, but most classes present
    sp = ds.splits[0]
    assert (sp["train"].astype(int) + sp["val"] + sp["test"] == 1).all()  # disjoint, covering
    assert abs(sp["train"].mean() - 196_615 / 2_449_029) < 1e-3
    assert abs(sp["val"].mean() - 39_323 / 2_449_029) < 1e-3


def test_simple_symmetric_graph(small):
    s, r = np.asarray(small.graph.senders, np.int64), np.asarray(small.graph.receivers, np.int64)
    n = small.num_nodes
    assert not np.any(s == r)
    keys = s * n + r
    assert len(np.unique(keys)) == len(keys)  # no repeated edges
    np.testing.assert_array_equal(np.sort(keys), np.sort(r * n + s))  # both directions


def test_degree_distribution_and_homophily(small):
    st = degree_stats(small.graph)
    assert abs(st["mean"] - 2 * 61_859_140 / 2_449_029) < 0.02 * 50.5  # products' mean degree
    assert st["max"] > 10 * st["median"]  # heavy tail
    assert 2.0 < st["tail_exponent"] < 3.5, st
    # Brute-force homophily and the generator's target.
    h = edge_homophily(small.graph, small.labels)
    y = small.labels
    assert h == pytest.approx(np.mean([y[a] == y[b] for a, b in zip(small.graph.senders, small.graph.receivers)]))
    assert 0.75 < h < 0.9, h
    no_h = products_like(0.001, seed=0, homophily=0.0)
    assert edge_homophily(no_h.graph, no_h.labels) < 0.3


def test_features_are_class_correlated(small):
    x, y = small.graph.nodes, small.labels
    tr, te = small.splits[0]["train"] | small.splits[0]["val"], small.splits[0]["test"]
    classes = np.unique(y[tr])
    means = np.stack([x[tr & (y == c)].mean(0) for c in classes])
    pred = classes[np.argmin(((x[te][:, None, :] - means[None]) ** 2).sum(-1), axis=1)]
    acc = np.mean(pred == y[te])
    assert acc > 0.3  # nearest class mean, far above the majority class
    assert acc > 2 * np.max(np.bincount(y)) / len(y)
    noise = products_like(0.001, seed=0, feature_signal=0.0)
    assert abs(np.mean(noise.graph.nodes)) < 0.02 and abs(np.std(noise.graph.nodes) - 1) < 0.02


def test_seeded():
    a, b, c = products_like(0.0005, seed=3), products_like(0.0005, seed=3), products_like(0.0005, seed=4)
    np.testing.assert_array_equal(a.graph.senders, b.graph.senders)
    np.testing.assert_array_equal(a.graph.nodes, b.graph.nodes)
    assert len(a.graph.senders) != len(c.graph.senders) or not np.array_equal(a.graph.senders, c.graph.senders)


@pytest.mark.parametrize("kw,name", [(dict(scale=0.0), "scale"), (dict(scale=1e-3, homophily=1.5), "homophily"),
                                     (dict(scale=1e-3, power_law_exponent=1.5), "power_law_exponent"),
                                     (dict(scale=1e-3, chunk_edges=0), "chunk_edges"),
                                     (dict(scale=1e-3, num_classes=0), "num_classes")])
def test_bad_arguments_raise(kw, name):
    with pytest.raises(ValueError, match=name):
        products_like(**kw)
