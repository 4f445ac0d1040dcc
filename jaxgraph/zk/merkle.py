"""SHA-256 Merkle trees with salted leaves (used by :mod:`jaxgraph.zk.pcs`).

Leaf j:   ``SHA-256(b"jaxgraph.zk.merkle.leaf" || salt_j || data_j)`` where ``salt_j`` is 32
          random bytes chosen by the committer (hides unopened leaves in the random-oracle model).
Node:     ``SHA-256(b"\\x01" || left || right)``.
The number of leaves must be a power of two. A path for leaf j is the list of sibling digests
from the leaf level up to (excluding) the root.
"""
from __future__ import annotations

import hashlib

__all__ = ["LEAF_TAG", "NODE_TAG", "SALT_BYTES", "leaf_hash", "node_hash", "MerkleTree",
           "verify_path"]

LEAF_TAG = b"jaxgraph.zk.merkle.leaf"
NODE_TAG = b"\x01"
SALT_BYTES = 32


def leaf_hash(salt: bytes, data) -> bytes:
    h = hashlib.sha256(LEAF_TAG)
    h.update(salt)
    h.update(data)
    return h.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_TAG + left + right).digest()


class MerkleTree:
    """Tree over ``len(leaves)`` (a power of two) leaf digests."""

    def __init__(self, leaves):
        leaves = list(leaves)
        n = len(leaves)
        if n < 1 or n & (n - 1):
            raise ValueError(f"Merkle tree needs a power-of-two number of leaves, got {n}")
        self.levels = [leaves]
        while len(self.levels[-1]) > 1:
            prev = self.levels[-1]
            self.levels.append([node_hash(prev[i], prev[i + 1]) for i in range(0, len(prev), 2)])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    def path(self, index: int) -> list:
        out = []
        for level in self.levels[:-1]:
            out.append(level[index ^ 1])
            index >>= 1
        return out


def verify_path(root: bytes, index: int, leaf: bytes, path, num_leaves: int) -> bool:
    """Check that ``leaf`` is leaf ``index`` of a tree with ``num_leaves`` leaves and ``root``."""
    if num_leaves < 1 or num_leaves & (num_leaves - 1) or not 0 <= index < num_leaves:
        return False
    if len(path) != num_leaves.bit_length() - 1:
        return False
    h = leaf
    for sib in path:
        if not isinstance(sib, (bytes, bytearray)) or len(sib) != 32:
            return False
        h = node_hash(h, bytes(sib)) if index & 1 == 0 else node_hash(bytes(sib), h)
        index >>= 1
    return h == root
