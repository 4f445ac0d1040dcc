"""Molecule3D geometry tools (jaxgraph.equivariant.geometry) against independent references."""
from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from jaxgraph.data import core
from jaxgraph.data.molecules import molecule_graph, parse_smiles
from jaxgraph.equivariant import geometry as geo


# ----------------------------------------------------------------------------- references
def horn_rmsd(p, q):
    """SVD-free float64 reference: Horn's quaternion method (J. Opt. Soc. Am. A 1987), proper rotations."""
    p = np.asarray(p, np.float64) - np.mean(p, 0)
    q = np.asarray(q, np.float64) - np.mean(q, 0)
    s = p.T @ q
    (sxx, sxy, sxz), (syx, syy, syz), (szx, szy, szz) = s
    n = np.array([
        [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
        [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
        [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
        [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
    ])
    lam = np.linalg.eigvalsh(n)[-1]
    e = (np.sum(p * p) + np.sum(q * q) - 2 * lam) / len(p)
    return np.sqrt(max(e, 0.0))


def _cloud(rng, n=9):
    return rng.normal(size=(n, 3)) * 1.5


def _rand_rigid(rng, x):
    r = Rotation.random(random_state=int(rng.integers(1 << 30))).as_matrix()
    return x @ r.T + rng.normal(size=3) * 5


# ----------------------------------------------------------------------------- Kabsch / RMSD
def test_kabsch_rigid_copy_is_zero_and_matches_references():
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = _cloud(rng)
        y = _rand_rigid(rng, x)
        assert float(geo.kabsch_rmsd(y, x)) < 1e-4
        aligned, r, _ = geo.kabsch_align(y, x)
        np.testing.assert_allclose(aligned, x, atol=1e-4)
        assert abs(float(jnp.linalg.det(r)) - 1.0) < 1e-5
        # noisy copy: agrees with Horn's quaternion RMSD and scipy's align_vectors
        z = y + rng.normal(size=y.shape) * 0.3
        got = float(geo.kabsch_rmsd(z, x))
        assert got == pytest.approx(horn_rmsd(z, x), abs=1e-4)
        zc, xc = z - z.mean(0), x - x.mean(0)
        _, rssd = Rotation.align_vectors(xc, zc)
        assert got == pytest.approx(rssd / np.sqrt(len(x)), abs=1e-4)


def test_kabsch_proper_rotations_only_and_invariance():
    rng = np.random.default_rng(1)
    x = _cloud(rng, 7)
    mirror = x * np.array([1.0, 1.0, -1.0])
    got = float(geo.kabsch_rmsd(mirror, x))
    assert got > 0.2  # a chiral point cloud is not superposable on its mirror image
    assert got == pytest.approx(horn_rmsd(mirror, x), abs=1e-4)
    # undoing the reflection makes it fit exactly, and the mirror oracle of geometry_metrics sees that
    assert float(geo.kabsch_rmsd(-mirror, x)) < 1e-4  # -mirror = x rotated by 180 degrees about z
    m = geo.geometry_metrics(mirror[None], x[None], np.ones((1, 7), bool), np.full((1, 7), 6))
    assert m["rmsd_all"][0] > 0.2 and m["rmsd_all_mirror"][0] < 1e-4
    y = x + rng.normal(size=x.shape) * 0.2
    base = float(geo.kabsch_rmsd(y, x))
    for _ in range(3):  # invariant to a rigid motion of either input
        assert float(geo.kabsch_rmsd(_rand_rigid(rng, y), x)) == pytest.approx(base, abs=1e-4)
        assert float(geo.kabsch_rmsd(y, _rand_rigid(rng, x))) == pytest.approx(base, abs=1e-4)


def test_kabsch_mask_ignores_padding():
    rng = np.random.default_rng(2)
    x = _cloud(rng, 6)
    y = _rand_rigid(rng, x) + rng.normal(size=x.shape) * 0.1
    pad = rng.normal(size=(4, 3)) * 100
    xm, ym = np.concatenate([x, pad]), np.concatenate([y, -pad])
    mask = np.arange(10) < 6
    assert float(geo.kabsch_rmsd(ym, xm, mask)) == pytest.approx(float(geo.kabsch_rmsd(y, x)), abs=1e-4)
    assert float(geo.distance_mae(ym, xm, mask)) == pytest.approx(float(geo.distance_mae(y, x)), abs=1e-5)


def test_distance_mae_brute_force():
    rng = np.random.default_rng(3)
    x, y = _cloud(rng, 8), _cloud(rng, 8)
    want = np.mean([abs(np.linalg.norm(x[i] - x[j]) - np.linalg.norm(y[i] - y[j]))
                    for i, j in itertools.combinations(range(8), 2)])
    assert float(geo.distance_mae(x, y)) == pytest.approx(want, rel=1e-5)
    # invariant to reflection and rigid motion
    assert float(geo.distance_mae(-_rand_rigid(rng, x), y)) == pytest.approx(want, rel=1e-4)


def test_validity():
    x = np.array([[0.0, 0, 0], [1.0, 0, 0], [0, 1.2, 0]])
    assert bool(geo.is_valid_geometry(x))
    assert not bool(geo.is_valid_geometry(x, min_distance=1.1))
    close = x.copy()
    close[2] = [0.3, 0, 0]
    assert not bool(geo.is_valid_geometry(close))
    nan = x.copy()
    nan[1, 0] = np.nan
    assert not bool(geo.is_valid_geometry(nan))
    assert bool(geo.is_valid_geometry(nan, mask=np.array([True, False, True])))


def test_geometry_metrics_batch_matches_single():
    rng = np.random.default_rng(4)
    n_max = 8
    ref = np.zeros((3, n_max, 3), np.float32)
    pred = np.zeros_like(ref)
    mask = np.zeros((3, n_max), bool)
    z = np.ones((3, n_max), np.int32)
    for g, n in enumerate([5, 8, 6]):
        ref[g, :n] = _cloud(rng, n)
        pred[g, :n] = ref[g, :n] + rng.normal(size=(n, 3)) * 0.2
        mask[g, :n] = True
        z[g, :n] = rng.choice([1, 6, 8], size=n)
        z[g, 0] = 6
    pred[2, 1] = np.nan  # a failed prediction
    m = geo.geometry_metrics(pred, ref, mask, z)
    for g in range(2):
        n = mask[g].sum()
        assert m["rmsd_all"][g] == pytest.approx(horn_rmsd(pred[g, :n], ref[g, :n]), abs=1e-4)
        heavy = z[g, :n] > 1
        if heavy.sum() >= 1:
            assert m["rmsd_heavy"][g] == pytest.approx(horn_rmsd(pred[g, :n][heavy], ref[g, :n][heavy]), abs=1e-4)
        assert m["distance_mae"][g] == pytest.approx(float(geo.distance_mae(pred[g, :n], ref[g, :n])), abs=1e-5)
    assert np.isnan(m["rmsd_all"][2]) and not m["valid"][2]
    with pytest.raises(ValueError, match="mask"):
        geo.geometry_metrics(pred, ref, mask[:, :4], z)
    with pytest.raises(ValueError, match="ref"):
        geo.geometry_metrics(pred, ref[:2], mask, z)


def test_pooled_distance_errors_and_edm_validity():
    rng = np.random.default_rng(8)
    ref = np.stack([_cloud(rng, 6), _cloud(rng, 6)]).astype(np.float32)
    pred = ref + rng.normal(size=ref.shape).astype(np.float32) * 0.2
    mask = np.ones((2, 6), bool)
    m = geo.geometry_metrics(pred, ref, mask, np.full((2, 6), 6))
    errs = [abs(np.linalg.norm(pred[g, i] - pred[g, j]) - np.linalg.norm(ref[g, i] - ref[g, j]))
            for g in range(2) for i, j in itertools.combinations(range(6), 2)]
    assert m["distance_abs_sum"].sum() / m["pair_count"].sum() == pytest.approx(np.mean(errs), rel=1e-4)
    assert np.sqrt(m["distance_sq_sum"].sum() / m["pair_count"].sum()) == pytest.approx(
        np.sqrt(np.mean(np.square(errs))), rel=1e-4)
    # EDM checks (Molecule3D's Validity / Validity3D): 3D points pass both, 4D points only the
    # first, a distance matrix that breaks the triangle inequality neither.
    x3, x4 = rng.normal(size=(9, 3)) * 2, rng.normal(size=(9, 4)) * 2
    d3 = np.linalg.norm(x3[:, None] - x3[None], axis=-1)
    d4 = np.linalg.norm(x4[:, None] - x4[None], axis=-1)
    bad = d3.copy()
    bad[0, 1] = bad[1, 0] = d3[0, 2] + d3[2, 1] + 1.0
    edm, three = geo.edm_validity(np.stack([d3, d4, bad]))
    assert edm.tolist() == [True, True, False] and three.tolist() == [True, False, False]
    padded = np.pad(np.stack([d3, d4]), ((0, 0), (0, 2), (0, 2)), constant_values=5.0)
    edm, three = geo.edm_validity(padded, np.arange(11)[None].repeat(2, 0) < 9)
    assert edm.tolist() == [True, True] and three.tolist() == [True, False]
    with pytest.raises(ValueError, match="d must"):
        geo.edm_validity(np.zeros((2, 3, 4)))


# ----------------------------------------------------------------------------- MDS / stress
def test_mds_recovers_exact_coordinates():
    rng = np.random.default_rng(5)
    x = _cloud(rng, 10)
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    for mask_pad in (0, 5):
        dd = np.pad(d, ((0, mask_pad), (0, mask_pad)), constant_values=7.0)
        mask = np.arange(10 + mask_pad) < 10
        y = np.asarray(geo.classical_mds(dd, mask))
        assert np.all(y[10:] == 0)
        y = y[:10]
        np.testing.assert_allclose(np.linalg.norm(y[:, None] - y[None], axis=-1), d, atol=1e-3)
        # up to a rigid motion and (MDS cannot know handedness) a reflection
        rmsd = min(float(geo.kabsch_rmsd(y, x)), float(geo.kabsch_rmsd(-y, x)))
        assert rmsd < 1e-3


def test_stress_refinement_reduces_stress():
    rng = np.random.default_rng(6)
    x = _cloud(rng, 8)
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    x0 = x + rng.normal(size=x.shape) * 0.5
    s0 = float(geo.stress(x0, d))
    x1 = geo.refine_by_stress(jnp.asarray(x0, jnp.float32), jnp.asarray(d, jnp.float32), steps=400, learning_rate=0.02)
    assert float(geo.stress(x1, d)) < 0.01 * s0
    # weighted stress vs a brute-force sum
    w = rng.uniform(0.5, 2, size=d.shape)
    want = sum(w[i, j] * (np.linalg.norm(x0[i] - x0[j]) - d[i, j]) ** 2 for i, j in itertools.combinations(range(8), 2))
    want /= sum(w[i, j] for i, j in itertools.combinations(range(8), 2))
    assert float(geo.stress(x0, d, w)) == pytest.approx(want, rel=1e-4)
    with pytest.raises(ValueError, match="d must"):
        geo.classical_mds(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="mask"):
        geo.classical_mds(np.zeros((3, 3)), mask=np.ones(4, bool))


def test_coordinates_from_distances_batched():
    rng = np.random.default_rng(9)
    xs = np.zeros((3, 9, 3), np.float32)
    mask = np.zeros((3, 9), bool)
    for g, n in enumerate([5, 8, 3]):
        xs[g, :n] = _cloud(rng, n) * 1.5
        mask[g, :n] = True
    d = np.asarray(geo.pairwise_distances(xs)) * (mask[:, :, None] & mask[:, None, :])
    for steps in (0, 50):
        y = geo.coordinates_from_distances(d, mask, refine_steps=steps, batch_size=2)
        m = geo.geometry_metrics(y, xs, mask, np.full((3, 9), 6))
        assert np.all(m["distance_mae"] < 2e-2) and np.all(m["valid"])
        assert np.all(y[~mask] == 0)
    with pytest.raises(ValueError, match="mask"):
        geo.coordinates_from_distances(d, mask[:, :4])


# ----------------------------------------------------------------------------- graphs, scaffolds, splits
def _mol_graph(smiles):
    return molecule_graph(parse_smiles(smiles))


def test_hop_matrix_vs_networkx():
    g = _mol_graph("CC(=O)Nc1ccc(O)cc1.[Na+]")
    n = int(g.n_node[0])
    h = geo.hop_matrix(g.senders, g.receivers, n)
    ref = nx.Graph(list(zip(np.asarray(g.senders).tolist(), np.asarray(g.receivers).tolist())))
    ref.add_nodes_from(range(n))
    sp = dict(nx.all_pairs_shortest_path_length(ref))
    for i in range(n):
        for j in range(n):
            assert h[i, j] == sp[i].get(j, -1)
    with pytest.raises(ValueError, match="senders"):
        geo.hop_matrix([0, 5], [1, 0], 3)


@pytest.mark.parametrize("smiles,scaffold", [
    ("Cc1ccccc1", "c1ccccc1"),  # side chain removed
    ("O=C1CCCCC1", "O=C1CCCCC1"),  # exocyclic double bond kept (RDKit convention)
    ("CC(=O)C1CCCCC1", "C1CCCCC1"),  # carbonyl of a side chain removed
    ("c1ccccc1CCc1ccccc1", "c1ccccc1CCc1ccccc1"),  # linker kept
    ("CCO", ""),  # acyclic: empty scaffold
    ("CS(=O)(=O)C1CC1", "C1CC1"),
    ("C1CCCC1=NO", "C1CCCC1=N"),  # only the atom on the double bond is kept
])
def test_murcko_scaffold_cases(smiles, scaffold):
    mol = parse_smiles(smiles)
    atoms = geo.murcko_scaffold_atoms(mol.atomic_numbers, mol.bonds, mol.bond_orders)
    want = parse_smiles(scaffold).num_atoms if scaffold else 0
    assert len(atoms) == want
    rdkit = pytest.importorskip("rdkit")
    del rdkit
    from rdkit.Chem.Scaffolds import MurckoScaffold

    from rdkit import Chem

    rd = MurckoScaffold.MurckoScaffoldSmiles(smiles)
    assert (Chem.MolFromSmiles(rd).GetNumAtoms() if rd else 0) == want


@pytest.fixture(scope="module")
def pcqm():
    for r in core.data_roots():
        if (r / "molecules" / "pcqm4mv2-2k.csv").exists():
            return core._LOADERS["pcqm4mv2-2k"]()
    pytest.skip("shared pcqm4mv2-2k data not found")


def test_scaffold_python_matches_rdkit_on_dataset(pcqm):
    pytest.importorskip("rdkit")
    from rdkit.Chem.Scaffolds import MurckoScaffold

    groups = geo.scaffold_groups(pcqm.graphs)
    keys = [geo.rdkit_scaffold_smiles(s) for s in pcqm.extras["smiles"]]
    # identical partitions of the 1,999 molecules into scaffold groups
    assert len(set(zip(groups.tolist(), keys))) == len(set(keys)) == len(set(groups.tolist()))
    assert len(set(keys)) > 500
    # identical scaffold atoms (RDKit atoms tagged with their input index) on every 4th molecule
    for g, smi in list(zip(pcqm.graphs, pcqm.extras["smiles"]))[::4]:
        mol = geo._rdkit_mol(smi)
        for a in mol.GetAtoms():
            a.SetIntProp("orig", a.GetIdx())
        sc = MurckoScaffold.GetScaffoldForMol(mol)
        want = sorted(a.GetIntProp("orig") for a in sc.GetAtoms() if a.GetAtomicNum() > 1)
        b, o = geo.bond_list(g)
        assert geo.murcko_scaffold_atoms(np.asarray(g.nodes["z"]), b, o).tolist() == want, smi


def test_splits_disjoint_covering_and_whole_groups():
    n = 103
    r = geo.random_split(n, seed=42)
    allidx = np.concatenate([r["train"], r["valid"], r["test"]])
    assert sorted(allidx.tolist()) == list(range(n))
    assert (len(r["train"]), len(r["valid"])) == (int(0.6 * n), int(0.8 * n) - int(0.6 * n))
    # same permutation as sklearn.utils.shuffle(range(n), random_state=42) (Molecule3D's split_data.py)
    sk = pytest.importorskip("sklearn.utils")
    np.testing.assert_array_equal(allidx, np.asarray(sk.shuffle(np.arange(n), random_state=42)))
    rng = np.random.default_rng(0)
    groups = rng.zipf(1.6, size=n) % 40
    s = geo.scaffold_split(groups.tolist())
    parts = [set(s[k].tolist()) for k in ("train", "valid", "test")]
    assert sum(map(len, parts)) == n and set().union(*parts) == set(range(n))
    for g in set(groups.tolist()):
        members = set(np.flatnonzero(groups == g).tolist())
        assert sum(bool(members & p) for p in parts) == 1  # a scaffold group is never split
    assert len(s["train"]) <= int(0.6 * n) and len(s["train"]) + len(s["valid"]) <= int(0.8 * n)
    largest = np.bincount(groups).argmax()
    assert set(np.flatnonzero(groups == largest).tolist()) <= parts[0]
    with pytest.raises(ValueError, match="frac"):
        geo.random_split(10, frac=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="groups"):
        geo.scaffold_split([1, 2])
    with pytest.raises(ValueError, match="n must"):
        geo.random_split(2)


def test_hop_baseline_table():
    hops = [np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0]]), np.array([[0, 1], [1, 0]])]
    dists = [np.array([[0, 1.0, 2.5], [1.0, 0, 1.4], [2.5, 1.4, 0]]), np.array([[0, 1.6], [1.6, 0]])]
    t = geo.fit_hop_distances(hops, dists, max_hop=4)
    assert t[1] == pytest.approx((1.0 + 1.4 + 1.6) / 3) and t[2] == pytest.approx(2.5)
    assert t[3] == t[4] == t[2]  # unseen bins carry the last mean
    d = geo.hop_baseline_distances(hops[0], t)
    assert d[0, 0] == 0 and d[0, 2] == pytest.approx(2.5)


def test_etkdg_keeps_atom_order(pcqm):
    pytest.importorskip("rdkit")
    smiles, graphs = pcqm.extras["smiles"], pcqm.graphs
    implicit = [k for k, g in enumerate(graphs) if np.any((np.asarray(g.nodes["x"])[:, 17] > 0))]
    assert len(implicit) >= 100  # the file's molecules with implicit H (module docstring: 207)
    for k in [0, 1, 2, implicit[0], implicit[1]]:
        g = graphs[k]
        z = np.asarray(g.nodes["z"])
        pos = geo.etkdg_positions(smiles[k], z, seed=42)
        assert pos is not None and pos.shape == (len(z), 3)
        b, _ = geo.bond_list(g)
        true = np.asarray(g.nodes["positions"], np.float64)
        db = np.linalg.norm(pos[b[:, 0]] - pos[b[:, 1]], axis=1)
        dt = np.linalg.norm(true[b[:, 0]] - true[b[:, 1]], axis=1)
        assert np.abs(db - dt).mean() < 0.05  # bond lengths agree only if the atom order does
    with pytest.raises(ValueError, match="z"):
        geo.etkdg_positions(smiles[0], np.asarray(graphs[0].nodes["z"])[::-1])


# ----------------------------------------------------------------------------- models
def test_pair_distance_gnn_symmetric_and_padding_invariant():
    graphs = [_mol_graph(s) for s in ("CCO", "c1ccccc1O", "CC(=O)N")]
    for g in graphs:
        g.nodes["positions"] = np.zeros((int(g.n_node[0]), 3), np.float32)
    small = geo.pack_molecules(graphs)
    big = geo.pack_molecules(graphs, n_max=small["x"].shape[1] + 6, max_edges=small["senders"].shape[1] + 9)
    model = geo.PairDistanceGNN(hidden=16, num_layers=2)
    g, ex = geo._batch_graph(small, np.arange(3))
    params = model.init(jax.random.PRNGKey(0), g, ex["hops"], ex["edge_mask"].reshape(-1))
    d_small = np.asarray(model.apply(params, g, ex["hops"], ex["edge_mask"].reshape(-1)))
    g2, ex2 = geo._batch_graph(big, np.arange(3))
    d_big = np.asarray(model.apply(params, g2, ex2["hops"], ex2["edge_mask"].reshape(-1)))
    for k, gr in enumerate(graphs):
        n = int(gr.n_node[0])
        np.testing.assert_allclose(d_small[k, :n, :n], d_big[k, :n, :n], atol=1e-5)
        np.testing.assert_allclose(d_small[k, :n, :n], d_small[k, :n, :n].T, atol=1e-6)
        assert np.all(np.diag(d_small[k]) == 0) and d_small[k, :n, :n][~np.eye(n, dtype=bool)].min() >= 0.7
    with pytest.raises(ValueError, match="n_max"):
        geo.pack_molecules(graphs, n_max=3)


def test_invariant_property_net_invariant_to_rotation_and_padding():
    rng = np.random.default_rng(7)
    net = geo.InvariantDistanceNet(hidden=8, num_layers=2)
    species = np.array([[3, 1, 1, 5, 0, 0]])
    pos = rng.normal(size=(1, 6, 3)).astype(np.float32)
    mask = np.array([[True, True, True, True, False, False]])
    params = net.init(jax.random.PRNGKey(0), species, pos, mask)
    y = float(net.apply(params, species, pos, mask)[0])
    rot = Rotation.random(random_state=3).as_matrix().astype(np.float32)
    pos2 = pos @ rot.T + 2.0
    pos2[0, 4:] = 50 * rng.normal(size=(2, 3))
    assert float(net.apply(params, species, pos2, mask)[0]) == pytest.approx(y, abs=1e-4)


def test_equivariant_batch_matches_single_molecules():
    eqm = pytest.importorskip("jaxgraph.equivariant.model")
    rng = np.random.default_rng(10)
    B, N = 3, 7
    n = [5, 6, 3]
    species = np.zeros((B, N), np.int32)
    pos = np.zeros((B, N, 3), np.float32)
    mask = np.zeros((B, N), bool)
    for g, k in enumerate(n):
        species[g, :k] = rng.integers(1, 6, size=k)
        pos[g, :k] = rng.normal(size=(k, 3)) * 1.5
        pos[g, k:] = 99.0  # garbage in padding slots must not matter
        mask[g, :k] = True
    graph = geo.equivariant_batch(species, pos, mask, 4.0, eqm.radius_graph, edge_multiple=64)
    assert graph.n_node.tolist() == n + [B * N - sum(n)]
    assert int(graph.n_edge.sum()) == len(graph.senders) and len(graph.senders) % 64 == 0
    for g, k in enumerate(n):  # the molecule's edges are exactly its pairs within the cutoff
        d = np.linalg.norm(pos[g, :k, None] - pos[g, None, :k], axis=-1)
        assert graph.n_edge[g] == int(((d < 4.0) & ~np.eye(k, dtype=bool)).sum())
    # one compiled shape: the same molecules in another slot order, with other padding garbage,
    # give the same per-molecule outputs (padding atoms and padding edges carry nothing)
    net = eqm.EquivariantGNN(num_species=16, hidden_irreps="8x0e+4x1o", lmax=1, num_layers=1, cutoff=4.0)
    params = jax.jit(net.init)(jax.random.PRNGKey(0), graph)  # eager e3nn init is ~5x slower
    apply = jax.jit(net.apply)
    batched = np.asarray(apply(params, graph))
    assert batched[-1] == 0.0  # the padding graph
    perm = np.array([2, 0, 1])
    pos2 = pos[perm].copy()
    pos2[~mask[perm]] = -7.0
    graph2 = geo.equivariant_batch(species[perm], pos2, mask[perm], 4.0, eqm.radius_graph, edge_multiple=64)
    np.testing.assert_allclose(np.asarray(apply(params, graph2))[:-1], batched[:-1][perm], atol=1e-4)
    with pytest.raises(ValueError, match="mask"):
        geo.equivariant_batch(species[:, :3], pos[:, :3], np.ones((B, 3), bool), 4.0, eqm.radius_graph)
