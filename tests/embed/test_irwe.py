"""IRWE (Qin & Yeung, TMLR 2024) and the role-graph generators: anonymous walks vs brute force,
AW statistics vs exact walk enumeration, automorphism invariance, model shapes / jit / gradients
/ padding, inductive inference without retraining, role labels vs enumerated automorphisms."""
import itertools

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

from jaxgraph.embed import irwe
from jaxgraph.embed.role_graphs import automorphism_orbits, barbell, cycle_with_shapes, role_graph
from jaxgraph.graph.build import to_networkx


# ----------------------------------------------------------------------------- references
def _anon_ref(walk):
    seen, out = {}, []
    for x in walk:
        if x < 0:
            out.append(-1)
            continue
        if x not in seen:
            seen[x] = len(seen)
        out.append(seen[x])
    return out


def _orbits_by_enumeration(g):
    """Orbits from ALL automorphisms (VF2 enumeration), as a set of frozensets."""
    parent = list(range(len(g)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for m in nx.algorithms.isomorphism.GraphMatcher(g, g).isomorphisms_iter():
        for a, b in m.items():
            parent[find(a)] = find(b)
    groups = {}
    for v in range(len(g)):
        groups.setdefault(find(v), set()).add(v)
    return {frozenset(s) for s in groups.values()}


def _partition(labels):
    groups = {}
    for v, c in enumerate(np.asarray(labels).tolist()):
        groups.setdefault(c, set()).add(v)
    return {frozenset(s) for s in groups.values()}


def _exact_aw_distribution(g, v, length, vocab):
    """Exact AW distribution of a uniform walk of `length` nodes from v (enumerate all paths)."""
    codes = {tuple(r): i for i, r in enumerate(vocab.tolist())}
    dist = np.zeros(len(vocab))

    def rec(path, p):
        if len(path) == length:
            dist[codes[tuple(_anon_ref(path))]] += p
            return
        nb = list(g.neighbors(path[-1]))
        for u in nb:
            rec(path + [u], p / len(nb))

    rec([v], 1.0)
    return dist


def _private_walks(g, rng, starts, length):
    """Tiny numpy uniform-walk sampler for reference statistics (independent of walks.py)."""
    adj = [list(g.neighbors(v)) for v in range(len(g))]
    out = -np.ones((len(starts), length), np.int64)
    for r, s in enumerate(starts):
        cur = s
        out[r, 0] = cur
        for t in range(1, length):
            if not adj[cur]:
                break
            cur = adj[cur][rng.integers(len(adj[cur]))]
            out[r, t] = cur
    return out


# ----------------------------------------------------------------------------- anonymous walks
def test_anonymize_matches_brute_force_with_padding():
    rng = np.random.default_rng(0)
    walks = rng.integers(0, 4, size=(200, 7))
    cut = rng.integers(1, 8, size=200)
    walks[np.arange(7)[None, :] >= cut[:, None]] = -1
    got = np.asarray(jax.jit(irwe.anonymize_walks)(jnp.asarray(walks)))
    ref = np.asarray([_anon_ref(w) for w in walks.tolist()])
    np.testing.assert_array_equal(got, ref)
    # batched leading axes
    got3 = np.asarray(irwe.anonymize_walks(walks.reshape(20, 10, 7)))
    np.testing.assert_array_equal(got3.reshape(200, 7), ref)


@pytest.mark.parametrize("length", [1, 2, 4, 6])
def test_vocab_is_every_anonymous_walk_and_its_prefixes(length):
    vocab = irwe.anonymous_walk_vocab(length)
    brute = set()
    for k in range(1, length + 1):
        for seq in itertools.product(range(k), repeat=k):
            if tuple(_anon_ref(list(seq))) == seq and all(a != b for a, b in zip(seq, seq[1:])):
                brute.add(seq + (-1,) * (length - k))
    assert {tuple(r) for r in vocab.tolist()} == brute
    assert len(vocab) == len(brute)
    # every vocabulary row maps to its own index
    np.testing.assert_array_equal(np.asarray(irwe.anonymous_walk_ids(vocab, vocab)), np.arange(len(vocab)))


def test_aw_ids_reject_self_loops_and_empty_rows():
    ids = np.asarray(irwe.anonymous_walk_ids(np.array([[3, 3, 4], [-1, -1, -1], [5, 6, 5]])))
    vocab = irwe.anonymous_walk_vocab(3)
    assert ids[0] == -1 and ids[1] == -1
    assert vocab[ids[2]].tolist() == [0, 1, 0]


def test_aw_distribution_invariant_under_relabelling():
    ds = role_graph("houses", noise=0.05, seed=3)
    g = to_networkx(ds.graph, directed=False)
    n = len(g)
    rng = np.random.default_rng(1)
    walks = _private_walks(g, rng, np.repeat(np.arange(n), 20), 5).reshape(n, 20, 5)
    perm = rng.permutation(n)                     # node v -> perm[v]
    relabelled = np.where(walks >= 0, perm[np.clip(walks, 0, None)], -1)
    reordered = np.empty_like(relabelled)
    reordered[perm] = relabelled                   # row perm[v] holds v's walks
    a = np.asarray(irwe.aw_distribution(walks))
    b = np.asarray(irwe.aw_distribution(reordered))
    np.testing.assert_array_equal(b[perm], a)
    np.testing.assert_allclose(a.sum(1), 1.0, rtol=1e-6)


def test_aw_distribution_matches_exact_and_is_equal_on_automorphic_nodes():
    ds = cycle_with_shapes(12, ["house"] * 3)
    g = to_networkx(ds.graph, directed=False)
    L = 4
    vocab = irwe.anonymous_walk_vocab(L)
    labels = ds.labels
    exact = {v: _exact_aw_distribution(g, v, L, vocab) for v in range(len(g))}
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        for v in members[1:]:
            np.testing.assert_allclose(exact[v], exact[members[0]], atol=1e-12)
    # a sampled estimate (jaxgraph.embed.walks) converges to the exact distribution
    key = jax.random.PRNGKey(0)
    nodes = np.array([0, 12, 14])
    w = irwe.node_walks(ds.graph, key, nodes, 4000, L)
    est = np.asarray(irwe.aw_distribution(w))
    for i, v in enumerate(nodes):
        assert np.abs(est[i] - exact[v]).sum() < 0.06
    # different roles -> different exact distributions
    assert np.abs(exact[0] - exact[12]).sum() > 0.1


def test_walk_cooccurrence_matches_dense_reference():
    rng = np.random.default_rng(2)
    n, m = 9, 5
    walks = rng.integers(-1, n, size=(4, 6, 5))
    walks[..., 0] = np.abs(walks[..., 0])
    amap = np.array([0, -1, 1, 2, -1, 3, 4, -1, -1])
    got = np.asarray(irwe.walk_cooccurrence(walks, amap, m))
    ref = np.zeros((4, m))
    for v in range(4):
        for k in range(6):
            for t in range(1, 5):
                x = walks[v, k, t]
                if x >= 0 and amap[x] >= 0:
                    ref[v, amap[x]] += 1
    ref /= np.maximum(ref.sum(1, keepdims=True), 1)
    np.testing.assert_allclose(got, ref, rtol=1e-6)


# ----------------------------------------------------------------------------- model
def _small_setup(steps=2):
    ds = role_graph("houses", noise=0.0)
    kw = dict(dim=16, steps=steps, batch_size=32, negatives=3, corpus_walks=2, corpus_length=8, window=2,
              id_walks=8, id_length=4, id_attention_walks=4, pos_walks=4, pos_length=4)
    return ds, kw


def test_model_shapes_jit_and_gradients_reach_every_parameter():
    ds, kw = _small_setup()
    n = ds.num_nodes
    amap = np.arange(n)
    feat = irwe.irwe_features(ds.graph, jax.random.PRNGKey(0), anchor_of_node=amap, id_walks=8, id_length=4,
                              id_attention_walks=4, pos_walks=4, pos_length=4)
    V = len(irwe.anonymous_walk_vocab(4))
    assert feat.aw_stats.shape == (n, V) and feat.aw_ids.shape == (n, 4)
    assert feat.pos_tokens.shape == (n, 4, 3) and feat.log_deg.shape == (n,)
    model = irwe.IRWE(vocab_size=V, num_anchors=n, pos_steps=3, dim=16)
    params = model.init(jax.random.PRNGKey(1), feat, method=irwe.IRWE.init_all)["params"]
    z_id, z_pos = jax.jit(lambda p, f: model.apply({"params": p}, f))(params, feat)
    assert z_id.shape == (n, 16) and z_pos.shape == (n, 16)
    B = 8
    idx = jnp.arange(3 * B) % n
    grads = jax.grad(lambda p: irwe._loss_fn(p, model, irwe._take(feat, idx), feat.aw_stats[:B],
                                             feat.log_deg[:B], jnp.ones(B, bool), B, 3, 1.0)[0])(params)
    for path, g in jax.tree_util.tree_leaves_with_path(grads):
        assert np.all(np.isfinite(g)), path
        assert float(jnp.abs(g).max()) > 0, f"no gradient reaches {jax.tree_util.keystr(path)}"
    # batch permutation equivariance
    perm = np.random.default_rng(0).permutation(n)
    zi2, zp2 = model.apply({"params": params}, irwe._take(feat, perm))
    np.testing.assert_allclose(np.asarray(zi2), np.asarray(z_id)[perm], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(zp2), np.asarray(z_pos)[perm], rtol=1e-5, atol=1e-5)


def test_padded_walks_change_nothing():
    ds, _ = _small_setup()
    n = ds.num_nodes
    feat = irwe.irwe_features(ds.graph, jax.random.PRNGKey(0), anchor_of_node=np.arange(n), id_walks=8,
                              id_length=4, id_attention_walks=4, pos_walks=4, pos_length=4)
    V = feat.aw_stats.shape[1]
    model = irwe.IRWE(vocab_size=V, num_anchors=n, pos_steps=3, dim=16)
    params = model.init(jax.random.PRNGKey(1), feat, method=irwe.IRWE.init_all)["params"]
    padded = irwe.IRWEFeatures(
        aw_stats=feat.aw_stats,
        aw_ids=jnp.concatenate([feat.aw_ids, -jnp.ones((n, 3), jnp.int32)], 1),
        log_deg=feat.log_deg,
        pos_tokens=jnp.concatenate([feat.pos_tokens, -jnp.ones((n, 2, 3), jnp.int32)], 1))
    a = model.apply({"params": params}, feat)
    b = model.apply({"params": params}, padded)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-5, atol=1e-6)
    # a node whose walks reach no anchor still gets finite embeddings
    empty = feat._replace(pos_tokens=-jnp.ones_like(feat.pos_tokens), aw_ids=-jnp.ones_like(feat.aw_ids))
    for x in model.apply({"params": params}, empty):
        assert np.all(np.isfinite(np.asarray(x)))


def test_inductive_inference_needs_no_retraining():
    ds, kw = _small_setup(steps=3)
    n = ds.num_nodes
    held = np.array([3, 17, 45])
    seen = np.setdiff1d(np.arange(n), held)
    s, r = np.asarray(ds.graph.senders), np.asarray(ds.graph.receivers)
    keep = ~np.isin(s, held) & ~np.isin(r, held)
    from jaxgraph.graph.build import from_edge_list

    g_train = from_edge_list(s[keep], r[keep], n)
    res = irwe.fit_irwe(g_train, jax.random.PRNGKey(0), train_nodes=seen, **kw)
    assert res.losses.shape == (3, 3) and np.all(np.isfinite(res.losses))
    before = jax.tree_util.tree_map(np.array, res.params)
    key = jax.random.PRNGKey(5)
    # transductive path == inductive path on the training graph (same walks)
    z_tr = irwe.embed_irwe(res.model, res.params,
                           irwe.irwe_features(g_train, key, anchor_of_node=res.anchor_of_node, **res.feature_kw))
    z_in = irwe.infer_irwe(res, g_train, key)
    for a, b in zip(z_tr, z_in):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    # unseen nodes in the full graph: embedded from walks alone, parameters untouched
    zi, zp = irwe.infer_irwe(res, ds.graph, key)
    assert zi.shape == zp.shape == (n, 16) and np.all(np.isfinite(zi)) and np.all(np.isfinite(zp))
    jax.tree_util.tree_map(np.testing.assert_array_equal, before, jax.tree_util.tree_map(np.array, res.params))
    # held-out nodes have no anchor; their walks on the full graph reach seen nodes' anchors
    assert np.all(res.anchor_of_node[held] == -1)
    np.testing.assert_array_equal(np.sort(res.anchor_of_node[seen]), np.arange(len(seen)))
    tok = np.asarray(irwe.irwe_features(ds.graph, key, anchor_of_node=res.anchor_of_node,
                                        nodes=held, **res.feature_kw).pos_tokens)
    assert tok.max() < len(seen) and all((tok[i] >= 0).any() for i in range(len(held)))
    # a held-out node's identity embedding differs from the isolated-node one it had in training
    zi_train, _ = irwe.infer_irwe(res, g_train, key)
    assert np.abs(zi[held] - zi_train[held]).max() > 1e-4
    # an unseen graph: no anchors at all
    zi2, zp2 = irwe.infer_irwe(res, role_graph("houses", noise=0.05, seed=9).graph, key,
                               seen_nodes=np.zeros(0, np.int64))
    assert np.all(np.isfinite(zi2)) and np.all(np.isfinite(zp2))


# ----------------------------------------------------------------------------- role graphs
@pytest.mark.parametrize("make", [
    lambda: cycle_with_shapes(12, ["house"] * 3),
    lambda: cycle_with_shapes(12, ["house", "star", "clique"], size=3),
    lambda: cycle_with_shapes(8, ["star", "star"], size=2),
    lambda: barbell(4, 2),
    lambda: barbell(3, 3),
])
def test_role_labels_are_automorphism_orbits(make):
    ds = make()
    g = nx.Graph()
    g.add_nodes_from(range(ds.num_nodes))
    g.add_edges_from(ds.extras["base_edges"].T.tolist())
    assert _partition(ds.labels) == _orbits_by_enumeration(g)
    assert ds.num_classes == len(np.unique(ds.labels))
    # the GraphsTuple holds both directions of the base edges
    assert ds.graph.senders.shape[0] == 2 * g.number_of_edges()


def test_orbits_on_a_graph_without_symmetry_and_with_noise():
    g = nx.Graph([(0, 1), (1, 2), (2, 3), (1, 3), (3, 4), (4, 5), (2, 6)])
    assert _partition(automorphism_orbits(g)) == _orbits_by_enumeration(g)
    clean = role_graph("mixed")
    noisy = role_graph("mixed", noise=0.1, seed=4)
    np.testing.assert_array_equal(clean.labels, noisy.labels)
    k = noisy.extras["noise_edges"].shape[1]
    assert k == int(round(0.1 * (48 + 4 * 19))) and k > 0
    assert noisy.graph.senders.shape[0] == clean.graph.senders.shape[0] + 2 * k
    assert set(map(tuple, noisy.extras["noise_edges"].T.tolist())).isdisjoint(
        map(tuple, clean.extras["base_edges"].T.tolist()))


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call, needle", [
    (lambda: irwe.anonymous_walk_vocab(0), "length"),
    (lambda: irwe.anonymous_walk_vocab(10), "length"),
    (lambda: irwe.anonymize_walks(np.zeros((2, 3), np.float32)), "walks"),
    (lambda: irwe.anonymize_walks(np.array([[0, -2, 1]])), "walks"),
    (lambda: irwe.aw_distribution(np.zeros((2, 3), np.int32)), "walks"),
    (lambda: irwe.walk_cooccurrence(np.zeros((1, 2, 3), np.int32), np.array([0, 5]), 2), "anchor_of_node"),
    (lambda: irwe.fit_irwe(role_graph("houses").graph, jax.random.PRNGKey(0), steps=0), "steps"),
    (lambda: irwe.fit_irwe(role_graph("houses").graph, jax.random.PRNGKey(0), train_nodes=[500]), "train_nodes"),
    (lambda: cycle_with_shapes(12, ["hexagon"]), "shapes"),
    (lambda: cycle_with_shapes(2, ["house"]), "cycle_length"),
    (lambda: barbell(2, 1), "clique_size"),
    (lambda: role_graph("grid"), "family"),
    (lambda: role_graph("houses", noise=1.5), "noise"),
    (lambda: automorphism_orbits(nx.DiGraph([(0, 1)])), "directed"),
])
def test_bad_input_raises(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()
