"""NeighborBuffer against a pure-Python ``collections.deque(maxlen=K)`` reference."""
import collections

import jax
import numpy as np
import pytest

from jaxgraph.temporal.neighbors import (
    NeighborBuffer,
    init_neighbor_buffer,
    recent_neighbors,
    update_neighbor_buffer,
)


def _reference(n, k, batches):
    dq = [collections.deque(maxlen=k) for _ in range(n)]
    for src, dst, t, eid, mask in batches:
        for s, d, tt, e, m in zip(src, dst, t, eid, mask):
            if not m:
                continue
            dq[s].append((d, np.float32(tt), e))
            if s != d:  # self-loop: inserted once
                dq[d].append((s, np.float32(tt), e))
    return dq


def _check(buf, dq, n, k):
    nbr, t, eid, valid = (np.asarray(a) for a in recent_neighbors(buf, np.arange(n)))
    assert nbr.shape == t.shape == eid.shape == valid.shape == (n, k)
    for u in range(n):
        ref = list(reversed(dq[u]))  # most recent first
        m = len(ref)
        assert valid[u].tolist() == [True] * m + [False] * (k - m), u
        assert nbr[u, :m].tolist() == [r[0] for r in ref], u
        np.testing.assert_array_equal(t[u, :m], np.array([r[1] for r in ref], np.float32))
        assert eid[u, :m].tolist() == [r[2] for r in ref], u
        assert (nbr[u, m:] == -1).all() and (eid[u, m:] == -1).all() and (t[u, m:] == 0).all()


def _random_batches(rng, n, num_batches, b, hot_node=None):
    batches, e0 = [], 0
    for _ in range(num_batches):
        src = rng.integers(0, n, b)
        dst = rng.integers(0, n, b)
        if hot_node is not None:  # many repeats of one node in a batch
            hot = rng.random(b) < 0.6
            src[hot] = hot_node
        loops = rng.random(b) < 0.15
        dst[loops] = src[loops]
        t = np.sort(rng.random(b) * 10 + e0).astype(np.float32)
        eid = np.arange(e0, e0 + b)
        mask = np.ones(b, bool)
        npad = int(rng.integers(0, b // 2 + 1))
        if npad:
            mask[-npad:] = False
            src[-npad:] = 0
            dst[-npad:] = 0
        batches.append((src, dst, t, eid, mask))
        e0 += b
    return batches


@pytest.mark.parametrize("k,hot", [(1, None), (3, None), (4, 2), (8, 0)])
def test_matches_deque_reference(k, hot):
    rng = np.random.default_rng(k)
    n, b = 7, 16
    batches = _random_batches(rng, n, 12, b, hot)
    upd = jax.jit(update_neighbor_buffer)
    buf = init_neighbor_buffer(n, k)
    for i, batch in enumerate(batches):
        buf = upd(buf, *batch)
        _check(buf, _reference(n, k, batches[: i + 1]), n, k)
    total = collections.Counter()
    for src, dst, _, _, mask in batches:
        for s, d, m in zip(src, dst, mask):
            if m:
                total[s] += 1
                total[d] += s != d
    assert np.asarray(buf.count).tolist() == [total[u] for u in range(n)]


def test_overflow_within_one_batch_keeps_last_k():
    k, n = 3, 4
    # node 0 interacts 7 times in one batch (one self-loop); only its last 3 are kept, in order.
    src = np.array([0, 0, 1, 0, 0, 2, 0, 0, 3])
    dst = np.array([1, 2, 0, 3, 0, 0, 1, 2, 3])
    t = np.arange(9, dtype=np.float32)
    eid = np.arange(9) + 100
    mask = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0], bool)
    buf = init_neighbor_buffer(n, k)
    buf = update_neighbor_buffer(buf, np.array([0, 0]), np.array([3, 3]), np.zeros(2), np.array([98, 99]), np.ones(2, bool))
    buf = jax.jit(update_neighbor_buffer)(buf, src, dst, t, eid, mask)
    nbr, tt, e, valid = (np.asarray(a) for a in recent_neighbors(buf, np.array([0, 3, 1])))
    assert nbr[0].tolist() == [2, 1, 2] and e[0].tolist() == [107, 106, 105]
    assert tt[0].tolist() == [7.0, 6.0, 5.0]
    assert int(buf.count[0]) == 2 + 8  # padding row 8 (3 -> 3) is not counted
    # node 3: the two pre-batch interactions plus event 103; the padding self-loop is ignored.
    assert nbr[1].tolist() == [0, 0, 0] and e[1].tolist() == [103, 99, 98]
    assert int(buf.count[3]) == 3
    assert nbr[2].tolist() == [0, 0, 0] and e[2].tolist() == [106, 102, 100]
    _check(buf, _reference(n, k, [(np.array([0, 0]), np.array([3, 3]), np.zeros(2), [98, 99], [1, 1]),
                                  (src, dst, t, eid, mask)]), n, k)


def test_self_loop_inserted_once_and_padding_is_noop():
    buf = init_neighbor_buffer(3, 2)
    out = update_neighbor_buffer(buf, np.array([1, 2]), np.array([1, 0]), np.array([5.0, 6.0]),
                                 np.array([0, 1]), np.array([True, False]))
    assert np.asarray(out.count).tolist() == [0, 1, 0]
    nbr, t, eid, valid = (np.asarray(a) for a in recent_neighbors(out, np.array([1])))
    assert nbr.tolist() == [[1, -1]] and eid.tolist() == [[0, -1]] and valid.tolist() == [[True, False]]
    allpad = update_neighbor_buffer(out, np.array([0, 1]), np.array([2, 2]), np.ones(2), np.array([5, 6]),
                                    np.zeros(2, bool))
    for a, b in zip(allpad, out):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_init_validation_and_types():
    buf = init_neighbor_buffer(5, 4)
    assert isinstance(buf, NeighborBuffer)
    assert buf.nbr.shape == (5, 4) and buf.nbr.dtype == np.int32 and buf.t.dtype == np.float32
    assert buf.count.dtype == np.int32
    with pytest.raises(ValueError, match="size"):
        init_neighbor_buffer(5, 0)
    with pytest.raises(ValueError, match="num_nodes"):
        init_neighbor_buffer(0, 3)
