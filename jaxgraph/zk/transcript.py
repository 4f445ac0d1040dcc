r"""Fiat-Shamir transcript over SHA-256 (hashlib) with canonical byte encodings.

Paper: "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training" makes its interactive
sumcheck-based protocol non-interactive with the Fiat-Shamir transform; this module is that
transform. The prover and the verifier drive identical :class:`Transcript` objects through the
same sequence of ``append`` / ``challenge`` calls; every challenge is a hash of everything
absorbed before it, so a prover cannot pick messages after seeing the challenges they feed.

Encoding (all integers little-endian; ``u64(v)`` = 8 bytes, ``bytes(s)`` = ``u64(len) || s``)
-----------------------------------------------------------------------------------------------
The state is one running SHA-256 hash ``H`` (a prefix hash of the byte string below).

* construction: ``H.update(bytes(b"jaxgraph.zk.transcript.v1") || bytes(protocol_label))``
* ``append(label, x)`` where ``x`` is a canonical field array (base ``uint64[...]`` or
  extension ``uint64[..., 2]``; every word must be < p)::

      0x01 || bytes(label) || u64(ndim) || u64(shape[0]) ... u64(shape[ndim-1])
           || u64(x.flat[0]) || u64(x.flat[1]) || ...          (row-major, C order)

  The shape (which includes the trailing extension axis of size 2) is the length prefix: two
  messages with the same words but different shapes encode differently. Non-canonical words
  (>= p) are rejected with ``ValueError`` so that each field element has exactly one encoding.
* ``append_bytes(label, data)``: ``0x03 || bytes(label) || bytes(data)`` (for digests of
  public statements; commitments will be absorbed this way in later parts).
* ``challenge(label)`` -> one element of F_{p^2} = F_p[X]/(X^2 - 7): for counter c = 0, 1, ...::

      d = SHA-256( <all bytes absorbed so far> || 0x02 || bytes(label) || u64(c) )
      (c0, c1) = (u64 from d[0:8], u64 from d[8:16])

  (``H.copy().update(...)``). If ``c0 >= p`` or ``c1 >= p`` the pair is rejected and the
  counter is incremented, so (modelling SHA-256 as a random oracle) the challenge is exactly
  uniform on F_{p^2} (a rejection happens with probability ~2^-31). The accepted challenge is then absorbed as ``append(label, (c0, c1))``
  so later challenges depend on earlier ones (two challenges in a row with the same label
  differ).
* ``challenges(label, n)``: n successive ``challenge`` calls labelled ``label/0 .. label/{n-1}``.

Returned challenges are numpy ``uint64`` arrays (host values; safe outside the 64-bit scope).
"""
from __future__ import annotations

import hashlib
import struct

import numpy as np

from jaxgraph.zk.field import P

__all__ = ["Transcript", "DOMAIN", "encode_elements", "digest_elements", "rejection_sample"]

DOMAIN = b"jaxgraph.zk.transcript.v1"

_TAG_APPEND = b"\x01"
_TAG_CHALLENGE = b"\x02"
_TAG_BYTES = b"\x03"


def _u64(v: int) -> bytes:
    return struct.pack("<Q", v)


def _lp(s: bytes) -> bytes:
    return _u64(len(s)) + s


def _label_bytes(label) -> bytes:
    if isinstance(label, bytes):
        return label
    if isinstance(label, str):
        return label.encode("utf-8")
    raise TypeError(f"transcript label must be str or bytes, got {type(label).__name__}")


def _checked_elements(label, x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype != np.uint64:
        if not np.issubdtype(a.dtype, np.integer) or (a.size and int(a.min()) < 0):
            raise ValueError(f"transcript: message {label!r} must hold field elements (uint64), "
                             f"got dtype {a.dtype}")
        a = a.astype(np.uint64)
    if a.size and int(a.max()) >= P:
        raise ValueError(f"transcript: message {label!r} has a non-canonical field element "
                         f"{int(a.max())} >= p")
    return np.ascontiguousarray(a, dtype="<u8")


def _header(label, a: np.ndarray) -> bytes:
    return (_TAG_APPEND + _lp(_label_bytes(label)) + _u64(a.ndim)
            + b"".join(_u64(d) for d in a.shape))


def encode_elements(label, x) -> bytes:
    """Canonical encoding of an ``append`` message (see the module docstring).

    Raises:
      ValueError: if ``x`` is not an unsigned/nonnegative integer array or has a word >= p.
    """
    a = _checked_elements(label, x)
    return _header(label, a) + a.tobytes()


def digest_elements(label, x) -> bytes:
    """SHA-256 of :func:`encode_elements` ``(label, x)``, streamed without copying ``x``
    (used to bind large statements such as weight matrices)."""
    a = _checked_elements(label, x)
    h = hashlib.sha256(_header(label, a))
    if a.size:
        h.update(memoryview(a.reshape(-1)).cast("B"))
    return h.digest()


def rejection_sample(digest_for, max_tries: int = 1 << 16):
    """Draw (c0, c1), both < p, from ``digest_for(counter)`` for counter = 0, 1, ...

    Each digest's first 16 bytes are read as two little-endian u64; the pair is rejected if
    either word is >= p. Exposed so the rejection path can be tested with a stub digest.
    """
    for counter in range(max_tries):
        c0, c1 = struct.unpack("<QQ", digest_for(counter)[:16])
        if c0 < P and c1 < P:
            return c0, c1
    raise RuntimeError("transcript: rejection sampling did not terminate")  # prob. < 2^-(31*65536)


class Transcript:
    """Running SHA-256 Fiat-Shamir transcript.

    Args:
      protocol: label of the protocol instance (domain separation between protocols).

    Example::

        t = Transcript("matmul")
        t.append("round", evals)          # evals: uint64 [K+1, 2]
        r = t.challenge("r")              # numpy uint64 [2], an element of F_{p^2}
    """

    def __init__(self, protocol="jaxgraph.zk"):
        self._h = hashlib.sha256()
        self._h.update(_lp(DOMAIN) + _lp(_label_bytes(protocol)))
        self.num_messages = 0

    def append(self, label, x) -> None:
        """Absorb a canonical field array (base [...] or extension [..., 2])."""
        self._h.update(encode_elements(label, x))
        self.num_messages += 1

    def append_bytes(self, label, data: bytes) -> None:
        """Absorb raw bytes (e.g. a digest of the public statement)."""
        self._h.update(_TAG_BYTES + _lp(_label_bytes(label)) + _lp(bytes(data)))
        self.num_messages += 1

    def challenge(self, label) -> np.ndarray:
        """Sample one uniform element of F_{p^2} by rejection; returns numpy uint64 [2]."""
        lab = _label_bytes(label)

        def digest_for(counter: int) -> bytes:
            h = self._h.copy()
            h.update(_TAG_CHALLENGE + _lp(lab) + _u64(counter))
            return h.digest()

        c0, c1 = rejection_sample(digest_for)
        out = np.array([c0, c1], dtype=np.uint64)
        self.append(lab, out)
        return out

    def challenges(self, label, n: int) -> np.ndarray:
        """n successive challenges labelled ``label/0``, ``label/1``, ...; numpy uint64 [n, 2]."""
        lab = _label_bytes(label)
        out = np.zeros((n, 2), dtype=np.uint64)
        for i in range(n):
            out[i] = self.challenge(lab + b"/" + str(i).encode())
        return out

    def digest(self) -> bytes:
        """SHA-256 of everything absorbed so far (does not change the state)."""
        return self._h.copy().digest()

    def copy(self) -> "Transcript":
        """Independent copy of the current state."""
        t = Transcript.__new__(Transcript)
        t._h = self._h.copy()
        t.num_messages = self.num_messages
        return t
