"""Small molecular property datasets from SMILES, with a pure-Python SMILES parser (no RDKit).

Datasets (CSV files from datamol-io/graphium @ f1c1809, Apache-2.0; cite the original authors):

``micro-zinc``  ``molecules/micro_ZINC.csv`` (graphium ``graphium/data/micro_ZINC/micro_ZINC.csv``):
  1,002 ZINC molecules (Irwin & Shoichet, J. Chem. Inf. Model. 2005; the constrained-solubility
  task of Gomez-Bombarelli et al. 2018 / Jin et al. 2018). Columns ``SMILES, SA, logp, score``;
  ``labels [G, 3]`` = (SA, logp, score) with score = logP - SA - (#long cycles).
``micro-qm9``   ``molecules/micro_qm9.csv`` (graphium ``graphium/data/QM9/micro_qm9.csv``):
  1,006 QM9 molecules (Ramakrishnan et al., Sci. Data 2014; Ruddigkeit et al. 2012), columns
  ``mol_id, smiles`` and 19 targets ``A B C mu alpha homo lumo gap r2 zpve u0 u298 h298 g298 cv
  u0_atom u298_atom h298_atom g298_atom`` (QM9 units: GHz, Debye, bohr^3, hartree, ...);
  ``labels [G, 19]`` in that order. No coordinates.
``pcqm4mv2-2k`` ``molecules/pcqm4mv2-2k.csv`` (graphium ``tests/data/pcqm4mv2-2k.csv``):
  1,999 PCQM4Mv2 molecules (Hu et al., OGB-LSC, NeurIPS 2021 datasets track; PubChemQC,
  Nakata & Shimazaki 2017) written as CXSMILES with every hydrogen as an explicit ``[H]`` atom and
  the DFT-optimised 3D geometry in the ``|(x,y,z;...)|`` extension (Angstrom, one triple per atom
  in SMILES order). Column ``homo`` holds the HOMO-LUMO gap in eV; ``labels [G, 1]``.
  Caveat of the file: in 207 of the 1,999 molecules some atoms are written unbracketed with fewer
  bonds than their valence (e.g. ``[H]C1C2=...`` with 3 neighbours), so by SMILES rules (and RDKit)
  they carry 446 implicit hydrogens in total that are neither ``[H]`` atoms nor in the coordinate
  block (the geometry has no atom where they would sit). They are counted in the ``num_hs``
  feature like any implicit H; ``positions`` cover exactly the written atoms.

Every dataset is a :class:`~jaxgraph.data.core.GraphDataset` with ``num_classes = 0`` (regression),
``labels`` float64 ``[G, T]`` exactly as written in the file, and ``folds = []``: random and
scaffold splits come later. ``extras`` holds ``smiles`` (list, without the CXSMILES extension),
``target_names`` and for QM9 ``mol_id``.

Each graph (one molecule; the hydrogens that SMILES writes as separate ``[H]`` atoms are nodes,
all other hydrogens are counted on their heavy atom) has

* ``nodes``: a dict ``{"x": float32 [N, 18], "z": int32 [N] atomic numbers}`` plus, for
  pcqm4mv2-2k, ``"positions": float32 [N, 3]`` (Angstrom). ``x`` columns (:data:`NODE_FEATURES`):
  0-14 one-hot atomic number over :data:`ATOM_VOCAB` = H B C N O F Si P S Cl As Se Br I, then
  "other" (column 14); 15 formal charge; 16 aromatic flag (lowercase SMILES atom); 17 number of
  hydrogens attached but not present as nodes (bracket ``H`` count + implicit H).
* ``edges``: float32 ``[E, 5]`` one-hot bond type over :data:`BOND_TYPES` = single, double,
  triple, aromatic, quadruple (bond orders 1, 2, 3, 1.5, 4; ``/`` and ``\\`` are single).
* both directions of every bond, sorted by ``(sender, receiver)``.

:func:`parse_smiles` implements OpenSMILES: organic-subset atoms ``B C N O P S F Cl Br I`` and
aromatic ``b c n o p s``, ``*``; bracket atoms ``[isotope symbol chirality Hcount charge :class]``
(any element, aromatic ``b c n o p s se as te``, chirality ``@ @@ @TH1 ... @OH30``);
bonds ``- = # $ : / \\``, implicit single/aromatic bonds (aromatic between two aromatic atoms);
branches; ring closures ``0-9``, ``%nn`` and ``%(nnn)``; ``.`` fragments. Implicit hydrogens of
organic-subset atoms follow OpenSMILES: the smallest default valence (B 3, C 4, N 3/5, O 2,
P 3/5, S 2/4/6, halogens 1) not below the bond-order sum, minus that sum; for an aromatic atom
the aromatic bonds count 1 each and one unit goes to the aromatic pi bond when the chosen valence
has room for it (benzene ``c`` -> 1 H, pyridine ``n`` -> 0, ``c(=O)`` -> 0). Bracket atoms have
exactly the hydrogens they state. Malformed SMILES (unclosed ring, unbalanced parenthesis, unknown
element, dangling bond, ...) raise :class:`SmilesError` (a ``ValueError``); the loaders re-raise
it naming the file and line.
"""
from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np

from jaxgraph.data.core import GraphDataset, find_file, malformed, register
from jaxgraph.graph.build import from_edge_list

__all__ = [
    "ATOM_VOCAB",
    "BOND_TYPES",
    "NODE_FEATURES",
    "Molecule",
    "SmilesError",
    "parse_smiles",
    "parse_cxsmiles_coordinates",
    "atom_features",
    "bond_features",
    "molecule_graph",
    "ELEMENTS",
]

_GRAPHIUM = "https://raw.githubusercontent.com/datamol-io/graphium/f1c1809387184114a06ac2077bb57501bf09f495/"
_FILES = {
    "molecules/micro_ZINC.csv": (
        _GRAPHIUM + "graphium/data/micro_ZINC/micro_ZINC.csv",
        "91e8a9d9f477f46bf01ded7ad089084c286ac381857e647bde581d9bfd4bece2",
    ),
    "molecules/micro_qm9.csv": (
        _GRAPHIUM + "graphium/data/QM9/micro_qm9.csv",
        "767774afb1f6cbc9aff0454450b8632a665cf2a4334866ae62eac9ac4fb3ee7b",
    ),
    "molecules/pcqm4mv2-2k.csv": (
        _GRAPHIUM + "tests/data/pcqm4mv2-2k.csv",
        "a26a6fc08db2e21d9e0a499d9d6c6543b8398e7065e695eda53ad15468ca32fe",
    ),
}

# fmt: off
ELEMENTS = (
    "*", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl",
    "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se",
    "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb",
    "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er",
    "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At",
    "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No",
    "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
)
# fmt: on
"""Element symbols indexed by atomic number (index 0: the ``*`` wildcard)."""
_Z = {s: z for z, s in enumerate(ELEMENTS)}

ATOM_VOCAB = (1, 5, 6, 7, 8, 9, 14, 15, 16, 17, 33, 34, 35, 53)
"""Atomic numbers with their own one-hot column (H B C N O F Si P S Cl As Se Br I); others -> column 14."""
NODE_FEATURES = tuple(f"z={ELEMENTS[z]}" for z in ATOM_VOCAB) + ("z=other", "formal_charge", "aromatic", "num_hs")
"""Names of the 18 columns of ``nodes["x"]``."""
BOND_TYPES = (1.0, 2.0, 3.0, 1.5, 4.0)
"""Bond orders of the 5 one-hot ``edges`` columns: single, double, triple, aromatic, quadruple."""
_ATOM_COL = {z: i for i, z in enumerate(ATOM_VOCAB)}

_ORGANIC = {"B": 5, "C": 6, "N": 7, "O": 8, "P": 15, "S": 16, "F": 9, "Cl": 17, "Br": 35, "I": 53}
_AROMATIC_ORGANIC = {"b": 5, "c": 6, "n": 7, "o": 8, "p": 15, "s": 16}
_AROMATIC_BRACKET = {"b": 5, "c": 6, "n": 7, "o": 8, "p": 15, "s": 16, "se": 34, "as": 33, "te": 52, "si": 14}
_DEFAULT_VALENCE = {5: (3,), 6: (4,), 7: (3, 5), 8: (2,), 15: (3, 5), 16: (2, 4, 6), 9: (1,), 17: (1,), 35: (1,), 53: (1,)}
_BOND_ORDER = {"-": 1.0, "=": 2.0, "#": 3.0, "$": 4.0, ":": 1.5, "/": 1.0, "\\": 1.0}
_CHIRAL_CLASSES = {"TH": 2, "AL": 2, "SP": 3, "TB": 20, "OH": 30}


class SmilesError(ValueError):
    """A malformed SMILES string (the message gives the 0-based character position)."""


@dataclasses.dataclass
class Molecule:
    """A parsed SMILES molecule; atoms in the order they are written.

    Attributes:
      atomic_numbers: int32 ``[N]`` (0 for ``*``).
      formal_charges: int32 ``[N]``.
      aromatic: bool ``[N]`` (written lowercase).
      explicit_hs: int32 ``[N]`` hydrogen count written inside brackets (``[NH4+]`` -> 4).
      implicit_hs: int32 ``[N]`` hydrogens implied by the default valence (organic subset only).
      isotopes: int32 ``[N]`` mass number, 0 when not written.
      chirality: list of ``""``, ``"@"``, ``"@@"`` or e.g. ``"@TH1"`` per atom.
      atom_classes: int32 ``[N]`` (``[CH3:7]`` -> 7; 0 when not written).
      bonds: int32 ``[B, 2]`` atom pairs ``(i, j)``, ``i < j``, in the order they close.
      bond_orders: float32 ``[B]`` in :data:`BOND_TYPES` (1, 2, 3, 1.5 aromatic, 4).
      bond_symbols: list of the written bond symbol per bond (``""`` when implicit).
    """

    atomic_numbers: np.ndarray
    formal_charges: np.ndarray
    aromatic: np.ndarray
    explicit_hs: np.ndarray
    implicit_hs: np.ndarray
    isotopes: np.ndarray
    chirality: list
    atom_classes: np.ndarray
    bonds: np.ndarray
    bond_orders: np.ndarray
    bond_symbols: list

    @property
    def num_atoms(self) -> int:
        return int(len(self.atomic_numbers))

    @property
    def num_hs(self) -> np.ndarray:
        """Hydrogens attached to each atom that are not atoms themselves: ``explicit + implicit``."""
        return self.explicit_hs + self.implicit_hs

    def element_counts(self) -> dict[str, int]:
        """Element -> count, including all hydrogens (``[H]`` atoms and attached counts)."""
        out: dict[str, int] = {}
        for z in self.atomic_numbers.tolist():
            out[ELEMENTS[z]] = out.get(ELEMENTS[z], 0) + 1
        h = int(self.num_hs.sum())
        if h:
            out["H"] = out.get("H", 0) + h
        return out

    def formula(self) -> str:
        """Hill-order molecular formula (C, H first, then alphabetical), e.g. ``"C2H6O"``."""
        c = self.element_counts()
        keys = (["C", "H"] + sorted(k for k in c if k not in ("C", "H"))) if "C" in c else sorted(c)
        return "".join(k + (str(c[k]) if c[k] > 1 else "") for k in keys if k in c)


def _implicit_h(z: int, aromatic: bool, orders: list[float]) -> int:
    valences = _DEFAULT_VALENCE.get(z)
    if valences is None:
        return 0
    arom_bonds = any(o == 1.5 for o in orders)
    if aromatic or arom_bonds:
        sigma = int(round(sum(1.0 if o == 1.5 else o for o in orders)))
        target = next((v for v in valences if v >= sigma), None)
        if target is None:
            return 0
        avail = target - sigma
        return avail - 1 if avail >= 1 else 0
    total = int(round(sum(orders)))
    target = next((v for v in valences if v >= total), None)
    return 0 if target is None else target - total


def parse_smiles(smiles: str) -> Molecule:
    """Parses a SMILES string (OpenSMILES; see the module docstring) into a :class:`Molecule`.

    Raises:
      SmilesError: malformed SMILES (unknown element, unclosed ring or parenthesis, dangling bond,
        conflicting ring-bond symbols, duplicate bond, empty input); the message names the position.
    """
    s = smiles.strip()
    if not s:
        raise SmilesError("empty SMILES")
    z_list: list[int] = []
    charge: list[int] = []
    arom: list[bool] = []
    hexp: list[int] = []
    bracket: list[bool] = []
    iso: list[int] = []
    chir: list[str] = []
    cls: list[int] = []
    bonds: list[tuple[int, int]] = []
    orders: list[float] = []
    symbols: list[str] = []
    bonded: set = set()
    rings: dict[int, tuple[int, str, int]] = {}  # ring number -> (atom, bond symbol, position)
    stack: list[tuple[int | None, int]] = []  # (atom before the branch, position of '(')
    prev: int | None = None
    pending: tuple[str, int] | None = None  # bond symbol waiting for its second atom
    after_branch_open = False
    n = len(s)
    i = 0

    def err(pos, msg):
        return SmilesError(f"position {pos}: {msg} in {smiles!r}")

    def add_bond(a, b, sym, pos):
        if a == b:
            raise err(pos, f"ring bond from atom {a} to itself")
        key = (min(a, b), max(a, b))
        if key in bonded:
            raise err(pos, f"duplicate bond between atoms {key[0]} and {key[1]}")
        bonded.add(key)
        order = _BOND_ORDER[sym] if sym else (1.5 if arom[a] and arom[b] else 1.0)
        bonds.append(key)
        orders.append(order)
        symbols.append(sym)

    def add_atom(z, aromatic, h, is_bracket, isotope=0, chirality="", chg=0, klass=0, pos=0):
        nonlocal prev, pending, after_branch_open
        idx = len(z_list)
        z_list.append(z)
        arom.append(aromatic)
        hexp.append(h)
        bracket.append(is_bracket)
        iso.append(isotope)
        chir.append(chirality)
        charge.append(chg)
        cls.append(klass)
        if prev is not None:
            add_bond(prev, idx, pending[0] if pending else "", pos)
        elif pending is not None:
            raise err(pending[1], f"bond {pending[0]!r} has no atom before it")
        pending = None
        prev = idx
        after_branch_open = False

    def read_int(j):
        k = j
        while k < n and s[k].isdigit():
            k += 1
        return (int(s[j:k]) if k > j else None), k

    while i < n:
        c = s[i]
        if c == "[":
            start = i
            close = s.find("]", i + 1)
            if close < 0:
                raise err(i, "unclosed bracket atom '['")
            j = i + 1
            isotope, j = read_int(j)
            # element symbol
            if j < close and s[j] == "*":
                z, aromatic, j = 0, False, j + 1
            elif j < close and s[j].isupper():
                two = s[j:j + 2]
                if len(two) == 2 and two[1].islower() and two in _Z:
                    z, j = _Z[two], j + 2
                elif s[j] in _Z:
                    z, j = _Z[s[j]], j + 1
                else:
                    raise err(j, f"unknown element {s[j:close]!r}")
                aromatic = False
            elif j < close and s[j].islower():
                two = s[j:j + 2]
                if two in _AROMATIC_BRACKET:
                    z, j = _AROMATIC_BRACKET[two], j + 2
                elif s[j] in _AROMATIC_BRACKET:
                    z, j = _AROMATIC_BRACKET[s[j]], j + 1
                else:
                    raise err(j, f"unknown aromatic element {s[j:close]!r}")
                aromatic = True
            else:
                raise err(j, f"bracket atom without an element: {s[start:close + 1]!r}")
            chirality = ""
            if j < close and s[j] == "@":
                if s[j + 1:j + 2] == "@":
                    chirality, j = "@@", j + 2
                elif s[j + 1:j + 3] in _CHIRAL_CLASSES:
                    tag = s[j + 1:j + 3]
                    num, k = read_int(j + 3)
                    if num is None or not 1 <= num <= _CHIRAL_CLASSES[tag]:
                        raise err(j, f"bad chirality {s[j:k + 1]!r}")
                    chirality, j = "@" + tag + str(num), k
                else:
                    chirality, j = "@", j + 1
            h = 0
            if j < close and s[j] == "H":
                num, j = read_int(j + 1)
                h = 1 if num is None else num
            chg = 0
            if j < close and s[j] in "+-":
                sign = 1 if s[j] == "+" else -1
                num, k = read_int(j + 1)
                if num is not None:
                    chg, j = sign * num, k
                else:
                    k = j
                    while k < close and s[k] == s[j]:
                        k += 1
                    chg, j = sign * (k - j), k
            klass = 0
            if j < close and s[j] == ":":
                num, j = read_int(j + 1)
                if num is None:
                    raise err(j, "atom class ':' without a number")
                klass = num
            if j != close:
                raise err(j, f"unexpected {s[j:close]!r} in bracket atom {s[start:close + 1]!r}")
            add_atom(z, aromatic, h, True, isotope or 0, chirality, chg, klass, start)
            i = close + 1
        elif c.isalpha() or c == "*":
            two = s[i:i + 2]
            if two in ("Cl", "Br"):
                add_atom(_ORGANIC[two], False, 0, False, pos=i)
                i += 2
            elif c in _ORGANIC:
                add_atom(_ORGANIC[c], False, 0, False, pos=i)
                i += 1
            elif c in _AROMATIC_ORGANIC:
                add_atom(_AROMATIC_ORGANIC[c], True, 0, False, pos=i)
                i += 1
            elif c == "*":
                add_atom(0, False, 0, True, pos=i)  # wildcard: no implicit hydrogens
                i += 1
            else:
                sym = two if len(two) == 2 and two[1].islower() and two in _Z else c
                what = "element outside brackets (write it as [" + sym + "])" if sym in _Z else "unknown element"
                raise err(i, f"{what} {sym!r}")
        elif c in _BOND_ORDER:
            if pending is not None:
                raise err(i, f"two bond symbols in a row {pending[0]!r}{c!r}")
            if prev is None:
                raise err(i, f"bond {c!r} has no atom before it")
            pending = (c, i)
            i += 1
        elif c.isdigit() or c == "%":
            pos = i
            if c == "%":
                if s[i + 1:i + 2] == "(":
                    num, k = read_int(i + 2)
                    if num is None or s[k:k + 1] != ")":
                        raise err(i, "bad ring number '%(...)'")
                    i = k + 1
                else:
                    digits = s[i + 1:i + 3]
                    if len(digits) != 2 or not digits.isdigit():
                        raise err(i, "'%' must be followed by two digits")
                    num, i = int(digits), i + 3
            else:
                num, i = int(c), i + 1
            if prev is None:
                raise err(pos, f"ring bond {num} has no atom before it")
            sym = pending[0] if pending else ""
            pending = None
            if num in rings:
                other, osym, _ = rings.pop(num)
                if sym and osym and _BOND_ORDER[sym] != _BOND_ORDER[osym]:
                    raise err(pos, f"ring bond {num} is {osym!r} at its opening but {sym!r} at its closing")
                add_bond(other, prev, sym or osym, pos)
            else:
                rings[num] = (prev, sym, pos)
        elif c == "(":
            if prev is None:
                raise err(i, "branch '(' has no atom before it")
            if pending is not None:
                raise err(pending[1], f"bond {pending[0]!r} before a branch")
            if after_branch_open:
                raise err(i, "a branch cannot start with '('")
            stack.append((prev, i))
            after_branch_open = True
            i += 1
        elif c == ")":
            if not stack:
                raise err(i, "unbalanced parenthesis: ')' without '('")
            if after_branch_open:
                raise err(i, "empty branch '()'")
            if pending is not None:
                raise err(pending[1], f"dangling bond {pending[0]!r} at the end of a branch")
            prev, _ = stack.pop()
            i += 1
        elif c == ".":
            if pending is not None:
                raise err(pending[1], f"dangling bond {pending[0]!r} before '.'")
            if stack:
                raise err(stack[-1][1], "unbalanced parenthesis: '(' not closed before '.'")
            prev = None
            i += 1
        else:
            raise err(i, f"unexpected character {c!r}")
    if pending is not None:
        raise err(pending[1], f"dangling bond {pending[0]!r} at the end")
    if stack:
        raise err(stack[-1][1], "unbalanced parenthesis: '(' is never closed")
    if rings:
        num, (_, _, pos) = min(rings.items(), key=lambda kv: kv[1][2])
        raise err(pos, f"unclosed ring bond {num}")
    if not z_list:
        raise SmilesError(f"no atoms in {smiles!r}")

    atom_orders: list[list[float]] = [[] for _ in z_list]
    for (a, b), o in zip(bonds, orders):
        atom_orders[a].append(o)
        atom_orders[b].append(o)
    implicit = [0 if bracket[k] else _implicit_h(z_list[k], arom[k], atom_orders[k]) for k in range(len(z_list))]
    return Molecule(
        atomic_numbers=np.asarray(z_list, np.int32),
        formal_charges=np.asarray(charge, np.int32),
        aromatic=np.asarray(arom, bool),
        explicit_hs=np.asarray(hexp, np.int32),
        implicit_hs=np.asarray(implicit, np.int32),
        isotopes=np.asarray(iso, np.int32),
        chirality=chir,
        atom_classes=np.asarray(cls, np.int32),
        bonds=np.asarray(bonds, np.int32).reshape(-1, 2),
        bond_orders=np.asarray(orders, np.float32),
        bond_symbols=symbols,
    )


def parse_cxsmiles_coordinates(extension: str) -> np.ndarray:
    """Parses the atom-coordinate field of a CXSMILES extension ``|(x,y,z;...)...|``.

    Each atom has three comma-separated fields; an empty field is 0 (CXSMILES writers such as
    RDKit omit zero coordinates, e.g. ``0.4904,-1.543,`` on line 1890 of pcqm4mv2-2k.csv).

    Returns:
      float64 ``[N, 3]`` coordinates, one row per atom in SMILES order.
    Raises:
      SmilesError: no ``|(...)|`` block, a triple without 3 numbers, or non-finite values.
    """
    ext = extension.strip()
    if len(ext) < 2 or ext[0] != "|" or ext[-1] != "|":
        raise SmilesError(f"CXSMILES extension must be enclosed in '|': {ext[:40]!r}")
    body = ext[1:-1]
    if not body.startswith("("):
        raise SmilesError("CXSMILES extension has no '(x,y,z;...)' coordinate block")
    end = body.find(")")
    if end < 0:
        raise SmilesError("unterminated CXSMILES coordinate block '('")
    rest = body[end + 1:]
    if rest and not rest.startswith(","):
        raise SmilesError(f"unexpected {rest[:20]!r} after the CXSMILES coordinate block")
    coords = []
    for k, triple in enumerate(body[1:end].split(";")):
        parts = triple.split(",")
        if len(parts) != 3:
            raise SmilesError(f"coordinate {k} has {len(parts)} values instead of 3: {triple!r}")
        try:
            xyz = [float(p) if p.strip() else 0.0 for p in parts]  # CXSMILES omits zeros
        except ValueError:
            raise SmilesError(f"cannot parse coordinate {k}: {triple!r}") from None
        coords.append(xyz)
    out = np.asarray(coords, np.float64).reshape(-1, 3)
    if not np.isfinite(out).all():
        raise SmilesError("non-finite coordinates")
    return out


def atom_features(mol: Molecule) -> np.ndarray:
    """Float32 ``[N, 18]`` node features (layout: :data:`NODE_FEATURES`)."""
    n = mol.num_atoms
    x = np.zeros((n, len(NODE_FEATURES)), np.float32)
    cols = np.asarray([_ATOM_COL.get(int(z), len(ATOM_VOCAB)) for z in mol.atomic_numbers], np.int64)
    x[np.arange(n), cols] = 1.0
    x[:, 15] = mol.formal_charges
    x[:, 16] = mol.aromatic
    x[:, 17] = mol.num_hs
    return x


def bond_features(bond_orders) -> np.ndarray:
    """Float32 ``[B, 5]`` one-hot bond type (columns: :data:`BOND_TYPES`)."""
    o = np.asarray(bond_orders, np.float32)
    out = (o[:, None] == np.asarray(BOND_TYPES, np.float32)[None, :]).astype(np.float32)
    if o.size and not out.any(axis=1).all():
        raise ValueError(f"bond order {o[~out.any(axis=1)][0]} is not one of {BOND_TYPES}")
    return out


def molecule_graph(mol: Molecule, positions=None):
    """A single-graph GraphsTuple for a molecule: both bond directions, sorted.

    ``nodes = {"x": atom_features [N, 18], "z": atomic numbers int32 [N]}`` (+ ``"positions"``
    float32 ``[N, 3]`` when given); ``edges`` = one-hot bond type ``[E, 5]``.
    """
    b = mol.bonds
    s = np.concatenate([b[:, 0], b[:, 1]]).astype(np.int64)
    r = np.concatenate([b[:, 1], b[:, 0]]).astype(np.int64)
    ef = bond_features(np.concatenate([mol.bond_orders, mol.bond_orders]))
    order = np.lexsort((r, s))
    nodes = {"x": atom_features(mol), "z": mol.atomic_numbers.astype(np.int32)}
    if positions is not None:
        nodes["positions"] = np.asarray(positions, np.float32)
    return from_edge_list(s[order], r[order], mol.num_atoms, node_features=nodes, edge_features=ef[order])


# ----------------------------------------------------------------------------- CSV loaders
def _read_csv(relpath: str, root, columns: tuple[str, ...]):
    url, sha = _FILES[relpath]
    path = find_file(relpath, root, url=url, sha256=sha)
    reader = csv.reader(io.StringIO(path.read_text(), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise malformed(path, 1, "empty file (no header)") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise malformed(path, 1, f"header lacks column(s) {missing}; got {header}")
    idx = [header.index(c) for c in columns]
    rows = []
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise malformed(path, line, f"expected {len(header)} columns, got {len(row)}")
        rows.append((line, [row[k] for k in idx]))
    if not rows:
        raise malformed(path, None, "no data rows")
    return path, rows


def _floats(path, line, names, values) -> list[float]:
    out = []
    for name, v in zip(names, values):
        try:
            x = float(v)
        except ValueError:
            raise malformed(path, line, f"cannot parse {name} = {v!r} as a number") from None
        if not np.isfinite(x):
            raise malformed(path, line, f"{name} = {v!r} is not finite")
        out.append(x)
    return out


def _parse(path, line, smi) -> Molecule:
    try:
        return parse_smiles(smi)
    except SmilesError as e:
        raise malformed(path, line, f"invalid SMILES: {e}") from None


def _no_kwargs(name, kwargs):
    if kwargs:
        raise TypeError(f"the {name} loader takes no options besides root; got {sorted(kwargs)}")


def _dataset(name, graphs, labels, target_names, smiles, **extras) -> GraphDataset:
    return GraphDataset(
        name=name,
        graphs=graphs,
        labels=np.asarray(labels, np.float64).reshape(len(graphs), len(target_names)),
        folds=[],
        num_classes=0,
        extras={"smiles": smiles, "target_names": tuple(target_names), **extras},
    )


@register("micro-zinc")
def load_micro_zinc(root=None, **kwargs) -> GraphDataset:
    """micro-ZINC (graphium): 1,002 ZINC molecules, ``labels [G, 3]`` = (SA, logp, score).

    Returns a regression :class:`GraphDataset` (``num_classes=0``, ``folds=[]``) of molecule
    graphs as described in the module docstring (``nodes = {"x" [N, 18], "z" [N]}``, ``edges [E, 5]``).
    """
    _no_kwargs("micro-zinc", kwargs)
    targets = ("SA", "logp", "score")
    path, rows = _read_csv("molecules/micro_ZINC.csv", root, ("SMILES",) + targets)
    graphs, labels, smiles = [], [], []
    for line, (smi, *vals) in rows:
        labels.append(_floats(path, line, targets, vals))
        graphs.append(molecule_graph(_parse(path, line, smi)))
        smiles.append(smi)
    return _dataset("micro-zinc", graphs, labels, targets, smiles)


_QM9_TARGETS = (
    "A", "B", "C", "mu", "alpha", "homo", "lumo", "gap", "r2", "zpve", "u0", "u298", "h298", "g298", "cv",
    "u0_atom", "u298_atom", "h298_atom", "g298_atom",
)


@register("micro-qm9")
def load_micro_qm9(root=None, **kwargs) -> GraphDataset:
    """micro-QM9 (graphium): 1,006 QM9 molecules, ``labels [G, 19]`` (targets in ``extras["target_names"]``).

    Returns a regression :class:`GraphDataset` (``num_classes=0``, ``folds=[]``); ``extras["mol_id"]``
    holds the QM9 ids (``gdb_<n>``). Graph layout as in the module docstring.
    """
    _no_kwargs("micro-qm9", kwargs)
    path, rows = _read_csv("molecules/micro_qm9.csv", root, ("mol_id", "smiles") + _QM9_TARGETS)
    graphs, labels, smiles, ids = [], [], [], []
    for line, (mol_id, smi, *vals) in rows:
        labels.append(_floats(path, line, _QM9_TARGETS, vals))
        graphs.append(molecule_graph(_parse(path, line, smi)))
        smiles.append(smi)
        ids.append(mol_id)
    return _dataset("micro-qm9", graphs, labels, _QM9_TARGETS, smiles, mol_id=ids)


@register("pcqm4mv2-2k")
def load_pcqm4mv2_2k(root=None, **kwargs) -> GraphDataset:
    """PCQM4Mv2 2k subset (graphium): 1,999 molecules with explicit H and DFT 3D coordinates.

    Returns a regression :class:`GraphDataset` with ``labels [G, 1]`` = HOMO-LUMO gap (eV, file
    column ``homo``); ``nodes`` additionally carry ``"positions"`` float32 ``[N, 3]`` (Angstrom),
    hydrogens are nodes (``z == 1``). A coordinate block whose atom count differs from the parsed
    SMILES raises ``ValueError`` naming the file and line.
    """
    _no_kwargs("pcqm4mv2-2k", kwargs)
    path, rows = _read_csv("molecules/pcqm4mv2-2k.csv", root, ("smiles", "homo"))
    graphs, labels, smiles = [], [], []
    for line, (cx, gap) in rows:
        labels.append(_floats(path, line, ("homo",), [gap]))
        cut = cx.find(" |")
        if cut < 0:
            raise malformed(path, line, "CXSMILES has no '|(x,y,z;...)|' coordinate extension")
        smi = cx[:cut]
        mol = _parse(path, line, smi)
        try:
            pos = parse_cxsmiles_coordinates(cx[cut + 1:])
        except SmilesError as e:
            raise malformed(path, line, f"invalid CXSMILES coordinates: {e}") from None
        if len(pos) != mol.num_atoms:
            raise malformed(
                path, line, f"the coordinate block has {len(pos)} atoms but the SMILES has {mol.num_atoms}"
            )
        graphs.append(molecule_graph(mol, positions=pos))
        smiles.append(smi)
    return _dataset("pcqm4mv2-2k", graphs, labels, ("homo_lumo_gap",), smiles)
