"""GraphSAGE-style neighbour sampler: sampled edges exist, fan-outs hold, sampling is uniform
without replacement, shapes are static, and with fan-out >= max degree the sampled computation
equals the full-graph GCN / SAGE output on the seeds."""
from collections import Counter

import jax
import jax.numpy as jnp
import jraph
import numpy as np
import pytest

from jaxgraph.graph.sampling import NeighborSampler, in_csr
from jaxgraph.models import GCN
from jaxgraph.train.minibatch import SAGE, SampledGCN, gcn_weights


def _random_graph(rng, n=60, e=240, f=5):
    s = rng.integers(0, n, e)
    r = rng.integers(0, n, e)
    keep = s != r
    s, r = np.concatenate([s[keep], r[keep]]), np.concatenate([r[keep], s[keep]])  # undirected
    key = np.unique(s * n + r)  # simple graph
    s, r = (key // n).astype(np.int32), (key % n).astype(np.int32)
    x = rng.normal(size=(n, f)).astype(np.float32)
    return jraph.GraphsTuple(nodes=x, edges=None, senders=s, receivers=r, globals=None,
                             n_node=np.array([n], np.int32), n_edge=np.array([len(s)], np.int32))


def test_sampled_edges_exist_fanout_respected_and_shapes_static():
    rng = np.random.default_rng(0)
    g = _random_graph(rng, n=80, e=600)
    edges = set(zip(g.senders.tolist(), g.receivers.tolist()))
    deg = np.bincount(g.receivers, minlength=80)
    fanouts = [4, 3]
    smp = NeighborSampler(g, fanouts, batch_size=8)
    shapes = set()
    for trial in range(20):
        seeds = rng.choice(80, int(rng.integers(1, 9)), replace=False)
        sub = smp.sample(seeds, rng)
        shapes.add(jax.tree_util.tree_map(lambda a: np.shape(a), sub))
        ids, em = sub.node_ids, sub.edge_mask
        s_glob, r_glob = ids[sub.graph.senders[em]], ids[sub.graph.receivers[em]]
        assert all((int(a), int(b)) in edges for a, b in zip(s_glob, r_glob))  # every edge is real
        assert len(set(zip(s_glob.tolist(), r_glob.tolist()))) == int(em.sum())  # no repeats
        np.testing.assert_array_equal(ids[: len(seeds)], seeds)  # seeds first
        assert sub.seed_mask.sum() == len(seeds) and sub.node_mask.sum() == (ids >= 0).sum()
        assert len(np.unique(ids[ids >= 0])) == (ids >= 0).sum()
        indeg = Counter(r_glob.tolist())
        for v in seeds:  # seeds are expanded at hop 1: min(deg, f_1) in-edges
            assert indeg.get(int(v), 0) == min(deg[v], fanouts[0])
        assert max(indeg.values()) <= max(fanouts)
        # Nodes first reached at the last hop have no in-edges.
        real = ids[ids >= 0]
        assert set(indeg) <= set(real.tolist())
        # Padding edges only touch the padding node.
        pad = ~em
        assert np.all(sub.graph.senders[pad] == sub.node_mask.sum())
    assert len(shapes) == 1  # one compile


def test_sampling_is_uniform_without_replacement():
    # Node 0 has 20 in-neighbours; fan-out 5 => each chosen with prob 1/4, never twice.
    n = 21
    s = np.arange(1, n, dtype=np.int32)
    r = np.zeros(n - 1, np.int32)
    g = jraph.GraphsTuple(nodes=np.zeros((n, 1), np.float32), edges=None, senders=s, receivers=r, globals=None,
                          n_node=np.array([n], np.int32), n_edge=np.array([n - 1], np.int32))
    smp = NeighborSampler(g, [5], batch_size=1)
    rng = np.random.default_rng(1)
    trials = 4000
    counts = np.zeros(n, int)
    pairs = Counter()
    for _ in range(trials):
        sub = smp.sample(np.array([0]), rng)
        nb = sub.node_ids[sub.graph.senders[sub.edge_mask]]
        assert len(nb) == 5 and len(set(nb.tolist())) == 5
        counts[nb] += 1
        pairs[tuple(sorted(nb.tolist())[:2])] += 1
    expected = trials * 5 / 20
    chi2 = np.sum((counts[1:] - expected) ** 2 / expected)
    assert chi2 < 45.3, (chi2, counts)  # df=19, p=0.001 critical value 43.8 (+ slack)
    assert counts[0] == 0


def test_full_fanout_equals_full_graph_gcn_and_sage():
    rng = np.random.default_rng(2)
    n = 50
    g = _random_graph(rng, n=n, e=150, f=6)
    maxdeg = int(np.bincount(g.receivers, minlength=n).max())
    smp = NeighborSampler(g, [maxdeg, maxdeg], batch_size=7)
    seeds = rng.choice(n, 7, replace=False)
    sub = smp.sample(seeds, rng)
    gj = jax.tree_util.tree_map(jnp.asarray, g)

    # GCN: the sampled computation with the sampler's weights vs jaxgraph.models.GCN (GCNConv's own
    # normalisation) on the whole graph, same parameters.
    gcn = SampledGCN(hidden=8, num_classes=3)
    ew, sw = gcn_weights(g.senders, g.receivers, n)
    params = gcn.init(jax.random.PRNGKey(0), gj, jnp.asarray(ew), jnp.asarray(sw))
    full = np.asarray(GCN(hidden=8, num_classes=3).apply(params, gj))
    sampled = np.asarray(gcn.apply(params, sub.graph, sub.edge_weight, sub.self_weight, sub.edge_mask))
    np.testing.assert_allclose(sampled[: len(seeds)], full[seeds], rtol=1e-5, atol=1e-5)

    # SAGE-mean vs dense float64 numpy on the whole graph.
    sage = SAGE(hidden=8, num_classes=3)
    p = sage.init(jax.random.PRNGKey(1), gj)
    pp = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), p)["params"]
    a = np.zeros((n, n))
    a[g.receivers, g.senders] = 1.0
    mean_op = a / np.maximum(a.sum(1, keepdims=True), 1.0)
    h = g.nodes.astype(np.float64)
    for i in range(2):
        c = pp[f"conv{i}"]
        h = (mean_op @ h) @ c["lin_neigh"]["kernel"] + c["lin_neigh"]["bias"] + h @ c["lin_root"]["kernel"]
        if i == 0:
            h = np.maximum(h, 0)
    sampled = np.asarray(sage.apply(p, sub.graph, edge_mask=sub.edge_mask))
    np.testing.assert_allclose(sampled[: len(seeds)], h[seeds], rtol=1e-4, atol=1e-5)


def test_small_fanout_gcn_weights_are_unbiased():
    # E[sampled Â x]_seed = (Â x)_seed: average of the one-layer sampled propagation.
    rng = np.random.default_rng(3)
    n = 40
    g = _random_graph(rng, n=n, e=300, f=1)
    deg = np.bincount(g.receivers, minlength=n)
    seed = int(np.argmax(deg))
    smp = NeighborSampler(g, [3], batch_size=1)
    ew, sw = gcn_weights(g.senders, g.receivers, n)
    x = g.nodes[:, 0].astype(np.float64)
    exact = np.sum(ew[g.receivers == seed] * x[g.senders[g.receivers == seed]]) + sw[seed] * x[seed]
    vals = []
    for _ in range(3000):
        sub = smp.sample(np.array([seed]), rng)
        m = sub.edge_mask
        vals.append(np.sum(sub.edge_weight[m] * x[sub.node_ids[sub.graph.senders[m]]]) + sub.self_weight[0] * x[seed])
    assert deg[seed] > 3
    assert abs(np.mean(vals) - exact) < 4 * np.std(vals) / np.sqrt(len(vals)) + 1e-6


def test_in_csr_matches_brute_force():
    rng = np.random.default_rng(4)
    s, r = rng.integers(0, 9, 30), rng.integers(0, 9, 30)
    indptr, indices = in_csr(s, r, 9)
    for i in range(9):
        assert sorted(indices[indptr[i]:indptr[i + 1]].tolist()) == sorted(s[r == i].tolist())


def test_bad_arguments_raise():
    g = _random_graph(np.random.default_rng(5))
    with pytest.raises(ValueError, match="fanouts"):
        NeighborSampler(g, [], 4)
    with pytest.raises(ValueError, match="fanouts\\[1\\]"):
        NeighborSampler(g, [3, 0], 4)
    with pytest.raises(ValueError, match="batch_size"):
        NeighborSampler(g, [3], 0)
    smp = NeighborSampler(g, [3], 4)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="seeds"):
        smp.sample(np.arange(5), rng)
    with pytest.raises(ValueError, match="seeds"):
        smp.sample(np.array([1, 1]), rng)
    with pytest.raises(ValueError, match="seeds"):
        smp.sample(np.array([999]), rng)
    with pytest.raises(ValueError, match="receivers"):
        in_csr([0, 1], [0, 7], 3)


def test_small_budget_splits_batches_and_covers_every_seed():
    rng = np.random.default_rng(6)
    g = _random_graph(rng, n=80, e=600)
    full = NeighborSampler(g, [5, 5], batch_size=16)
    smp = NeighborSampler(g, [5, 5], batch_size=16, budget_nodes=40, budget_edges=60)
    with pytest.raises(ValueError, match="budget"):
        smp.sample(np.arange(16), rng)
    seen = []
    for sub in smp.batches(np.arange(80), rng):
        assert sub.graph.nodes.shape[0] == 40 and sub.graph.senders.shape[0] == 60
        seen.extend(sub.node_ids[sub.seed_mask].tolist())
    assert sorted(seen) == list(range(80))
    full.fit_budget(np.arange(80), rng)
    assert full.budget_nodes == full.max_nodes or full.budget_nodes % 64 == 1
    assert full.budget_nodes <= full.max_nodes and full.budget_edges <= full.max_edges
