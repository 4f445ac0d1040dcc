"""Pallas sumcheck kernels (interpret mode on CPU) vs the jaxgraph.zk reference, bit for bit."""
import random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kernels.sumcheck as KS
from jaxgraph.zk import field as F
from jaxgraph.zk import sumcheck as S
from jaxgraph.zk import x64
from jaxgraph.zk.transcript import Transcript
from kernels.sumcheck import kernel as K
from kernels.sumcheck import reference as R

P = F.P
EDGE = [0, 1, 2, P - 2, P - 1, (1 << 32) - 1, 1 << 32, (1 << 63), P // 2]


def _tables(seed, k, s, base=False):
    """Random canonical [K, S, 2] tables with edge values planted; base=True: c1 = 0 (embedded
    base-field tables, as the prover stacks base inputs)."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, P, size=(k, s, 2), dtype=np.uint64)
    pyr = random.Random(seed)
    for _ in range(max(4, t.size // 8)):  # plant edge values at random positions
        t[pyr.randrange(k), pyr.randrange(s), pyr.randrange(2)] = EDGE[pyr.randrange(len(EDGE))]
    t[0, :2] = P - 1  # a whole pair of p-1 (d = 0) and a zero pair
    t[-1, -2:] = 0
    if base:
        t[..., 1] = 0
    return t


def _int_round_poly(t):
    """Independent host evaluation with Python ints (degree-K round polynomial, g(0..K))."""
    k, s, _ = t.shape
    out = []
    for x in range(k + 1):
        acc = (0, 0)
        for j in range(s // 2):
            prod = (1, 0)
            for kk in range(k):
                lo, hi = F.int_ext(t[kk, 2 * j]), F.int_ext(t[kk, 2 * j + 1])
                prod = F.int_ext_mul(prod, F.int_ext_add(lo, F.int_ext_mul((x, 0), F.int_ext_sub(hi, lo))))
            acc = F.int_ext_add(acc, prod)
        out.append(acc)
    return np.array(out, np.uint64)


# (K, S, block_pairs, base): multi-block grids, a padded tail (S/2 not a multiple of the block),
# a non-power-of-two S, the minimal S = 2, base-field (embedded) tables.
CASES = [(2, 64, 8, False), (3, 1024, 128, False), (2, 24, 8, True), (3, 12, 4, False),
         (3, 2, 1024, True)]


@pytest.mark.parametrize("k,s,bp,base", CASES)
def test_round_poly_matches_reference(k, s, bp, base):
    t = _tables(k * 1000 + s, k, s, base)
    got = np.asarray(KS.round_poly_pallas(t, block_pairs=bp, interpret=True))
    want = np.asarray(S.round_poly(t))
    assert got.dtype == np.uint64 and got.shape == (k + 1, 2)
    np.testing.assert_array_equal(got, want)
    if s <= 64:
        np.testing.assert_array_equal(got, _int_round_poly(t))


@pytest.mark.parametrize("k,s,bp,base", CASES)
def test_round_step_matches_reference(k, s, bp, base):
    t = _tables(k * 1000 + s + 1, k, s, base)
    rs = [np.array([P - 1, P - 1], np.uint64), np.array([0, 0], np.uint64),
          np.array([1, 0], np.uint64), np.random.default_rng(s).integers(0, P, 2, dtype=np.uint64)]
    for r in rs:
        got = np.asarray(KS.round_step_pallas(t, r, block_pairs=bp, interpret=True))
        want = np.asarray(S.round_step(t, r))
        assert got.dtype == np.uint64 and got.shape == (k, s // 2, 2)
        np.testing.assert_array_equal(got, want)
    # r = 1 selects the odd entries, r = 0 the even ones: an independent check of the fold.
    np.testing.assert_array_equal(
        np.asarray(KS.round_step_pallas(t, np.array([1, 0], np.uint64), block_pairs=bp)), t[:, 1::2])
    np.testing.assert_array_equal(
        np.asarray(KS.round_step_pallas(t, np.array([0, 0], np.uint64), block_pairs=bp)), t[:, 0::2])


def test_base_challenge_is_embedded():
    t = _tables(5, 2, 16)
    r = np.uint64(P - 1)
    got = np.asarray(KS.round_step_pallas(t, r, block_pairs=4))
    np.testing.assert_array_equal(got, np.asarray(S.round_step(t, np.array([P - 1, 0], np.uint64))))


@pytest.mark.parametrize("k,s,bp", [(2, 64, 4), (3, 48, 8)])
def test_fused_step_poly_matches_reference(k, s, bp):
    t = _tables(7 + s, k, s)
    r = np.array([P - 1, 12345], np.uint64)
    folded, poly = KS.step_poly_pallas(t, r, block_pairs=bp, interpret=True)
    with x64():
        want_f, want_p = jax.jit(R.step_poly_ref)(jnp.asarray(t), jnp.asarray(r))
        want_f, want_p = np.asarray(want_f), np.asarray(want_p)
    np.testing.assert_array_equal(np.asarray(folded), want_f)
    np.testing.assert_array_equal(np.asarray(poly), want_p)


def test_kernel_is_sensitive_to_every_input():
    """A test that cannot fail is a defect: one changed word changes both outputs."""
    t = _tables(11, 2, 64)
    r = np.array([3, 5], np.uint64)
    g0 = np.asarray(KS.round_poly_pallas(t, block_pairs=8))
    f0 = np.asarray(KS.round_step_pallas(t, r, block_pairs=8))
    t2 = t.copy()
    t2[1, 37, 1] = (int(t2[1, 37, 1]) + 1) % P
    assert not (np.asarray(KS.round_poly_pallas(t2, block_pairs=8)) == g0).all()
    assert not (np.asarray(KS.round_step_pallas(t2, r, block_pairs=8)) == f0).all()


@pytest.mark.parametrize("fused", [False, True], ids=["separate", "fused"])
@pytest.mark.parametrize("n,k,ext_first", [(6, 2, False), (5, 3, True), (11, 2, False)])
def test_prove_with_kernel_hooks_is_bit_identical(n, k, ext_first, fused):
    rng = np.random.default_rng(100 + n)
    tabs = [rng.integers(0, P, size=(1 << n,), dtype=np.uint64) for _ in range(k)]
    if ext_first:
        tabs[0] = rng.integers(0, P, size=(1 << n, 2), dtype=np.uint64)
    tabs[-1][:3] = [0, P - 1, P - 1]
    a = S.prove(tabs, Transcript("t"))
    tr = Transcript("t")
    b = S.prove(tabs, tr, **KS.prover_hooks("pallas", fused=fused))
    assert KS.prover_hooks("pallas")["round_poly_fn"] is KS.round_poly_pallas
    assert ("step_poly_fn" in KS.prover_hooks("pallas", fused=fused)) == fused
    for x, y in zip((a[0].round_evals, a[1], a[2], a[3]), (b[0].round_evals, b[1], b[2], b[3])):
        assert x.dtype == y.dtype == np.uint64 and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    res = S.verify(b[3], b[0], Transcript("t"), num_vars=n, degree=k)
    assert res.ok, res.reason
    np.testing.assert_array_equal(res.point, b[1])
    # The transcripts end in the same state: the next challenge agrees.
    ta = Transcript("t")
    S.prove(tabs, ta)
    np.testing.assert_array_equal(ta.challenge("next"), tr.challenge("next"))


def test_dispatcher_and_validation():
    assert KS.resolve_impl("xla") == "xla" and KS.resolve_impl("pallas") == "pallas"
    assert KS.resolve_impl("auto") == ("pallas" if jax.default_backend() == "gpu" else "xla")
    assert K.default_interpret() == (jax.default_backend() != "gpu")
    t = _tables(3, 2, 64)
    r = np.array([9, 8], np.uint64)
    for impl in ("auto", "xla", "pallas"):
        np.testing.assert_array_equal(np.asarray(KS.round_poly(t, impl=impl)), np.asarray(S.round_poly(t)))
        np.testing.assert_array_equal(np.asarray(KS.round_step(t, r, impl=impl)),
                                      np.asarray(S.round_step(t, r)))
    assert KS.prover_hooks("xla") == {}
    with pytest.raises(ValueError):
        KS.resolve_impl("cuda")
    with pytest.raises(ValueError):
        KS.round_poly_pallas(np.zeros((2, 7, 2), np.uint64))  # odd S
    with pytest.raises(ValueError):
        KS.round_poly_pallas(np.zeros((2, 8), np.uint64))  # not [K, S, 2]
    with pytest.raises(ValueError):
        KS.round_poly_pallas(t, block_pairs=6)
    with pytest.raises(ValueError):
        KS.round_step_pallas(t, np.zeros(3, np.uint64))
    with pytest.raises(ValueError):
        KS.step_poly_pallas(np.zeros((2, 6, 2), np.uint64), r)  # S % 4 != 0
    with pytest.raises(TypeError):  # the raw call refuses non-uint64 tables (x64 off)
        K.round_poly_call(jnp.zeros((2, 8, 2), jnp.uint32))


def test_x64_does_not_leak_in_a_fresh_process():
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    code = (
        "import jax, jax.numpy as jnp, numpy as np\n"
        "import kernels.sumcheck as KS\n"
        "assert not jax.config.x64_enabled and jnp.zeros(1).dtype == jnp.float32\n"
        "t = np.arange(16, dtype=np.uint64).reshape(2, 4, 2)\n"
        "g = KS.round_poly_pallas(t); f = KS.round_step_pallas(t, np.array([1, 0], np.uint64))\n"
        "assert g.dtype == np.uint64 and (np.asarray(f) == t[:, 1::2]).all()\n"
        "assert not jax.config.x64_enabled\n"
        "assert jnp.zeros(1).dtype == jnp.float32 and jnp.arange(2).dtype == jnp.int32\n"
        "print('ok')\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                         timeout=300)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-2000:]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("backend", ["mosaic_gpu", "triton"])
def test_kernels_lower_for_cuda(backend):
    """Lowering only (no GPU here): the kernels pass the GPU backends' lowering rules (TMA box
    <= 256, 128-byte copies, no literal >= 2^63, no in-kernel stack). Compilation and execution
    on the GPU are not covered by this test."""
    pytest.importorskip(f"jax.experimental.pallas.{backend}")
    kw = dict(interpret=False, backend=backend)
    with x64():
        for k in (2, 3):
            t = jax.ShapeDtypeStruct((k, 2048, 2), jnp.uint64)
            r = jax.ShapeDtypeStruct((2,), jnp.uint64)
            for f, args in [(lambda t: K.round_poly_call(t, **kw), (t,)),
                            (lambda t, r: K.round_step_call(t, r, **kw), (t, r)),
                            (lambda t, r: K.step_poly_call(t, r, **kw), (t, r))]:
                text = jax.jit(f).trace(*args).lower(lowering_platforms=("cuda",)).as_text()
                assert "sumcheck_" in text
