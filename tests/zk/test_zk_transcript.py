"""Fiat-Shamir transcript: documented encoding, determinism, order sensitivity, rejection sampling."""
import hashlib
import struct

import numpy as np
import pytest

from jaxgraph.zk import field as F
from jaxgraph.zk.transcript import (DOMAIN, Transcript, digest_elements, encode_elements,
                                    rejection_sample)

P = F.P


def _u64(v):
    return struct.pack("<Q", v)


def _lp(b):
    return _u64(len(b)) + b


def test_encoding_matches_documentation():
    x = np.array([[1, 2], [P - 1, 0]], np.uint64)
    expect = (b"\x01" + _lp(b"lab") + _u64(2) + _u64(2) + _u64(2)
              + _u64(1) + _u64(2) + _u64(P - 1) + _u64(0))
    assert encode_elements("lab", x) == expect
    assert digest_elements("lab", x) == hashlib.sha256(expect).digest()
    big = np.arange(3 * 5 * 2, dtype=np.uint64).reshape(3, 5, 2)[:, ::2]  # non-contiguous view
    assert digest_elements("b", big) == hashlib.sha256(encode_elements("b", big)).digest()
    assert digest_elements("e", np.zeros((0, 2), np.uint64)) == \
        hashlib.sha256(encode_elements("e", np.zeros((0, 2), np.uint64))).digest()


def test_challenge_matches_independent_hash():
    """Recompute a challenge with hashlib from the documented byte layout."""
    t = Transcript("proto")
    x = np.array([5, 6, 7], np.uint64)
    t.append("m", x)
    r = t.challenge("c")
    stream = _lp(DOMAIN) + _lp(b"proto") + b"\x01" + _lp(b"m") + _u64(1) + _u64(3) + \
        _u64(5) + _u64(6) + _u64(7)
    for counter in range(100):
        d = hashlib.sha256(stream + b"\x02" + _lp(b"c") + _u64(counter)).digest()
        c0, c1 = struct.unpack("<QQ", d[:16])
        if c0 < P and c1 < P:
            break
    assert r.tolist() == [c0, c1]
    assert r.dtype == np.uint64 and r.shape == (2,)
    # the challenge is absorbed: the state now includes append("c", r)
    stream += b"\x01" + _lp(b"c") + _u64(1) + _u64(2) + _u64(c0) + _u64(c1)
    assert t.digest() == hashlib.sha256(stream).digest()


def _run(messages, protocol="p"):
    t = Transcript(protocol)
    out = []
    for kind, label, val in messages:
        if kind == "a":
            t.append(label, val)
        else:
            out.append(t.challenge(label))
    out.append(t.challenge("final"))
    return np.stack(out)


MSGS = [("a", "x", np.array([1, 2, 3], np.uint64)), ("c", "r1", None),
        ("a", "y", np.array([[4, 5]], np.uint64)), ("c", "r2", None)]


def test_deterministic():
    assert (_run(MSGS) == _run(MSGS)).all()


def test_swapping_appends_changes_challenges():
    swapped = [MSGS[2], MSGS[1], MSGS[0], MSGS[3]]
    assert not (_run(MSGS)[-1] == _run(swapped)[-1]).all()
    two = [("a", "x", np.array([1], np.uint64)), ("a", "y", np.array([2], np.uint64))]
    assert not (_run(two) == _run(two[::-1])).all()


@pytest.mark.parametrize("variant", ["label", "value", "shape", "protocol", "extra"])
def test_every_change_changes_challenges(variant):
    base = [("a", "x", np.array([1, 2, 3, 4], np.uint64))]
    if variant == "label":
        other = [("a", "z", np.array([1, 2, 3, 4], np.uint64))]
    elif variant == "value":
        other = [("a", "x", np.array([1, 2, 3, 5], np.uint64))]
    elif variant == "shape":  # same words, different shape (base [4] vs extension [2, 2])
        other = [("a", "x", np.array([[1, 2], [3, 4]], np.uint64))]
    elif variant == "extra":
        other = base + [("a", "x", np.zeros((0,), np.uint64))]
    else:
        other = base
    proto = "q" if variant == "protocol" else "p"
    assert not (_run(base) == _run(other, protocol=proto)).all()


def test_repeated_challenges_differ_and_are_canonical():
    t = Transcript()
    rs = np.stack([t.challenge("r") for _ in range(50)])
    assert len({tuple(r) for r in rs.tolist()}) == 50
    assert (rs < np.uint64(P)).all()
    v = t.challenges("vec", 4)
    assert v.shape == (4, 2) and v.dtype == np.uint64
    c = t.copy()
    assert (c.challenge("z") == t.challenge("z")).all()


def test_rejects_non_canonical_messages():
    t = Transcript()
    with pytest.raises(ValueError, match="non-canonical"):
        t.append("x", np.array([P], np.uint64))
    with pytest.raises(ValueError):
        t.append("x", np.array([-1], np.int64))
    with pytest.raises(ValueError):
        t.append("x", np.array([0.5]))
    with pytest.raises(TypeError):
        t.append(3, np.array([1], np.uint64))


def test_rejection_sampling_path():
    calls = []
    big, ok0, ok1 = P, 12345, P - 1

    def digest_for(counter):
        calls.append(counter)
        if counter == 0:
            return struct.pack("<QQ", big, ok1) + bytes(16)  # c0 >= p: reject
        if counter == 1:
            return struct.pack("<QQ", ok0, 2**64 - 1) + bytes(16)  # c1 >= p: reject
        return struct.pack("<QQ", ok0, ok1) + bytes(16)

    assert rejection_sample(digest_for) == (ok0, ok1)
    assert calls == [0, 1, 2]
    with pytest.raises(RuntimeError):
        rejection_sample(lambda c: struct.pack("<QQ", P, P) + bytes(16), max_tries=3)
