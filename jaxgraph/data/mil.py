"""Multiple-instance learning benchmarks: Musk1 and Elephant.

* ``musk1``: T. G. Dietterich, R. H. Lathrop, T. Lozano-Pérez, "Solving the multiple instance
  problem with axis-parallel rectangles", Artificial Intelligence 89, 1997 (UCI Musk v1): each
  bag is a molecule, each instance one of its conformations (166 shape features).
* ``elephant``: S. Andrews, I. Tsochantaridis, T. Hofmann, "Support Vector Machines for
  Multiple-Instance Learning", NIPS 2002 (Corel images; instances are segments, 230 colour /
  texture / shape features).

Files: ``mil/musk1.csv`` and ``mil/elephant.csv`` from https://github.com/rosasalberto/mil
(``mil/data/datasets/csv/``, MIT licence), taken from multipleinstancelearning.com. No header;
each row is one instance: column 0 = the bag label (0/1), column 1 = the bag id (an integer,
1-based, rows of a bag contiguous), columns 2.. = the features. (Note: label first, then bag
id -- the order used by the source repository's ``load_data``.)
"""
from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from jaxgraph.data.core import find_file, malformed, read_lines, register

__all__ = ["MILDataset", "load_mil", "read_mil_csv"]

_URL = "https://raw.githubusercontent.com/rosasalberto/mil/master/mil/data/datasets/csv/"
_SHA256 = {
    "musk1": "6eb13180b63f7cfabd1c759c510a036ecb561069aa8e86700c76a2fe139d297a",
    "elephant": "ffe36a08fb0b8175ff8a4e7eeac6ccfd3300f84dbc047a6fb3ff7ca1a1caf6c9",
}


@dataclasses.dataclass
class MILDataset:
    """A multiple-instance dataset: bags of feature vectors with one binary label per bag.

    Attributes:
      name: dataset name.
      bags: list of ``B`` float32 arrays ``[n_i, F]``, the instances of each bag (file order
        within a bag; bags in order of first appearance in the file).
      labels: ``[B]`` int32 bag labels in ``{0, 1}`` (1 = positive: at least one positive
        instance).
      instance_bag: ``[sum n_i]`` int32, the bag index of each row of ``np.concatenate(bags)``
        (for segment reductions; equals the file order when bags are contiguous, as here).
      extras: ``{"bag_ids": [B] int64}``, the bag ids as written in the file.
    """

    name: str
    bags: list
    labels: np.ndarray
    instance_bag: np.ndarray
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.bags)

    @property
    def num_instances(self) -> int:
        return int(self.instance_bag.shape[0])

    @property
    def num_features(self) -> int:
        return int(self.bags[0].shape[1]) if self.bags else 0

    def instances(self) -> np.ndarray:
        """All instances ``[sum n_i, F]`` float32, aligned with ``instance_bag``."""
        return np.concatenate(self.bags, axis=0)


def _number(tok: str, path: Path, line: int, col: int) -> float:
    try:
        v = float(tok)
    except ValueError:
        raise malformed(path, line, f"column {col + 1}: cannot parse {tok.strip()!r} as a number") from None
    if not math.isfinite(v):
        raise malformed(path, line, f"column {col + 1}: non-finite value {tok.strip()!r}")
    return v


def _integer(tok: str, path: Path, line: int, col: int, what: str) -> int:
    v = _number(tok, path, line, col)
    if v != int(v):
        raise malformed(path, line, f"column {col + 1}: {what} must be an integer, got {tok.strip()!r}")
    return int(v)


def read_mil_csv(path: str | os.PathLike, name: str = "") -> MILDataset:
    """Parses a ``label,bag_id,f_1,...,f_F`` CSV (no header) into a :class:`MILDataset`.

    Raises:
      ValueError: via :func:`malformed` naming file and line: a row with a different number of
        columns than the first (e.g. truncated), fewer than 3 columns, an unparsable or
        non-finite number, a label not in {0, 1}, a non-integer bag id, a bag whose rows carry
        different labels, or an empty file.
    """
    path = Path(path)
    lines = read_lines(path)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise malformed(path, None, "empty file")
    ncols = None
    labels_of: dict[int, int] = {}
    first_line: dict[int, int] = {}
    rows: dict[int, list[list[float]]] = {}
    for i, raw in enumerate(lines, start=1):
        tok = raw.rstrip("\r").split(",")
        if ncols is None:
            ncols = len(tok)
            if ncols < 3:
                raise malformed(path, i, f"expected label, bag id and features, got {ncols} columns")
        if len(tok) != ncols:
            raise malformed(path, i, f"expected {ncols} columns (as on line 1), got {len(tok)}")
        label = _integer(tok[0], path, i, 0, "the bag label")
        if label not in (0, 1):
            raise malformed(path, i, f"bag label must be 0 or 1, got {label}")
        bag = _integer(tok[1], path, i, 1, "the bag id")
        feats = [_number(t, path, i, j) for j, t in enumerate(tok[2:], start=2)]
        if bag in labels_of:
            if labels_of[bag] != label:
                raise malformed(
                    path, i, f"bag {bag} has label {label} here but {labels_of[bag]} on line {first_line[bag]}"
                )
        else:
            labels_of[bag], first_line[bag] = label, i
            rows[bag] = []
        rows[bag].append(feats)
    bag_ids = np.asarray(list(rows), np.int64)
    bags = [np.asarray(rows[b], np.float32) for b in rows]
    sizes = np.asarray([len(b) for b in bags])
    return MILDataset(
        name=name or path.stem,
        bags=bags,
        labels=np.asarray([labels_of[b] for b in rows], np.int32),
        instance_bag=np.repeat(np.arange(len(bags), dtype=np.int32), sizes),
        extras={"bag_ids": bag_ids},
    )


def load_mil(name: str, root: str | os.PathLike | None = None) -> MILDataset:
    """Loads ``musk1`` or ``elephant`` from ``mil/<name>.csv``.

    Returns:
      :class:`MILDataset`. Musk1: 92 bags (47 positive, 45 negative), 476 instances, F=166
      (integer-valued features, stored as float32). Elephant: 200 bags (100 / 100), 1391
      instances, F=230.
    """
    key = name.lower()
    if key not in _SHA256:
        raise ValueError(f"unknown MIL dataset {name!r}; expected one of {sorted(_SHA256)}")
    path = find_file(f"mil/{key}.csv", root, url=f"{_URL}{key}.csv", sha256=_SHA256[key])
    return read_mil_csv(path, name=key)


@register("musk1")
def load_musk1(root=None) -> MILDataset:
    """Musk1 (Dietterich et al. 1997); see :func:`load_mil`."""
    return load_mil("musk1", root)


@register("elephant")
def load_elephant(root=None) -> MILDataset:
    """Elephant (Andrews et al. 2002); see :func:`load_mil`."""
    return load_mil("elephant", root)
