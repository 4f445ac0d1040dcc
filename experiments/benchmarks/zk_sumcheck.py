"""zkDL proof machinery: sumcheck prover throughput and (aggregated) matmul-proof time.

    python experiments/benchmarks/zk_sumcheck.py                               # modest defaults
    python experiments/benchmarks/zk_sumcheck.py --N=128 --m=64 --k=1024 --n=1024  # issue's size

Paper: "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training". Field: Goldilocks
(p = 2^64 - 2^32 + 1) with challenges in F_{p^2} (see ``jaxgraph/zk/field.py``).

Sumcheck: K random extension-field tables of 2^log_size entries, Sigma_b prod_k f_k(b), full
Fiat-Shamir prover (round polynomial + fold every round, SHA-256 transcript on the host).
"elements_folded" counts every table entry consumed by a fold over all rounds,
K * (2^{n+1} - 2); throughput = elements_folded / prover time. "fold_only" times one round's
round_poly + round_step on the full-size tables without the transcript (the part a Pallas kernel
replaces).

Matmul: Z_t = A_t W_t for t < N (A_t [m, k], W_t [k, n]), entries signed 16-bit integers mapped
into the field (zkDL's quantised tensors); aggregated proof (one degree-3 sumcheck over
log N + log k variables). ``prove_s`` includes hashing the statement (A, W, Z) into the
transcript, which commitments will replace; ``statement_hash_s`` is reported separately.
No commitments yet, so the reference point of the issue (official zkDL CUDA code on one H100,
8 layers x 1024, batch 64: 0.24 s prover + 4.5 s commitment per step) is not comparable
one-to-one. With ``--committed`` the "matmul_committed" entry times the committed variant
(``matmul.commit_statement`` / ``prove_committed`` / ``verify_committed``, hash-based PCS of
``jaxgraph/zk/pcs.py`` at --queries, default the secure t = 245): ``commit_s`` per matrix
(one run each, no warm-up), prove (sumcheck + three openings) and verify medians, and the proof
size in bytes. Re-proving from one commitment reuses the PCS masks (``openings_used`` is reset
between timed runs): that is for timing only, a real prover makes one proof per commitment.
``--zk`` adds "matmul_committed_zk": the same with the zero-knowledge proof (evaluation-masked
commitments of A and W, masked sumcheck with its own small mask commitment, timed inside prove).
Times are medians of --repeats runs after one warm-up (which includes compilation,
reported as first_*_s). Prints JSON (and writes it to --out).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags, logging  # noqa: E402

_LOG_SIZE = flags.DEFINE_integer("log_size", 20, "Sumcheck tables have 2^log_size entries.")
_DEGREE = flags.DEFINE_integer("degree", 3, "Number K of multiplied tables (round-poly degree).")
_N = flags.DEFINE_integer("N", 8, "Stacked matmul instances.")
_M = flags.DEFINE_integer("m", 64, "Rows of A_t.")
_K = flags.DEFINE_integer("k", 1024, "Contraction size.")
_NCOLS = flags.DEFINE_integer("n", 1024, "Columns of W_t.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed repetitions (median reported).")
_SKIP_VERIFY = flags.DEFINE_bool("skip_verify", False, "Do not time the verifier.")
_OUT = flags.DEFINE_string("out", None, "Also write the JSON here.")
_COMMITTED = flags.DEFINE_bool(
    "committed", False, "Also time the committed matmul proof (PCS commit per matrix, prove with "
    "three openings, verify from commitments only).")
_ZK = flags.DEFINE_bool(
    "zk", False, "Also time the zero-knowledge committed matmul proof (masked sumcheck + "
    "evaluation masks: commit_statement(zero_knowledge=True), prove_committed_zk).")
_PLAIN = flags.DEFINE_bool(
    "plain", True, "Time the sumcheck and the plain (hash-bound) matmul proof; --noplain runs only "
    "the --committed / --zk entries.")
_QUERIES = flags.DEFINE_integer("queries", 245, "PCS column queries t for --committed (245 = secure default).")


def _phase(name):
    """Log a phase boundary with the peak resident memory so far (long runs at the issue size)."""
    import gc
    import resource

    gc.collect()
    logging.info("%s (peak RSS so far %.1f GB)", name,
                 resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)


def _median(fn, repeats):
    import numpy as np

    t0 = time.perf_counter()
    first = fn()
    first_s = time.perf_counter() - t0
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), first_s, first


def bench_sumcheck(log_size, degree, repeats):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxgraph.zk import field as F
    from jaxgraph.zk import sumcheck as S
    from jaxgraph.zk import x64
    from jaxgraph.zk.transcript import Transcript

    rng = np.random.default_rng(0)
    size = 1 << log_size
    with x64():
        tables = jnp.asarray(rng.integers(0, F.P, (degree, size, 2), dtype=np.uint64))

    def run():
        return S.prove(tables, Transcript("bench"))

    prove_s, first_s, _ = _median(run, repeats)
    folded = degree * (2 * size - 2)

    step_poly = jax.jit(lambda t, r: S._round_poly(S._round_step(t, r)))
    r = np.array([12345, 678], np.uint64)
    with x64():
        r_dev = jnp.asarray(r)

        def one_round():
            return jax.block_until_ready(step_poly(tables, r_dev))

        fold_s, _, _ = _median(one_round, repeats)
    return {
        "log_size": log_size, "degree": degree, "prove_s": prove_s, "first_prove_s": first_s,
        "elements_folded": folded, "elements_folded_per_s": folded / prove_s,
        "fold_only_round_s": fold_s, "fold_only_elements_per_s": degree * size / fold_s,
    }


def bench_matmul(N, m, k, n, repeats, skip_verify):
    import numpy as np

    from jaxgraph.zk import field as F
    from jaxgraph.zk import matmul as M
    from jaxgraph.zk.transcript import digest_elements

    rng = np.random.default_rng(1)
    ai = rng.integers(-2**15, 2**15, (N, m, k), dtype=np.int64)
    wi = rng.integers(-2**15, 2**15, (N, k, n), dtype=np.int64)
    zi = np.matmul(ai, wi)  # exact: |entries| < k * 2^30 < 2^63
    a, w, z = (np.asarray(F.from_signed(x)) for x in (ai, wi, zi))
    del ai, wi, zi

    t = time.perf_counter()
    for name, x in zip("AWZ", (a, w, z)):
        digest_elements(name, x)
    hash_s = time.perf_counter() - t

    prove_s, first_prove_s, proof = _median(lambda: M.prove(a, w, z), repeats)
    out = {"N": N, "m": m, "k": k, "n": n, "prove_s": prove_s, "first_prove_s": first_prove_s,
           "statement_hash_s": hash_s, "proof_field_elements": proof.num_field_elements(),
           "proof_bytes": 8 * proof.num_field_elements(),
           "sumcheck_rounds": int(proof.sumcheck.round_evals.shape[0])}
    if not skip_verify:
        verify_s, first_verify_s, ok = _median(lambda: M.verify(a, w, z, proof), repeats)
        if not ok:
            raise RuntimeError("benchmark proof did not verify")
        out.update(verify_s=verify_s, first_verify_s=first_verify_s)
    return out


def bench_matmul_committed(N, m, k, n, repeats, queries, zero_knowledge=False):
    import math

    import numpy as np

    from jaxgraph.zk import field as F
    from jaxgraph.zk import matmul as M
    from jaxgraph.zk import pcs

    rng = np.random.default_rng(1)
    ai = rng.integers(-2**15, 2**15, (N, m, k), dtype=np.int64)
    wi = rng.integers(-2**15, 2**15, (N, k, n), dtype=np.int64)
    zi = np.matmul(ai, wi)
    a, w, z = (np.asarray(F.from_signed(x)) for x in (ai, wi, zi))
    del ai, wi, zi
    params = pcs.PCSParams(queries=queries)
    _phase(f"committed matmul (zero_knowledge={zero_knowledge}): commit")
    commit_times = {}
    t = time.perf_counter()
    coms, pd = M.commit_statement(a, w, z, params, rng=None, zero_knowledge=zero_knowledge,
                                  _timings=commit_times)
    commit_total_s = time.perf_counter() - t
    prove_fn = M.prove_committed_zk if zero_knowledge else M.prove_committed
    verify_fn = M.verify_committed_zk if zero_knowledge else M.verify_committed

    def prove():
        for p in pd.pcs_data.values():  # timing only: reuses the masks (see module docstring)
            p.openings_used = 0
        return prove_fn(None, None, None, pd)

    _phase("committed matmul: prove")
    prove_s, first_prove_s, proof = _median(prove, repeats)
    shape = (N, m, k, n)
    _phase("committed matmul: verify")

    def verify():
        return verify_fn(coms, shape, proof, min_queries=queries)

    verify_s, first_verify_s, ok = _median(verify, repeats)
    if not ok:
        raise RuntimeError("committed benchmark proof did not verify")
    return {
        "N": N, "m": m, "k": k, "n": n, "queries": queries,
        "commit_s": {name: commit_times[name] for name in "AWZ"}, "commit_total_s": commit_total_s,
        "prove_s": prove_s, "first_prove_s": first_prove_s,
        "verify_s": verify_s, "first_verify_s": first_verify_s,
        "proof_bytes": proof.num_bytes(),
        "proof_bytes_openings": {name: getattr(proof, "open_" + name).num_bytes() for name in "AWZ"},
        "proof_bytes_sumcheck": (proof.sumcheck.num_bytes() + 48 if zero_knowledge
                                 else 8 * proof.matmul.num_field_elements()),
        "zero_knowledge": zero_knowledge,
        "soundness_bits": -math.log2(M.committed_soundness_error(shape, queries=queries)),
    }


def main(argv):
    del argv
    import jax

    result = {
        "jax": jax.__version__, "backend": jax.default_backend(),
        "device": str(jax.devices()[0]), "cpu_count": os.cpu_count(),
    }
    if _PLAIN.value:
        _phase("sumcheck")
        result["sumcheck"] = bench_sumcheck(_LOG_SIZE.value, _DEGREE.value, _REPEATS.value)
        _phase("plain matmul")
        result["matmul"] = bench_matmul(_N.value, _M.value, _K.value, _NCOLS.value,
                                        _REPEATS.value, _SKIP_VERIFY.value)
    if _COMMITTED.value:
        result["matmul_committed"] = bench_matmul_committed(
            _N.value, _M.value, _K.value, _NCOLS.value, _REPEATS.value, _QUERIES.value)
    if _ZK.value:
        result["matmul_committed_zk"] = bench_matmul_committed(
            _N.value, _M.value, _K.value, _NCOLS.value, _REPEATS.value, _QUERIES.value,
            zero_knowledge=True)
    text = json.dumps(result, indent=2)
    print(text)
    if _OUT.value:
        with open(_OUT.value, "w") as f:
            f.write(text)


if __name__ == "__main__":
    app.run(main)
