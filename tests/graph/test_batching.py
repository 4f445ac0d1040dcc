"""Padding, batching, masks; padding invariance of graph ops; single compilation."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph import graph as G
from jaxgraph import ops
from jaxgraph.testing import CompileCounter, random_graphs


def test_batch_unbatch_roundtrip():
    gs = random_graphs(np.random.default_rng(0), 5, edge_f=2)
    b = G.batch(gs)
    G.validate_graph(b)
    for a, c in zip(gs, G.unbatch(b)):
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(c)):
            np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="zero graphs"):
        G.batch([])


def test_pad_and_masks():
    gs = random_graphs(np.random.default_rng(1), 4)
    b = G.batch(gs)
    budget = G.Budget(n_node=64, n_edge=128, n_graph=8)
    p = G.pad_to_budget(b, budget)
    assert p.nodes.shape[0] == 64 and p.senders.shape[0] == 128 and p.n_node.shape[0] == 8
    G.validate_graph(p)
    assert np.asarray(G.graph_mask(p)).tolist() == [True] * 4 + [False] * 4
    assert int(G.node_mask(p).sum()) == int(b.n_node.sum())
    assert int(G.edge_mask(p).sum()) == int(b.n_edge.sum())
    u = G.unpad(p)
    np.testing.assert_array_equal(u.senders, b.senders)
    np.testing.assert_array_equal(u.nodes, b.nodes)
    # jit-able masks
    m = jax.jit(G.graph_mask)(p)
    assert np.asarray(m).tolist() == [True] * 4 + [False] * 4


def test_pad_errors():
    g = random_graphs(np.random.default_rng(2), 1, n_range=(5, 5))[0]
    with pytest.raises(ValueError, match=r"graph has 5 nodes; budget.n_node=5 needs >= 6"):
        G.pad_to_budget(g, G.Budget(5, 100, 2))
    with pytest.raises(ValueError, match=r"budget.n_edge=1 is too small"):
        G.pad_to_budget(g, G.Budget(6, 1, 2))
    with pytest.raises(ValueError, match="Budget.n_graph must be >= 2"):
        G.Budget(6, 1, 1)
    empty_last = G.batch([g, G.from_edge_list([], [], 0, node_features=np.zeros((0, 4)))])
    with pytest.raises(ValueError, match="ambiguous"):
        G.pad_to_budget(empty_last, G.Budget(16, 64, 4))


def _ops_suite(graph, x, em):
    """Every graph op, on a (possibly padded) graph; the edge mask makes padding inert."""
    n = x.shape[0]
    s, r = graph.senders, graph.receivers
    out = {}
    for red in ("sum", "mean", "max", "min"):
        out[red] = ops.gather_scatter(x, s, r, n, reduce=red, edge_mask=em)
    logits = x[s, 0] * x[r, 1]
    att = ops.edge_softmax(logits, r, n, em)
    out["softmax_agg"] = ops.segment_sum(att[:, None] * x[s], r, n, em)
    gs, gr, gw, gm = ops.gcn_norm(s, r, n, edge_mask=em)
    out["gcn"] = ops.propagate_k(x, gs, gr, n, 3, gw, gm)
    out["lap"] = G.laplacian(graph._replace(nodes=x), x, edge_mask=em)
    out["deg"] = G.degrees(graph._replace(nodes=x), edge_mask=em)
    return out


def test_padding_invariance_of_graph_ops():
    gs = random_graphs(np.random.default_rng(4), 6, n_range=(2, 10))
    b = G.batch(gs)
    n = int(b.n_node.sum())
    ref = _ops_suite(b, jnp.asarray(b.nodes), jnp.ones(b.senders.shape, bool))
    p = G.pad_to_budget(b, G.Budget(n + 13, int(b.n_edge.sum()) + 17, 10))
    out = jax.jit(lambda gr: _ops_suite(gr, gr.nodes, G.edge_mask(gr)))(p)
    for k in ref:
        np.testing.assert_allclose(out[k][:n], ref[k], rtol=1e-5, atol=1e-6, err_msg=k)
        assert np.all(np.isfinite(out[k])), k


def test_ragged_batches_compile_once():
    rng = np.random.default_rng(7)
    gs = random_graphs(rng, 40, n_range=(1, 15))
    labels = rng.integers(0, 2, 40)
    budget = G.estimate_budget(gs, batch_size=8)
    f = CompileCounter(lambda gr, y: (G.degrees(gr, edge_mask=G.edge_mask(gr)).sum(), jnp.sum(y * G.graph_mask(gr))))
    seen_graphs, seen_pos = 0, 0
    for epoch in range(2):
        for padded, lab in G.iterate_batches(gs, 8, labels=labels, budget=budget, shuffle=True, seed=epoch):
            tot, pos = f(padded, lab)
            seen_graphs += int(G.graph_mask(padded).sum())
            seen_pos += int(pos)
    assert f.count == 1
    assert seen_graphs == 80 and seen_pos == 2 * labels.sum()


def test_estimate_budget_fits_worst_case():
    gs = random_graphs(np.random.default_rng(8), 30, n_range=(1, 30))
    bud = G.estimate_budget(gs, 4)
    biggest = sorted(gs, key=lambda g: -int(g.n_node[0]))[:4]
    G.pad_to_budget(G.batch(biggest), bud)  # must fit
    assert bud.n_node & (bud.n_node - 1) == 0  # power of two
    assert G.estimate_budget(gs, 4, multiple=64).n_node % 64 == 0


def test_quantile_budget_splits_overflowing_batches_and_keeps_every_graph():
    rng = np.random.default_rng(9)
    gs = random_graphs(rng, 60, n_range=(1, 6)) + random_graphs(rng, 3, n_range=(80, 90))  # skewed sizes
    worst = G.estimate_budget(gs, 8)
    typical = G.estimate_budget(gs, 8, quantile=0.5)
    assert typical.n_node < worst.n_node
    f = CompileCounter(lambda gr: G.graph_mask(gr).sum())
    seen = 0
    for padded, _ in G.iterate_batches(gs, 8, budget=typical, shuffle=True, seed=1):
        seen += int(f(padded))
    assert seen == len(gs) and f.count == 1
    with pytest.raises(ValueError, match="does not fit budget"):
        list(G.iterate_batches(gs, 8, budget=G.Budget(32, 512, 9)))
