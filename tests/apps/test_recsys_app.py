"""jaxgraph.apps.recsys: data and splits, LightGCN / sheaf propagation against dense float64
references, BPR negatives, Recall/NDCG against brute force, padding/permutation, gradients."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph.apps.recsys import data as D
from jaxgraph.apps.recsys import models as M
from jaxgraph.apps.recsys import train as T

SHARED_OTC = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "data" / "signed" / "soc-sign-bitcoinotc.csv"


def _random_pairs(rng, nu=7, ni=6, m=18):
    u = np.concatenate([np.arange(nu), rng.integers(0, nu, m)])
    i = np.concatenate([rng.integers(0, ni, nu), rng.integers(0, ni, m)])
    inter = D.make_interactions(u, i, nu, ni)
    return inter.users, inter.items, nu, ni


def _dense_adj(s, r, n):
    a = np.zeros((n, n))
    np.add.at(a, (r, s), 1.0)
    return a


# ----------------------------------------------------------------------------- data
def test_make_interactions_validates_and_dedupes():
    inter = D.make_interactions([0, 1, 0, 2], [1, 0, 1, 2], 3, 3, times=[5.0, 1.0, 0.5, 2.0])
    assert len(inter) == 3  # (0, 1) twice: the earlier one (t=0.5) is kept
    assert np.all(np.diff(inter.times) >= 0) and inter.times[0] == 0.5
    with pytest.raises(ValueError, match="items index 3 out of range"):
        D.make_interactions([0, 1], [0, 3], 2, 3)
    with pytest.raises(ValueError, match="users index -1 out of range"):
        D.make_interactions([-1, 1], [0, 1], 2, 3)
    with pytest.raises(ValueError, match="users is empty"):
        D.make_interactions([], [], 2, 3)
    with pytest.raises(ValueError, match="same length"):
        D.make_interactions([0, 1], [0], 2, 3)
    with pytest.raises(ValueError, match="times must be finite"):
        D.make_interactions([0, 1], [0, 1], 2, 3, times=[0.0, np.nan])
    with pytest.raises(ValueError, match="items index 5 out of range"):
        M.bipartite_edges(np.array([0]), np.array([5]), 1, 5)
    with pytest.raises(ValueError, match="non-empty"):
        M.bipartite_edges(np.array([], int), np.array([], int), 1, 5)


def test_planted_communities_reproducible_and_clustered():
    a = D.planted_communities(200, 120, 4, mean_degree=10, p_in=0.9, seed=3)
    b = D.planted_communities(200, 120, 4, mean_degree=10, p_in=0.9, seed=3)
    assert np.array_equal(a.users, b.users) and np.array_equal(a.items, b.items)
    cu, ci = a.extras["user_community"], a.extras["item_community"]
    inside = np.mean(cu[a.users] == ci[a.items])
    assert inside > 0.8  # p_in = 0.9 plus the global component's share; 1/4 under no structure
    c = D.planted_communities(200, 120, 4, mean_degree=10, p_in=0.0, seed=3)
    assert np.mean(c.extras["user_community"][c.users] == c.extras["item_community"][c.items]) < 0.45
    assert np.bincount(a.users, minlength=200).min() >= 2
    with pytest.raises(ValueError, match="p_in"):
        D.planted_communities(10, 10, 2, p_in=1.5)


@pytest.mark.parametrize("by_time", [False, True])
def test_split_per_user_no_leakage(by_time):
    rng = np.random.default_rng(0)
    m, nu, ni = 600, 50, 80
    inter = D.make_interactions(rng.integers(0, nu, m), rng.integers(0, ni, m), nu, ni,
                                times=rng.integers(0, 40, m).astype(float))
    sp = D.split_per_user(inter, 0.2, by_time=by_time, seed=1)
    tr = set(zip(sp.train_users.tolist(), sp.train_items.tolist()))
    te = set(zip(sp.test_users.tolist(), sp.test_items.tolist()))
    assert not tr & te
    assert tr | te == set(zip(inter.users.tolist(), inter.items.tolist()))
    n = np.bincount(inter.users, minlength=nu)
    n_te = np.bincount(sp.test_users, minlength=nu)
    want = np.where(n >= 2, np.clip(np.round(0.2 * n), 1, n - 1), 0)
    assert np.array_equal(n_te, want)
    # the training graph holds training pairs only
    s, r, _ = M.bipartite_edges(sp.train_users, sp.train_items, nu, ni)
    edges = set(zip(s.tolist(), (r - nu).tolist()))
    assert not edges & te
    if by_time:  # every held-out interaction is at least as late as all of its user's training ones
        t = {(a, b): tt for a, b, tt in zip(inter.users.tolist(), inter.items.tolist(), inter.times.tolist())}
        for u in range(nu):
            ttr = [t[p] for p in tr if p[0] == u]
            tte = [t[p] for p in te if p[0] == u]
            if ttr and tte:
                assert min(tte) >= max(ttr)
    with pytest.raises(ValueError, match="test_frac"):
        D.split_per_user(inter, 1.0)
    with pytest.raises(ValueError, match="no timestamps"):
        D.split_per_user(D.make_interactions([0, 0], [0, 1], 1, 2), 0.5, by_time=True)


def test_from_ratings_on_generated_u_data(tmp_path):
    from jaxgraph.data.movielens import read_u_data

    rows = [(1, 1, 5, 10), (1, 2, 3, 11), (2, 1, 4, 12), (2, 3, 1, 13), (3, 2, 5, 9), (1, 3, 4, 14)]
    p = tmp_path / "u.data"
    p.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
    ds = read_u_data(p)
    inter = D.from_ratings(ds)
    assert (inter.num_users, inter.num_items, len(inter)) == (3, 3, 6)
    assert set(zip(inter.users.tolist(), inter.items.tolist())) == {(u - 1, i - 1) for u, i, _, _ in rows}
    liked = D.from_ratings(ds, min_rating=4)
    assert set(zip(liked.users.tolist(), liked.items.tolist())) == {(0, 0), (1, 0), (2, 1), (0, 2)}
    sp = D.split_per_user(inter, 0.34, by_time=True)
    assert set(zip(sp.test_users.tolist(), sp.test_items.tolist())) == {(0, 2), (1, 2)}  # latest per user


@pytest.mark.skipif(not SHARED_OTC.exists(), reason="shared Bitcoin-OTC file not present")
def test_from_bitcoin_otc_positive_rater_to_ratee():
    from jaxgraph.data.temporal import load_bitcoin_otc

    ds = load_bitcoin_otc()
    inter = D.from_bitcoin(ds)
    raw = np.loadtxt(SHARED_OTC, delimiter=",", skiprows=1)
    pos = raw[raw[:, 2] > 0]
    raw_ids = ds.extras["raw_node_ids"]
    got = {(int(raw_ids[inter.extras["user_node"][u]]), int(raw_ids[inter.extras["item_node"][i]]))
           for u, i in zip(inter.users, inter.items)}
    assert got == {(int(a), int(b)) for a, b in pos[:, :2]}
    assert inter.num_users == np.unique(pos[:, 0]).size and inter.num_items == np.unique(pos[:, 1]).size
    with pytest.raises(ValueError, match="min_rating"):
        D.from_bitcoin(ds, min_rating=0)


# ----------------------------------------------------------------------------- propagation
def test_lightgcn_matches_dense_normalized_adjacency_power():
    rng = np.random.default_rng(1)
    u, i, nu, ni = _random_pairs(rng)
    s, r, _ = M.bipartite_edges(u, i, nu, ni)
    n = nu + ni
    x0 = rng.normal(size=(n, 5))
    a = _dense_adj(s, r, n)
    deg = a.sum(1)
    ahat = a / np.sqrt(np.outer(deg, deg))
    want = sum(np.linalg.matrix_power(ahat, k) @ x0 for k in range(4)) / 4
    got = M.lightgcn_propagate(jnp.asarray(x0, jnp.float32), jnp.asarray(s), jnp.asarray(r), 3)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    g = M.bipartite_graph(u, i, nu, ni)
    assert int(g.n_node[0]) == n and np.array_equal(g.senders, s) and g.nodes[nu:].min() == 1


def _dense_sheaf_laplacian(fmaps, s, r, rev, n, d, normalize):
    """float64 block matrix from the definition: L_vv += F_v^T F_v, L_vu -= F_v^T F_u per edge;
    normalized D^{-1/2} L D^{-1/2} with D the block diagonal of L (Neural Sheaf Diffusion, Sec. 4)."""
    L = np.zeros((n * d, n * d))
    for k in range(s.size):
        v, w = s[k], r[k]
        fv, fw = fmaps[k], fmaps[rev[k]]
        L[v * d:(v + 1) * d, v * d:(v + 1) * d] += fv.T @ fv
        L[v * d:(v + 1) * d, w * d:(w + 1) * d] -= fv.T @ fw
    if normalize:
        dinv = np.zeros_like(L)
        for v in range(n):
            lam, q = np.linalg.eigh(L[v * d:(v + 1) * d, v * d:(v + 1) * d])
            dinv[v * d:(v + 1) * d, v * d:(v + 1) * d] = (q / np.sqrt(np.where(lam > 1e-12, lam, np.inf))) @ q.T
        L = dinv @ L @ dinv
    return L


def _apply_dense(maps, s, r, rev, n, d, f, normalize):
    """The library's operator as a dense matrix (applied to every basis vector)."""
    eye = np.eye(n * d).reshape(n * d, n, d).transpose(1, 2, 0)  # [n, d, n*d] channels = basis
    out = M.sheaf_laplacian_apply(jnp.asarray(eye), maps, jnp.asarray(s), jnp.asarray(r), jnp.asarray(rev), n,
                                  normalize=normalize, eps=0.0)
    return np.asarray(out).reshape(n * d, n * d)


@pytest.mark.parametrize("kind", ["general", "diag", "orthogonal"])
@pytest.mark.parametrize("normalize", [False, True])
def test_sheaf_laplacian_dense_reference_symmetric_psd(kind, normalize):
    rng = np.random.default_rng(2)
    u, i, nu, ni = _random_pairs(rng)
    s, r, rev = M.bipartite_edges(u, i, nu, ni)
    n, d = nu + ni, 3
    with jax.enable_x64(True):
        if kind == "general":
            maps = jnp.asarray(rng.normal(size=(s.size, d, d)))
            dense = np.asarray(maps)
        elif kind == "diag":
            maps = jnp.asarray(rng.uniform(0.2, 1.8, size=(s.size, d)))
            dense = np.stack([np.diag(m) for m in np.asarray(maps)])
        else:
            maps = M.RotationMaps(jnp.asarray(rng.uniform(-3, 3, size=(s.size, 1))), d)
            dense = np.asarray(M.rotation_matrices(maps))
            np.testing.assert_allclose(np.einsum("eji,ejk->eik", dense, dense), np.broadcast_to(np.eye(d), dense.shape),
                                       atol=1e-12)
        got = _apply_dense(maps, s, r, rev, n, d, n * d, normalize)
    want = _dense_sheaf_laplacian(dense, s, r, rev, n, d, normalize)
    np.testing.assert_allclose(got, want, atol=1e-10)
    np.testing.assert_allclose(got, got.T, atol=1e-10)
    assert np.linalg.eigvalsh(got).min() > -1e-9
    if normalize:
        assert np.linalg.eigvalsh(got).max() < 2 + 1e-9


@pytest.mark.parametrize("normalize", [False, True])
def test_sheaf_laplacian_identity_maps_is_graph_laplacian(normalize):
    rng = np.random.default_rng(3)
    u, i, nu, ni = _random_pairs(rng)
    s, r, rev = M.bipartite_edges(u, i, nu, ni)
    n, d = nu + ni, 2
    a = _dense_adj(s, r, n)
    deg = a.sum(1)
    lap = np.diag(deg) - a
    if normalize:
        lap = np.eye(n) - a / np.sqrt(np.outer(deg, deg))
    with jax.enable_x64(True):
        got = _apply_dense(jnp.ones((s.size, d), jnp.float64), s, r, rev, n, d, n * d, normalize)
        got_rot = _apply_dense(M.RotationMaps(jnp.zeros((s.size, 1), jnp.float64), d), s, r, rev, n, d, n * d,
                               normalize)
    np.testing.assert_allclose(got, np.kron(lap, np.eye(d)), atol=1e-12)
    np.testing.assert_allclose(got_rot, np.kron(lap, np.eye(d)), atol=1e-12)


def test_sheaf_diffusion_identity_maps_equals_lightgcn_and_fast_rotation_path():
    rng = np.random.default_rng(4)
    u, i, nu, ni = _random_pairs(rng)
    s, r, rev = (jnp.asarray(a) for a in M.bipartite_edges(u, i, nu, ni))
    n = nu + ni
    x0 = jnp.asarray(rng.normal(size=(n, 8)), jnp.float32)
    ref = M.lightgcn_propagate(x0, s, r, 3)
    ones = jnp.ones((s.size, 4))
    got = M.sheaf_diffusion(x0, ones, s, r, rev, 3, 4)
    np.testing.assert_allclose(np.asarray(got), np.asarray(ref), atol=2e-5)
    # learned orthogonal maps: elementwise rotation path == dense matrices
    p = {"w": jnp.asarray(rng.normal(size=(16, 2)), jnp.float32), "b": jnp.zeros(2)}
    rm = M.restriction_maps(p, x0, s, r, 4, "orthogonal", dense=False)
    dense = M.restriction_maps(p, x0, s, r, 4, "orthogonal", dense=True)
    a = M.sheaf_diffusion(x0, rm, s, r, rev, 2, 4)
    b = M.sheaf_diffusion(x0, dense, s, r, rev, 2, 4)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=2e-5)
    assert float(jnp.max(jnp.abs(a - ref))) > 1e-3  # non-trivial maps change the result


def _pad_graph(s, r, rev, n, extra_nodes=3, extra_edges=5):
    e = s.size
    s2 = np.concatenate([s, np.full(extra_edges, n + extra_nodes - 1)])
    r2 = np.concatenate([r, np.zeros(extra_edges, s.dtype)])  # padding edges point at a real node
    rev2 = np.concatenate([rev, e + (np.arange(extra_edges) + 1) % extra_edges])
    mask = np.concatenate([np.ones(e, bool), np.zeros(extra_edges, bool)])
    return s2, r2, rev2, mask


@pytest.mark.parametrize("kind", ["lightgcn", "diag", "orthogonal"])
def test_padding_and_permutation(kind):
    rng = np.random.default_rng(5)
    u, i, nu, ni = _random_pairs(rng)
    s, r, rev = M.bipartite_edges(u, i, nu, ni)
    n, dim = nu + ni, 8
    x0 = rng.normal(size=(n, dim)).astype(np.float32)
    p = {"w": jnp.asarray(rng.normal(size=(2 * dim, 4 if kind == "diag" else 2)), jnp.float32),
         "b": jnp.zeros(4 if kind == "diag" else 2)}

    def run(x, s, r, rev, mask=None):
        x, s, r, rev = jnp.asarray(x), jnp.asarray(s), jnp.asarray(r), jnp.asarray(rev)
        m = None if mask is None else jnp.asarray(mask)
        if kind == "lightgcn":
            return np.asarray(M.lightgcn_propagate(x, s, r, 3, m))
        maps = M.restriction_maps(p, x, s, r, 4, kind, dense=False)
        return np.asarray(M.sheaf_diffusion(x, maps, s, r, rev, 3, 4, m))

    base = run(x0, s, r, rev)
    # padding: extra isolated nodes and masked edges change nothing on the real nodes
    s2, r2, rev2, mask = _pad_graph(s, r, rev, n)
    x_pad = np.concatenate([x0, rng.normal(size=(3, dim)).astype(np.float32)])
    np.testing.assert_allclose(run(x_pad, s2, r2, rev2, mask)[:n], base, atol=1e-5)
    # permutation of node labels and of the edge order: outputs permute along
    perm = rng.permutation(n)           # new id of old node v is inv[v]
    inv = np.argsort(perm)
    eperm = rng.permutation(s.size)
    einv = np.argsort(eperm)
    out = run(x0[perm], inv[s][eperm], inv[r][eperm], einv[rev][eperm])
    np.testing.assert_allclose(out, base[perm], atol=1e-5)


# ----------------------------------------------------------------------------- BPR, gradients
def test_bpr_negatives_are_never_positives():
    rng = np.random.default_rng(6)
    nu, ni = 30, 12
    dense = rng.random((nu, ni)) < 0.8  # dense: most random draws are positives
    dense[:, 0] = False
    uu, ii = np.nonzero(dense)
    keys = T._train_keys(uu, ii, ni)
    users = np.repeat(np.arange(nu), 200)
    neg = T.sample_negatives(users, keys, ni, rng)
    assert not dense[users, neg].any()
    assert set(np.unique(neg[users == 0])) == set(np.nonzero(~dense[0])[0])  # all non-positives reachable
    full = np.ones((2, ni), bool)
    uu, ii = np.nonzero(full)
    with pytest.raises(ValueError, match="interacted with all"):
        T.sample_negatives(np.array([1]), T._train_keys(uu, ii, ni), ni, rng, max_rounds=50)


@pytest.mark.parametrize("kind,maps", [("mf", "diag"), ("lightgcn", "diag"), ("sheaf", "diag"),
                                       ("sheaf", "orthogonal")])
def test_bpr_gradient_matches_finite_differences(kind, maps):
    rng = np.random.default_rng(7)
    u, i, nu, ni = _random_pairs(rng)
    spec = M.ModelSpec(kind, nu, ni, dim=4, num_layers=2, stalk_dim=2, maps=maps)
    with jax.enable_x64(True):
        params = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64),
                                        M.init_params(spec, jax.random.PRNGKey(0), init_std=0.5, map_init_std=0.5))
        s, r, rev = (jnp.asarray(a) for a in M.bipartite_edges(u, i, nu, ni))
        batch = (jnp.asarray(u[:6]), jnp.asarray(i[:6]), jnp.asarray((i[:6] + 1) % ni),
                 jnp.asarray([1, 1, 1, 1, 0.5, 0.0], jnp.float64))
        f = jax.jit(lambda p: M.bpr_loss(p, spec, (s, r, rev, None), *batch, l2=1e-2))
        g = jax.jit(jax.grad(f))(params)
        direction = jax.tree_util.tree_map(lambda a: jnp.asarray(rng.normal(size=a.shape)), params)
        eps = 1e-6
        plus = jax.tree_util.tree_map(lambda a, d: a + eps * d, params, direction)
        minus = jax.tree_util.tree_map(lambda a, d: a - eps * d, params, direction)
        fd = (f(plus) - f(minus)) / (2 * eps)
        an = sum(jnp.sum(a * d) for a, d in zip(jax.tree_util.tree_leaves(g), jax.tree_util.tree_leaves(direction)))
        np.testing.assert_allclose(float(an), float(fd), rtol=1e-6, atol=1e-9)
        if kind == "sheaf":
            assert float(jnp.abs(g["sheaf"]["w"]).max()) > 0
        # a zero-weight triple contributes nothing
        g0 = jax.jit(jax.grad(lambda p: M.bpr_loss(p, spec, (s, r, rev, None), batch[0][-1:], batch[1][-1:],
                                           batch[2][-1:], jnp.zeros(1), l2=1e-2)))(params)
        assert float(jnp.abs(g0["user"]).max()) == 0.0


def test_model_spec_validation():
    with pytest.raises(ValueError, match="kind"):
        M.ModelSpec("gcn", 3, 3)
    with pytest.raises(ValueError, match="stalk_dim"):
        M.ModelSpec("sheaf", 3, 3, dim=10, stalk_dim=4)
    with pytest.raises(ValueError, match="maps"):
        M.ModelSpec("sheaf", 3, 3, dim=8, stalk_dim=4, maps="general")


# ----------------------------------------------------------------------------- metrics
def _brute_force(scores, exclude, relevant, k):
    rec, nd = [], []
    for s, ex, rel in zip(scores, exclude, relevant):
        cand = [j for j in np.argsort(-s, kind="stable") if not ex[j]][:k]
        hits = [1.0 if rel[j] else 0.0 for j in cand]
        n = rel.sum()
        rec.append(sum(hits) / n if n else 0.0)
        dcg = sum(h / np.log2(p + 2) for p, h in enumerate(hits))
        idcg = sum(1 / np.log2(p + 2) for p in range(min(n, k)))
        nd.append(dcg / idcg if n else 0.0)
    return np.array(rec), np.array(nd)


@pytest.mark.parametrize("k", [1, 5, 20])
def test_rank_metrics_vs_brute_force(k):
    rng = np.random.default_rng(8)
    b, ni = 40, 30
    scores = rng.normal(size=(b, ni))
    exclude = rng.random((b, ni)) < 0.3
    relevant = (rng.random((b, ni)) < 0.15) & ~exclude
    relevant[0] = False  # a user without test items
    relevant[1] = ~exclude[1]  # a user with every candidate relevant
    rec, nd = T.rank_metrics(jnp.asarray(scores, jnp.float32), jnp.asarray(exclude), jnp.asarray(relevant), k)
    want_r, want_n = _brute_force(scores, exclude, relevant, k)
    np.testing.assert_allclose(np.asarray(rec), want_r, atol=1e-6)
    np.testing.assert_allclose(np.asarray(nd), want_n, atol=1e-6)
    assert np.asarray(nd)[1] == pytest.approx(1.0)


def test_evaluate_batches_and_item_permutation_and_bad_input():
    rng = np.random.default_rng(9)
    inter = D.planted_communities(40, 30, 3, mean_degree=6, seed=0)
    sp = D.split_per_user(inter, 0.3, seed=0)
    ue, ie = rng.normal(size=(40, 6)), rng.normal(size=(30, 6))
    a = T.evaluate(ue, ie, sp, k=10, batch_users=7)
    b = T.evaluate(ue, ie, sp, k=10, batch_users=1000)
    assert a["users"] == b["users"] == np.unique(sp.test_users).size
    assert a["recall"] == pytest.approx(b["recall"], abs=1e-6) and a["ndcg"] == pytest.approx(b["ndcg"], abs=1e-6)
    # brute force over the whole split
    sc = ue @ ie.T
    ex = np.zeros((40, 30), bool)
    ex[sp.train_users, sp.train_items] = True
    rel = np.zeros((40, 30), bool)
    rel[sp.test_users, sp.test_items] = True
    users = np.unique(sp.test_users)
    wr, wn = _brute_force(sc[users], ex[users], rel[users], 10)
    assert a["recall"] == pytest.approx(wr.mean(), abs=1e-5) and a["ndcg"] == pytest.approx(wn.mean(), abs=1e-5)
    # relabelling items leaves the metrics unchanged
    perm = rng.permutation(30)
    inv = np.argsort(perm)
    sp2 = D.RecSplit(sp.name, 40, 30, sp.train_users, inv[sp.train_items], sp.test_users, inv[sp.test_items])
    c = T.evaluate(ue, ie[perm], sp2, k=10)
    assert c["recall"] == pytest.approx(a["recall"], abs=1e-6) and c["ndcg"] == pytest.approx(a["ndcg"], abs=1e-6)
    with pytest.raises(ValueError, match="k must lie"):
        T.evaluate(ue, ie, sp, k=31)
    with pytest.raises(ValueError, match="do not match"):
        T.evaluate(ue[:5], ie, sp)


def test_training_learns_the_planted_structure():
    inter = D.planted_communities(120, 80, 4, mean_degree=12, p_in=0.9, seed=1)
    sp = D.split_per_user(inter, 0.2, seed=0)
    res = {}
    for kind in ("mf", "lightgcn", "sheaf"):
        spec = M.ModelSpec(kind, sp.num_users, sp.num_items, dim=8, num_layers=2, stalk_dim=2)
        params, hist = T.train_model(sp, spec, epochs=8, batch_size=256, lr=1e-2, seed=0)
        assert hist["loss"][-1] < hist["loss"][0] < 0.7
        s, r, rev = M.bipartite_edges(sp.train_users, sp.train_items, sp.num_users, sp.num_items)
        res[kind] = T.evaluate(*M.embed(params, spec, jnp.asarray(s), jnp.asarray(r), jnp.asarray(rev)), sp)
    # random ranking: Recall@20 ~ 20 / (unseen items ~ 70); the trained models beat it clearly
    rand = T.evaluate(np.random.default_rng(0).normal(size=(120, 8)), np.random.default_rng(1).normal(size=(80, 8)), sp)
    for kind, ev in res.items():
        assert ev["recall"] > rand["recall"] + 0.15, (kind, ev, rand)
    with pytest.raises(ValueError, match="spec sizes"):
        T.train_model(sp, M.ModelSpec("mf", 5, 5), epochs=1)


@pytest.mark.parametrize("kind", ["diag", "orthogonal", "orthogonal-dense"])
def test_transport_step_is_identity_minus_normalized_laplacian(kind):
    rng = np.random.default_rng(10)
    u, i, nu, ni = _random_pairs(rng)
    ni += 2  # two items without any training edge
    s, r, rev = M.bipartite_edges(u, i, nu, ni)
    n, d = nu + ni, 4
    with jax.enable_x64(True):
        x = jnp.asarray(rng.normal(size=(n, d, 3)))
        if kind == "diag":
            maps = jnp.asarray(rng.uniform(0.2, 1.8, size=(s.size, d)))
        else:
            maps = M.RotationMaps(jnp.asarray(rng.uniform(-3, 3, size=(s.size, d // 2))), d)
            if kind == "orthogonal-dense":
                maps = M.rotation_matrices(maps)
        args = (maps, jnp.asarray(s), jnp.asarray(r), jnp.asarray(rev), n)
        step = np.asarray(M.sheaf_transport_apply(x, *args, eps=0.0))
        lap = np.asarray(x - M.sheaf_laplacian_apply(x, *args, eps=0.0))
    np.testing.assert_allclose(step[:n - 2], lap[:n - 2], atol=1e-12)
    assert np.all(step[n - 2:] == 0)  # isolated nodes: no propagated signal (as in LightGCN)
    x32 = jnp.asarray(rng.normal(size=(n, 8)), jnp.float32)
    lg = M.lightgcn_propagate(x32, jnp.asarray(s), jnp.asarray(r), 2)
    sh = M.sheaf_diffusion(x32, jnp.ones((s.size, d)), jnp.asarray(s), jnp.asarray(r), jnp.asarray(rev), 2, d)
    np.testing.assert_allclose(np.asarray(sh), np.asarray(lg), atol=2e-5)
