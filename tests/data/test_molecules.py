"""SMILES parser and molecule datasets (jaxgraph.data.molecules) on the real shared files."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from jaxgraph.data import core, molecules
from jaxgraph.data.core import data_roots
from jaxgraph.data.molecules import ATOM_VOCAB, ELEMENTS, NODE_FEATURES, SmilesError, parse_smiles


def _shared() -> Path:
    for r in data_roots():
        if (r / "molecules" / "micro_ZINC.csv").exists():
            return r
    pytest.skip("shared molecule data not found")


_CACHE: dict = {}


def _load(name):
    _shared()  # skip when the shared files are in no data root (no download attempts in tests)
    if name not in _CACHE:
        _CACHE[name] = core._LOADERS[name]()
    return _CACHE[name]


def _components(m):
    n = m.num_atoms
    a = sp.coo_matrix((np.ones(len(m.bonds)), (m.bonds[:, 0], m.bonds[:, 1])), shape=(n, n)) if len(m.bonds) else sp.coo_matrix((n, n))
    return connected_components(a, directed=False)[0]


# ----------------------------------------------------------------------------- parser
def test_benzene():
    m = parse_smiles("c1ccccc1")
    assert m.atomic_numbers.tolist() == [6] * 6
    assert m.aromatic.all()
    assert m.bond_orders.tolist() == [1.5] * 6
    assert sorted(map(tuple, m.bonds.tolist())) == [(0, 1), (0, 5), (1, 2), (2, 3), (3, 4), (4, 5)]
    assert m.num_hs.tolist() == [1] * 6
    assert m.formula() == "C6H6"


def test_ethanol():
    m = parse_smiles("CCO")
    assert m.atomic_numbers.tolist() == [6, 6, 8]
    assert m.implicit_hs.tolist() == [3, 2, 1] and m.explicit_hs.tolist() == [0, 0, 0]
    assert m.bonds.tolist() == [[0, 1], [1, 2]] and m.bond_orders.tolist() == [1.0, 1.0]
    assert not m.aromatic.any() and m.formula() == "C2H6O"


def test_ammonium():
    m = parse_smiles("[NH4+]")
    assert m.atomic_numbers.tolist() == [7] and m.formal_charges.tolist() == [1]
    assert m.explicit_hs.tolist() == [4] and m.implicit_hs.tolist() == [0]
    assert len(m.bonds) == 0 and m.formula() == "H4N"


def test_lactic_acid_chirality():
    m = parse_smiles("C[C@@H](O)C(=O)O")
    assert m.atomic_numbers.tolist() == [6, 6, 8, 6, 8, 8]
    assert m.chirality == ["", "@@", "", "", "", ""]
    assert m.explicit_hs.tolist() == [0, 1, 0, 0, 0, 0]
    assert m.num_hs.tolist() == [3, 1, 1, 0, 0, 1]
    assert m.bonds.tolist() == [[0, 1], [1, 2], [1, 3], [3, 4], [3, 5]]
    assert m.bond_orders.tolist() == [1, 1, 1, 2, 1]
    assert m.formula() == "C3H6O3"
    assert parse_smiles("C[C@H](O)C(=O)O").chirality[1] == "@"
    assert parse_smiles("F[C@TH2](Cl)(Br)I").chirality[1] == "@TH2"


def test_ring_closures():
    m = parse_smiles("C%10CCCCC%10")
    assert m.formula() == "C6H12" and [0, 5] in m.bonds.tolist() and len(m.bonds) == 6
    m = parse_smiles("C%(123)CCC%(123)")
    assert m.formula() == "C4H8" and [0, 3] in m.bonds.tolist()
    m = parse_smiles("C1CC1C1CC1")  # ring number reused after closing
    assert m.formula() == "C6H10" and len(m.bonds) == 7
    m = parse_smiles("C=1CCCCC1")  # bond symbol at the opening
    assert m.bond_orders[m.bonds.tolist().index([0, 5])] == 2.0 and m.formula() == "C6H10"
    m = parse_smiles("C1CCCCC=1")  # ... or at the closing
    assert m.bond_orders[m.bonds.tolist().index([0, 5])] == 2.0
    m = parse_smiles("c12ccccc1cccc2")  # naphthalene, two rings on one atom
    assert m.formula() == "C10H8" and len(m.bonds) == 11


def test_charged_bracket_atoms():
    m = parse_smiles("C[N+](=O)[O-]")  # nitromethane
    assert m.formal_charges.tolist() == [0, 1, 0, -1]
    assert m.num_hs.tolist() == [3, 0, 0, 0] and m.formula() == "CH3NO2"
    assert parse_smiles("[Fe+3]").formal_charges.tolist() == [3]
    assert parse_smiles("[Fe+++]").formal_charges.tolist() == [3]
    assert parse_smiles("[O--]").formal_charges.tolist() == [-2]
    m = parse_smiles("[13CH3:7][OH]")
    assert m.isotopes.tolist() == [13, 0] and m.atom_classes.tolist() == [7, 0] and m.formula() == "CH4O"
    m = parse_smiles("[2H]C([2H])([2H])[2H]")
    assert m.atomic_numbers.tolist() == [1, 6, 1, 1, 1] and m.implicit_hs.sum() == 0 and m.formula() == "CH4"
    m = parse_smiles("[Cu+2].[Sc]")  # two-letter bracket elements
    assert m.atomic_numbers.tolist() == [29, 21]


def test_disconnected_salts():
    m = parse_smiles("[Na+].[Cl-]")
    assert m.atomic_numbers.tolist() == [11, 17] and len(m.bonds) == 0 and _components(m) == 2
    assert m.formal_charges.tolist() == [1, -1] and m.num_hs.tolist() == [0, 0]
    zinc0 = "Cc1cccc(COC(=O)Nc2ccc(-c3cn[nH]c3)cc2OCCN2CCCC2)c1.O=C(O)C(F)(F)F.O=C(O)C(F)(F)F"
    m = parse_smiles(zinc0)
    assert _components(m) == 3 and m.formula() == "C28H30F6N4O7"  # C24H28N4O3 + 2 C2HF3O2
    m = parse_smiles("C1.C1")  # ring bond across a dot joins the fragments
    assert m.bonds.tolist() == [[0, 1]] and m.formula() == "C2H6"


@pytest.mark.parametrize(
    "smiles,formula,hs",
    [
        ("c1ccncc1", "C5H5N", [1, 1, 1, 0, 1, 1]),  # pyridine
        ("c1cc[nH]c1", "C4H5N", [1, 1, 1, 1, 1]),  # pyrrole
        ("Cn1cccc1", "C5H7N", [3, 0, 1, 1, 1, 1]),  # N-methylpyrrole
        ("c1ccoc1", "C4H4O", [1, 1, 1, 0, 1]),  # furan
        ("c1ccsc1", "C4H4S", [1, 1, 1, 0, 1]),  # thiophene
        ("O=c1cccc[nH]1", "C5H5NO", [0, 0, 1, 1, 1, 1, 1]),  # 2-pyridone
        ("c1ccc2[nH]ccc2c1", "C8H7N", [1, 1, 1, 0, 1, 1, 1, 0, 1]),  # indole
        ("c1ccccc1-c1ccccc1", "C12H10", None),  # biphenyl: explicit single between aromatics
        ("CS(=O)(=O)C", "C2H6O2S", [3, 0, 0, 0, 3]),  # sulfone: S valence 6
        ("OP(=O)(O)O", "H3O4P", [1, 0, 0, 1, 1]),  # P valence 5
        ("C[N+](C)(C)C", "C4H12N", [3, 0, 3, 3, 3]),
        ("N#N", "N2", [0, 0]),
        ("*C", "CH3*", [0, 3]),
    ],
)
def test_implicit_hydrogens(smiles, formula, hs):
    m = parse_smiles(smiles)
    assert m.formula() == formula
    if hs is not None:
        assert m.num_hs.tolist() == hs


def test_bond_symbols():
    m = parse_smiles("F/C=C/F")
    assert m.bond_symbols == ["/", "=", "/"] and m.bond_orders.tolist() == [1, 2, 1]
    m = parse_smiles("c1ccccc1-c1ccccc1")
    assert m.bond_orders[m.bonds.tolist().index([5, 6])] == 1.0
    assert parse_smiles("C#C").bond_orders.tolist() == [3.0]
    assert parse_smiles("C$C").bond_orders.tolist() == [4.0]
    assert parse_smiles("C:C").bond_orders.tolist() == [1.5]


@pytest.mark.parametrize(
    "smiles,pattern",
    [
        ("C1CC", "unclosed ring bond 1"),
        ("C%12CC", "unclosed ring bond 12"),
        ("C(C", "unbalanced parenthesis"),
        ("CC)C", "unbalanced parenthesis"),
        ("[Xx]C", "unknown element 'Xx'"),
        ("CXy", "unknown element 'X'"),
        ("CZn", "element outside brackets (write it as [Zn])"),
        ("C=", "dangling bond"),
        ("=C", "no atom before it"),
        ("[CH4", "unclosed bracket"),
        ("C1C1", "duplicate bond"),
        ("C11", "to itself"),
        ("C()C", "empty branch"),
        ("C((C))", "cannot start with"),
        ("", "empty SMILES"),
        ("C%1C", "two digits"),
        ("[C@TH9]", "bad chirality"),
        ("C=1CCCCC#1", "ring bond 1 is '='"),
        ("C==C", "two bond symbols"),
        ("C.(C)", "no atom before it"),
        ("[C+z]", "unexpected"),
        ("C?C", "unexpected character"),
    ],
)
def test_malformed_smiles(smiles, pattern):
    with pytest.raises(SmilesError, match=re.escape(pattern)):
        parse_smiles(smiles)
    assert issubclass(SmilesError, ValueError)


def test_molecule_graph_layout():
    g = molecules.molecule_graph(parse_smiles("C[N+](=O)[O-]"))
    x, z = g.nodes["x"], g.nodes["z"]
    assert x.dtype == np.float32 and x.shape == (4, 18) and len(NODE_FEATURES) == 18
    assert z.dtype == np.int32 and z.tolist() == [6, 7, 8, 8]
    assert x[:, :15].sum(1).tolist() == [1, 1, 1, 1]
    assert [ATOM_VOCAB[i] for i in x[:, :15].argmax(1)] == [6, 7, 8, 8]
    assert x[:, 15].tolist() == [0, 1, 0, -1] and x[:, 17].tolist() == [3, 0, 0, 0]
    assert g.edges.shape == (6, 5) and g.edges.dtype == np.float32
    s, r = np.asarray(g.senders), np.asarray(g.receivers)
    assert list(zip(s.tolist(), r.tolist())) == [(0, 1), (1, 0), (1, 2), (1, 3), (2, 1), (3, 1)]
    assert g.edges.argmax(1).tolist() == [0, 0, 1, 0, 1, 0]  # single, single, double, ...
    assert molecules.molecule_graph(parse_smiles("[Fe]")).nodes["x"][0, 14] == 1  # "other" column
    single = molecules.molecule_graph(parse_smiles("C"))
    assert int(single.n_edge[0]) == 0 and single.edges.shape == (0, 5)


# ----------------------------------------------------------------------------- datasets
def _check_graphs(d):
    for g in d.graphs[:: max(1, len(d) // 100)]:
        n = int(g.n_node[0])
        assert g.nodes["x"].shape == (n, 18) and g.nodes["z"].shape == (n,)
        s, r = np.asarray(g.senders).astype(np.int64), np.asarray(g.receivers)
        assert np.all(np.diff(s * n + r) > 0)
        assert set(zip(s.tolist(), r.tolist())) == set(zip(r.tolist(), s.tolist()))
        assert np.all(g.edges.sum(1) == 1)


def test_registered():
    for name, fn in [("micro-zinc", molecules.load_micro_zinc), ("micro-qm9", molecules.load_micro_qm9),
                     ("pcqm4mv2-2k", molecules.load_pcqm4mv2_2k)]:
        assert core._LOADERS[name] is fn


def test_micro_zinc():
    d = _load("micro-zinc")
    rows = list(csv.DictReader(open(_shared() / "molecules" / "micro_ZINC.csv")))
    assert len(d) == len(rows) == 1002  # the data README says 1,000; the file has 1,002 rows
    assert d.labels.shape == (1002, 3) and d.num_classes == 0 and d.folds == []
    assert d.extras["target_names"] == ("SA", "logp", "score")
    np.testing.assert_array_equal(d.labels[0], [2.896514950230738, 5.87502, 2.978505049769262])
    assert d.extras["smiles"][0] == rows[0]["SMILES"]
    _check_graphs(d)
    heavy = sum(len(g.nodes["z"]) for g in d.graphs)
    assert heavy == sum(parse_smiles(r["SMILES"]).num_atoms for r in rows)
    assert {ELEMENTS[z] for g in d.graphs for z in g.nodes["z"].tolist()} <= {"C", "N", "O", "S", "F", "Cl", "Br", "I", "P"}


QM9_FORMULAS = {
    "gdb_1": "CH4", "gdb_2": "H3N", "gdb_3": "H2O", "gdb_4": "C2H2", "gdb_5": "CHN", "gdb_6": "CH2O",
    "gdb_59880": "C7H13NO",
}


def test_micro_qm9():
    d = _load("micro-qm9")
    assert len(d) == 1006 and d.labels.shape == (1006, 19) and d.num_classes == 0 and d.folds == []
    assert d.extras["target_names"][:3] == ("A", "B", "C") and d.extras["target_names"][-1] == "g298_atom"
    assert d.labels[0, 0] == 157.7118 and d.labels[0, 5] == -0.3877  # gdb_1: A, homo
    ids = d.extras["mol_id"]
    for mol_id, formula in QM9_FORMULAS.items():
        assert parse_smiles(d.extras["smiles"][ids.index(mol_id)]).formula() == formula
    _check_graphs(d)
    for smi, g in zip(d.extras["smiles"], d.graphs):
        z = g.nodes["z"]
        assert len(z) <= 9 and set(z.tolist()) <= {6, 7, 8, 9}  # QM9: <= 9 heavy atoms C, N, O, F
        m = parse_smiles(smi)
        assert m.formal_charges.sum() == 0  # QM9 molecules are neutral
        if not m.aromatic.any():  # valence check: bond orders + H = normal valence (+1 for N+, -1 for O-)
            v = m.num_hs.astype(float)
            for (a, b), o in zip(m.bonds, m.bond_orders):
                v[a] += o
                v[b] += o
            normal = {6: 4, 7: 3, 8: 2, 9: 1}
            # charged atoms: N+ 4, O- 1 (normal + charge); C+/C- 3 (4 - |charge|)
            want = [normal[int(zz)] + (-abs(c) if zz == 6 else c) for zz, c in zip(z, m.formal_charges)]
            assert v.tolist() == want, smi


_TOKEN = re.compile(r"\[[^\]]+\]|Br|Cl|[BCNOPSFI]|[bcnops]|\*")


def test_pcqm_atoms_coordinates_and_hydrogens():
    d = _load("pcqm4mv2-2k")
    rows = list(csv.DictReader(open(_shared() / "molecules" / "pcqm4mv2-2k.csv")))
    assert len(d) == len(rows) == 1999 and d.labels.shape == (1999, 1) and d.folds == []
    assert d.labels[0, 0] == 3.0476751256
    with_implicit = 0
    for row, smi, g in zip(rows, d.extras["smiles"], d.graphs):
        raw_smiles, ext = row["smiles"].split(" |")
        assert raw_smiles == smi
        n_coords = ext.count(";") + 1  # independent of the parser: triples in the CXSMILES block
        n_tokens = len(_TOKEN.findall(smi))
        pos, z = g.nodes["positions"], g.nodes["z"]
        assert pos.dtype == np.float32 and pos.shape == (n_coords, 3) and len(z) == n_tokens == n_coords
        assert int((z == 1).sum()) == smi.count("[H]")
        m = parse_smiles(smi)
        assert m.explicit_hs.sum() == 0  # every hydrogen is written as an [H] atom ...
        if m.implicit_hs.sum():
            # ... except in 207 molecules whose SMILES valence implies hydrogens that the geometry
            # lacks: no atom sits where they would be (nothing unbonded within 1.25 A)
            with_implicit += 1
            for a in np.flatnonzero(m.implicit_hs):
                near = np.flatnonzero(np.linalg.norm(pos - pos[a], axis=1) < 1.25)
                bonded = set(np.asarray(g.receivers)[np.asarray(g.senders) == a].tolist())
                assert set(near.tolist()) - {a} <= bonded
    assert with_implicit == 207


# covalent radii (Cordero et al. 2008), Angstrom
_RADIUS = {1: 0.31, 5: 0.84, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57, 14: 1.11, 15: 1.07, 16: 1.05, 17: 1.02,
           32: 1.20, 35: 1.20, 53: 1.39}


def test_pcqm_bond_lengths_physical():
    d = _load("pcqm4mv2-2k")
    by_pair: dict = {}
    for g in d.graphs:
        s, r = np.asarray(g.senders), np.asarray(g.receivers)
        m = s < r
        pos, z = g.nodes["positions"], g.nodes["z"]
        dist = np.linalg.norm(pos[s[m]] - pos[r[m]], axis=1)
        radii = np.array([_RADIUS[int(a)] + _RADIUS[int(b)] for a, b in zip(z[s[m]], z[r[m]])])
        assert np.all((dist > 0.75 * radii) & (dist < 1.25 * radii))
        for a, b, x, t in zip(z[s[m]], z[r[m]], dist, g.edges[m].argmax(1)):
            by_pair.setdefault((min(a, b), max(a, b), int(t)), []).append(x)
        # no two unbonded atoms closer than 1.5 A (a missed bond or misordered coordinates would show)
        n = len(z)
        full = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
        adj = np.eye(n, dtype=bool)
        adj[s, r] = True
        assert full[~adj].min(initial=9.0) > 1.5
    ch = np.array(by_pair[(1, 6, 0)])
    assert len(ch) > 20000 and ch.min() > 1.0 and ch.max() < 1.2  # all C-H bonds within 1.0-1.2 A
    assert 0.9 < min(by_pair[(1, 7, 0)] + by_pair[(1, 8, 0)]) and max(by_pair[(1, 7, 0)] + by_pair[(1, 8, 0)]) < 1.1
    assert 1.15 < min(by_pair[(6, 6, 2)]) and max(by_pair[(6, 6, 2)]) < 1.25  # C#C
    assert 1.1 < min(by_pair[(6, 7, 2)]) and max(by_pair[(6, 7, 2)]) < 1.2  # C#N
    long = {k for k, v in by_pair.items() if max(v) > 2.0}
    # bonded pairs lie within 0.9-2.0 A except bonds to heavy atoms: C-Br (<= 2.08 A), P-Cl and S-S (2.12 A)
    assert {(ELEMENTS[a], ELEMENTS[b]) for a, b, _ in long} <= {("C", "Br"), ("P", "Cl"), ("S", "S")}
    assert min(min(v) for v in by_pair.values()) > 0.9


def test_all_smiles_parse():
    for name in ("micro-zinc", "micro-qm9", "pcqm4mv2-2k"):
        d = _load(name)
        assert len(d.graphs) == len(d.extras["smiles"]) == len(d.labels)


# ----------------------------------------------------------------------------- malformed files
@pytest.fixture
def mol_root(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    (tmp_path / "molecules").mkdir()
    for f in ("micro_ZINC.csv", "micro_qm9.csv", "pcqm4mv2-2k.csv"):
        shutil.copy(_shared() / "molecules" / f, tmp_path / "molecules" / f)
        (tmp_path / "molecules" / f).chmod(0o644)
    return tmp_path


def _edit(path: Path, lineno: int, fn):
    lines = path.read_text().split("\n")
    lines[lineno - 1] = fn(lines[lineno - 1])
    path.write_text("\n".join(lines))


@pytest.mark.parametrize(
    "lineno,fn,pattern",
    [
        (5, lambda l: "C1CC" + l[l.index(","):], r"micro_ZINC\.csv, line 5: invalid SMILES: .*unclosed ring bond 1"),
        (6, lambda l: "CC(C" + l[l.index(","):], r"micro_ZINC\.csv, line 6: invalid SMILES: .*unbalanced parenthesis"),
        (7, lambda l: "C[Xx]C" + l[l.index(","):], r"micro_ZINC\.csv, line 7: invalid SMILES: .*unknown element 'Xx'"),
        (8, lambda l: l + ",1.0", r"micro_ZINC\.csv, line 8: expected 4 columns, got 5"),
        (9, lambda l: l.split(",")[0] + ",abc,1,2", r"micro_ZINC\.csv, line 9: cannot parse SA = 'abc'"),
        (10, lambda l: l.split(",")[0] + ",1,nan,2", r"micro_ZINC\.csv, line 10: logp = 'nan' is not finite"),
        (1, lambda l: "SMILES,SA,logP,score", r"micro_ZINC\.csv, line 1: header lacks column\(s\) \['logp'\]"),
    ],
)
def test_malformed_zinc(mol_root, lineno, fn, pattern):
    _edit(mol_root / "molecules" / "micro_ZINC.csv", lineno, fn)
    with pytest.raises(ValueError, match=pattern):
        molecules.load_micro_zinc(root=mol_root)


def test_malformed_qm9(mol_root):
    _edit(mol_root / "molecules" / "micro_qm9.csv", 4, lambda l: l.replace(",O,", ",O),", 1))
    with pytest.raises(ValueError, match=r"micro_qm9\.csv, line 4: invalid SMILES: .*unbalanced parenthesis"):
        molecules.load_micro_qm9(root=mol_root)


def _drop_last_coordinate(line):
    head, tail = line.rsplit(")|", 1)
    return head[: head.rindex(";")] + ")|" + tail


@pytest.mark.parametrize(
    "fn,pattern",
    [
        (_drop_last_coordinate, r"pcqm4mv2-2k\.csv, line 12: the coordinate block has 24 atoms but the SMILES has 25"),
        (lambda l: l.replace(" |(", " |(x", 1), r"pcqm4mv2-2k\.csv, line 12: invalid CXSMILES coordinates: cannot parse coordinate 0"),
        (lambda l: l.replace(" |(", " |", 1), r"pcqm4mv2-2k\.csv, line 12: invalid CXSMILES coordinates: .*no '\(x,y,z"),
        (lambda l: re.sub(r" \|\(.*\)\|", "", l), r"pcqm4mv2-2k\.csv, line 12: CXSMILES has no"),
        (lambda l: l.replace("C", "C9", 1), r"pcqm4mv2-2k\.csv, line 12: invalid SMILES: .*unclosed ring bond 9"),
    ],
)
def test_malformed_pcqm(mol_root, fn, pattern):
    p = mol_root / "molecules" / "pcqm4mv2-2k.csv"
    line = p.read_text().split("\n")[11]
    assert len(parse_smiles(line[1:line.index(" |")]).atomic_numbers) == 25  # row 11 has 25 atoms
    _edit(p, 12, fn)
    with pytest.raises(ValueError, match=pattern):
        molecules.load_pcqm4mv2_2k(root=mol_root)


def test_missing_file_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGRAPH_OFFLINE", "1")
    with pytest.raises(core.DatasetNotFoundError, match="micro_ZINC.csv"):
        molecules.load_micro_zinc(root=tmp_path)


# ----------------------------------------------------------------------------- optional RDKit
def test_rdkit_cross_check():
    """Atoms, bonds, per-atom hydrogen counts and net charge agree with RDKit (when installed).

    RDKit's sanitisation rewrites pentavalent nitro groups as ``[N+](=O)[O-]`` and moves the
    hydrogen of aromatic ``N`` into an explicit count, so per-atom charges and implicit/explicit
    splits are not compared; total H per atom (``GetTotalNumHs``) and net charge are.
    """
    Chem = pytest.importorskip("rdkit.Chem")
    params = Chem.SmilesParserParams()
    params.removeHs = False  # keep pcqm's [H] atoms as atoms, as the parser does
    for name in ("micro-zinc", "micro-qm9", "pcqm4mv2-2k"):
        for smi in _load(name).extras["smiles"]:
            ref = Chem.MolFromSmiles(smi, params)
            m = parse_smiles(smi)
            assert [a.GetAtomicNum() for a in ref.GetAtoms()] == m.atomic_numbers.tolist(), smi
            assert ref.GetNumBonds() == len(m.bonds), smi
            assert [a.GetTotalNumHs() for a in ref.GetAtoms()] == m.num_hs.tolist(), smi
            assert sum(a.GetFormalCharge() for a in ref.GetAtoms()) == int(m.formal_charges.sum()), smi
