"""MovieLens 100K ratings (user-supplied file).

Source: GroupLens Research, https://grouplens.org/datasets/movielens/100k/ ; F. M. Harper,
J. A. Konstan, "The MovieLens Datasets: History and Context", ACM Transactions on Interactive
Intelligent Systems 5(4), 2015. 100,000 ratings (1-5) from 943 users on 1,682 movies,
1997-09 to 1998-04. The licence does not allow redistribution, so the file is neither shipped
nor downloaded: get ``ml-100k.zip`` from GroupLens, unzip it and put ``u.data`` at
``<data root>/movielens/ml-100k/u.data`` (the data root is ``$JAXGRAPH_DATA`` or
``~/.cache/jaxgraph``; see :mod:`jaxgraph.data.core`).

``u.data``: one rating per line, tab-separated ``user id``, ``item id``, ``rating``,
``timestamp`` (Unix seconds); ids are 1-based and contiguous.
"""
from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from jaxgraph.data.core import find_file, malformed, read_lines, register

__all__ = ["RatingsDataset", "load_movielens_100k", "read_u_data"]

_HINT = (
    "MovieLens 100K may not be redistributed: download ml-100k.zip from "
    "https://grouplens.org/datasets/movielens/100k/ "
    "(https://files.grouplens.org/datasets/movielens/ml-100k.zip), unzip it, and copy ml-100k/u.data "
    "to movielens/ml-100k/u.data under a data root ($JAXGRAPH_DATA or ~/.cache/jaxgraph), or pass "
    "root=<dir containing movielens/ml-100k/u.data>"
)


@dataclasses.dataclass
class RatingsDataset:
    """Explicit user-item ratings, sorted by time (stable: ties keep file order).

    Attributes:
      name: dataset name.
      users: ``[M]`` int32 user index in ``[0, num_users)`` (file id - 1).
      items: ``[M]`` int32 item index in ``[0, num_items)`` (file id - 1).
      ratings: ``[M]`` float32 ratings (1-5 for MovieLens).
      t: ``[M]`` int64 timestamps (Unix seconds), non-decreasing.
      num_users: largest user id in the file (ids are 1-based and contiguous in MovieLens).
      num_items: largest item id in the file.
      extras: anything else (``{"order": [M] int64}``: the file row of each rating).
    """

    name: str
    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray
    t: np.ndarray
    num_users: int
    num_items: int
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.users.shape[0])


def _int(tok: str, path: Path, line: int, what: str) -> int:
    try:
        return int(tok)
    except ValueError:
        raise malformed(path, line, f"{what} must be an integer, got {tok!r}") from None


def read_u_data(path: str | os.PathLike, name: str = "movielens-100k") -> RatingsDataset:
    """Parses a MovieLens ``u.data`` file (``user \\t item \\t rating \\t timestamp``).

    Raises:
      ValueError: via :func:`malformed` naming file and line: a row without exactly 4 fields
        (e.g. truncated), a non-integer id or timestamp, an id below 1, an unparsable or
        non-finite rating or one outside [1, 5], an empty file.
    """
    path = Path(path)
    lines = read_lines(path)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise malformed(path, None, "no ratings")
    m = len(lines)
    users = np.empty(m, np.int64)
    items = np.empty(m, np.int64)
    ratings = np.empty(m, np.float32)
    ts = np.empty(m, np.int64)
    for i, raw in enumerate(lines):
        ln = i + 1
        tok = raw.split()
        if len(tok) != 4:
            raise malformed(
                path, ln, f"expected 4 tab-separated fields (user, item, rating, timestamp), got {len(tok)}"
            )
        u = _int(tok[0], path, ln, "user id")
        it = _int(tok[1], path, ln, "item id")
        if u < 1 or it < 1:
            raise malformed(path, ln, f"ids are 1-based; got user {u}, item {it}")
        try:
            r = float(tok[2])
        except ValueError:
            raise malformed(path, ln, f"rating must be a number, got {tok[2]!r}") from None
        if not math.isfinite(r) or not 1 <= r <= 5:
            raise malformed(path, ln, f"rating must lie in [1, 5], got {tok[2]!r}")
        users[i], items[i], ratings[i], ts[i] = u - 1, it - 1, r, _int(tok[3], path, ln, "timestamp")
    order = np.argsort(ts, kind="stable")
    return RatingsDataset(
        name=name,
        users=users[order].astype(np.int32),
        items=items[order].astype(np.int32),
        ratings=ratings[order],
        t=ts[order],
        num_users=int(users.max()) + 1,
        num_items=int(items.max()) + 1,
        extras={"order": order.astype(np.int64)},
    )


@register("movielens-100k")
def load_movielens_100k(root=None) -> RatingsDataset:
    """MovieLens 100K from a user-supplied ``movielens/ml-100k/u.data``.

    Returns:
      :class:`RatingsDataset` sorted by time: for the real file, M=100,000 ratings,
      ``num_users = 943``, ``num_items = 1682``; ``users`` / ``items`` int32 0-based,
      ``ratings`` float32 in 1..5, ``t`` int64 Unix seconds.

    Raises:
      DatasetNotFoundError: the file is not under any data root (it is never downloaded; the
        message says where to get it and where to put it).
      ValueError: a malformed file (see :func:`read_u_data`).
    """
    path = find_file("movielens/ml-100k/u.data", root, url=None, sha256=None, hint=_HINT)
    return read_u_data(path)
