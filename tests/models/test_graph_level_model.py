"""GraphLevelGNN (Dwivedi et al. benchmarking stack + GNN+ switches): padding invariance,
permutation invariance/equivariance for every conv, parameter budgets."""
import jax
import jraph
import numpy as np
import pytest

from jaxgraph.graph.batching import Budget, batch, pad_to_budget
from jaxgraph.models.graph_level import CONVS, GraphLevelGNN, count_params, width_for_budget


def _graph(rng, n, f=3, fe=2, p=0.4):
    a = np.triu(rng.random((n, n)) < p, 1)
    s, r = np.nonzero(a | a.T)
    return jraph.GraphsTuple(
        nodes=rng.normal(size=(n, f)).astype(np.float32), edges=rng.normal(size=(len(s), fe)).astype(np.float32),
        senders=s.astype(np.int32), receivers=r.astype(np.int32), n_node=np.array([n], np.int32),
        n_edge=np.array([len(s)], np.int32), globals=None)


def _graphs(seed=0, sizes=(5, 7, 4)):
    rng = np.random.default_rng(seed)
    return [_graph(rng, n) for n in sizes]


def _apply(model, variables, g, train):
    if train:
        out, _ = model.apply(variables, g, deterministic=False, mutable=["batch_stats"],
                             rngs={"dropout": jax.random.PRNGKey(3)})
        return np.asarray(out)
    return np.asarray(model.apply(variables, g, deterministic=True))


def _permute(g, perm):
    """Relabels nodes of a single graph: new node k is old node perm[k]."""
    inv = np.argsort(perm)
    return g._replace(nodes=g.nodes[perm], senders=inv[g.senders].astype(np.int32),
                      receivers=inv[g.receivers].astype(np.int32))


@pytest.mark.parametrize("conv,task", [(c, "graph") for c in CONVS] + [("gatedgcn", "node"), ("gat", "node")])
def test_padding_invariance_and_permutation(conv, task):
    model = GraphLevelGNN(conv, hidden=8, num_layers=2, out_dim=3, task=task, heads=2,
                          use_edge_features=conv in ("gcn", "gin"), ffn=conv == "sage")
    gs = _graphs()
    # Masks need a padded batch (the last graph is padding): compare a tight budget with a loose one.
    pad_small = lambda g: pad_to_budget(g, Budget(n_node=17, n_edge=int(g.n_edge.sum()), n_graph=4))
    b = pad_small(batch(gs))
    padded = pad_to_budget(batch(gs), Budget(n_node=40, n_edge=96, n_graph=7))
    variables = model.init(jax.random.PRNGKey(0), b)
    # Non-trivial batch-norm running statistics, so evaluation mode is tested too.
    variables = {**variables, "batch_stats": jax.tree_util.tree_map(
        lambda x: x + 0.3 * np.random.default_rng(2).random(x.shape).astype(np.float32), variables.get("batch_stats", {}))}
    for train in (False, True):
        out_b = _apply(model, variables, b, train)
        out_p = _apply(model, variables, padded, train)
        rows = 3 if task == "graph" else 16
        np.testing.assert_allclose(out_p[:rows], out_b[:rows], rtol=1e-4, atol=1e-5)
        assert np.all(np.isfinite(out_p))
    # permutation of the nodes of the middle graph
    perm = np.random.default_rng(1).permutation(7)
    gs2 = [gs[0], _permute(gs[1], perm), gs[2]]
    b2 = pad_small(batch(gs2))
    for train in (False, True):
        o1 = _apply(model, variables, b, train)
        o2 = _apply(model, variables, b2, train)
        if task == "graph":
            np.testing.assert_allclose(o2[:3], o1[:3], rtol=1e-4, atol=1e-5)
        else:
            np.testing.assert_allclose(o2[5:12], o1[5:12][perm], rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(o2[:5], o1[:5], rtol=1e-4, atol=1e-5)


def test_outputs_depend_on_structure():
    """A real message-passing model separates two graphs with equal node features but
    different edges; the MLP baseline cannot."""
    rng = np.random.default_rng(0)
    g = _graph(rng, 6, p=0.5)
    ring = np.arange(6)
    g2 = g._replace(senders=np.concatenate([ring, (ring + 1) % 6]).astype(np.int32),
                    receivers=np.concatenate([(ring + 1) % 6, ring]).astype(np.int32),
                    edges=np.ones((12, 2), np.float32), n_edge=np.array([12], np.int32))
    g = g._replace(edges=np.ones((g.senders.shape[0], 2), np.float32))
    pad = lambda x: pad_to_budget(x, Budget(n_node=8, n_edge=40, n_graph=2))
    g, g2 = pad(g), pad(g2)
    for conv, differs in [("gcn", True), ("gin", True), ("gatedgcn", True), ("mlp", False)]:
        m = GraphLevelGNN(conv, hidden=8, num_layers=2, out_dim=2, norm="none")
        v = m.init(jax.random.PRNGKey(0), g)
        d = np.abs(np.asarray(m.apply(v, g))[0] - np.asarray(m.apply(v, g2))[0]).max()
        assert (d > 1e-4) == differs, (conv, d)


def test_pe_and_vocab_inputs_and_sign_flip():
    rng = np.random.default_rng(0)
    g = _graph(rng, 6)
    g = g._replace(nodes={"x": rng.integers(0, 5, 6).astype(np.int32), "pe": rng.normal(size=(6, 4)).astype(np.float32)},
                   edges=rng.integers(0, 3, g.senders.shape[0]).astype(np.int32))
    g = pad_to_budget(g, Budget(n_node=8, n_edge=40, n_graph=2))
    m = GraphLevelGNN("gatedgcn", hidden=8, num_layers=1, out_dim=1, node_vocab=5, edge_vocab=3, pe_dim=4, norm="none")
    v = m.init(jax.random.PRNGKey(0), g)
    assert "node_embed" in v["params"] and "edge_embed" in v["params"] and "pe_in" in v["params"]
    det = np.asarray(m.apply(v, g))
    # training mode flips PE signs at random: some key gives a different output
    outs = [np.asarray(m.apply(v, g, deterministic=False, rngs={"dropout": jax.random.PRNGKey(k)})) for k in range(4)]
    assert any(np.abs(o - det).max() > 1e-5 for o in outs)
    m_noflip = m.clone(pe_sign_flip=False)
    o = np.asarray(m_noflip.apply(v, g, deterministic=False, rngs={"dropout": jax.random.PRNGKey(0)}))
    np.testing.assert_allclose(o, det, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="pe_dim"):
        GraphLevelGNN("gcn", 8, 1, 1, node_vocab=5, pe_dim=3).init(jax.random.PRNGKey(0), g)


def test_count_params_matches_init_and_budget_search():
    g = pad_to_budget(batch(_graphs()), Budget(n_node=24, n_edge=64, n_graph=5))
    m = GraphLevelGNN("gcn", hidden=16, num_layers=4, out_dim=2)
    v = m.init(jax.random.PRNGKey(0), g)
    assert count_params(m, g) == sum(x.size for x in jax.tree_util.tree_leaves(v["params"]))
    # GCN params by hand: in 3*16+16; per layer 16*16+16 conv + 2*16 BN; head 16*8+8, 8*4+4, 4*2+2
    assert count_params(m, g) == (3 * 16 + 16) + 4 * (16 * 16 + 16 + 32) + (16 * 8 + 8 + 8 * 4 + 4 + 4 * 2 + 2)
    for conv, mult in [("gat", 4)]:
        make = lambda w, c=conv: GraphLevelGNN(c, hidden=w, num_layers=1, out_dim=2, heads=4)
        w = width_for_budget(make, g, 5_000, hi=128, multiple=mult)
        assert w % mult == 0
        assert count_params(make(w), g) <= 5_000 < count_params(make(w + mult), g)


def test_bad_arguments_raise():
    g = batch(_graphs())
    with pytest.raises(ValueError, match="conv"):
        GraphLevelGNN("transformer", 8, 1, 1).init(jax.random.PRNGKey(0), g)
    with pytest.raises(ValueError, match="heads"):
        GraphLevelGNN("gat", 10, 1, 1, heads=4).init(jax.random.PRNGKey(0), g)
    with pytest.raises(ValueError, match="readout"):
        GraphLevelGNN("gcn", 8, 1, 1, readout="median").init(jax.random.PRNGKey(0), g)
    with pytest.raises(ValueError, match="budget"):
        width_for_budget(lambda w: GraphLevelGNN("gcn", w, 4, 2), g, 10)


@pytest.mark.parametrize("edges_on", [False, True])
def test_gcn_mean_is_the_benchmark_codes_mean_aggregation(edges_on):
    """'gcn_mean' = W mean_{j->i} h_j + b (no degree normalisation, no self loop), checked
    against a float64 dense computation from the same parameters; zero for isolated nodes."""
    rng = np.random.default_rng(5)
    g = _graph(rng, 7)
    keep = (g.senders != 6) & (g.receivers != 6)  # node 6 isolated
    g = g._replace(senders=g.senders[keep], receivers=g.receivers[keep], edges=g.edges[keep],
                   n_edge=np.array([int(keep.sum())], np.int32))
    g = pad_to_budget(g, Budget(n_node=9, n_edge=int(keep.sum()) + 4, n_graph=2))
    m = GraphLevelGNN("gcn_mean", hidden=6, num_layers=1, out_dim=2, task="node", norm="none", residual=False,
                      use_edge_features=edges_on)
    v = m.init(jax.random.PRNGKey(0), g)
    _, inter = m.apply(v, g, capture_intermediates=True)
    got = np.asarray(inter["intermediates"]["conv_0"]["__call__"][0], np.float64)[:7]
    p = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), v["params"])
    ne = int(keep.sum())
    s, r = np.asarray(g.senders[:ne]), np.asarray(g.receivers[:ne])
    h = np.asarray(g.nodes[:7], np.float64) @ p["node_in"]["kernel"] + p["node_in"]["bias"]
    msg = h[s]
    if edges_on:
        e = np.asarray(g.edges[:ne], np.float64) @ p["edge_in"]["kernel"] + p["edge_in"]["bias"]
        msg = msg + e @ p["edge_lin_0"]["kernel"]
    mean = np.zeros((7, 6))
    for i in range(7):
        sel = r == i
        if sel.any():
            mean[i] = msg[sel].mean(0)
    want = mean @ p["conv_0"]["kernel"] + p["conv_0"]["bias"]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got[6], p["conv_0"]["bias"], atol=1e-6)
