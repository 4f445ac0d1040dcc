"""zkDL (Sun et al., "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training"): train a
ReLU MLP with exact fixed-point SGD, prove every batch update (zkReLU + FAC4DNN + output layer +
U range check on one transcript, :mod:`jaxgraph.zk.training`) and verify it.

    python experiments/zkdl/main.py \
        --config=experiments/zkdl/configs/default.py --workdir=workdir/zkdl

Per proven step: prover time, verifier time, proof size, commitment time and size. With
``commit=True`` (default) the verifier holds only the PCS commitment of the witness (committed
mode: every evaluation claim is proven by one batched sumcheck + one opening, see
:mod:`jaxgraph.zk.claims`); ``commit=False`` runs the oracle mode (the verifier holds the tables).
Optionally one aggregated proof of all steps. Plus fixed-point vs float64 test accuracy on
sklearn digits. Writes ``workdir/results.json`` and ``workdir/results.md``.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

import numpy as np  # noqa: E402

from jaxgraph.train import write_results  # noqa: E402
from jaxgraph.train.runners import format_table  # noqa: E402
from jaxgraph.zk import fixed_point as fp  # noqa: E402
from jaxgraph.zk import training as TR  # noqa: E402

_CONFIG = config_flags.DEFINE_config_file("config", None, "Path to an ml_collections config file.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where results.json and results.md go.")
flags.mark_flags_as_required(["config"])

STEP_COLUMNS = ["step", "loss", "prove_s", "verify_s", "proof_bytes", "commit_s",
                "commitment_bytes", "witness_words", "verified"]


def _model_config(c):
    if c.dataset != "digits":
        raise ValueError(f"dataset must be 'digits', got {c.dataset!r}")
    widths = fp.mlp_widths(64, c.width, 10, c.depth)
    return TR.ModelConfig(widths=tuple(widths), batch_size=c.batch_size, frac_bits=c.frac_bits,
                          lr_shift=c.lr_shift, bits=c.bits, rounding=c.rounding, commit=c.commit)


def run_zkdl(c, log=print) -> dict:
    """Run the experiment of config ``c`` (see configs/default.py); returns the results dict."""
    t_all = time.perf_counter()
    mc = _model_config(c)
    Xtr, Xte, ytr, yte = fp.load_digits_split(c.seed)
    n_params = int(sum(a * b for a, b in zip(mc.widths[:-1], mc.widths[1:])))
    log(f"zkDL on digits: widths {list(mc.widths)} ({n_params} parameters), B={mc.batch_size}, "
        f"f={mc.frac_bits}, eta=2^-{mc.lr_shift}, c=2^-{mc.loss_shift}, Q={mc.bits}, "
        f"rounding={mc.rounding}, {c.steps} proven steps, commit={mc.commit}")
    batches = fp.batch_indices(len(ytr), c.steps, mc.batch_size, c.seed)
    w = fp.init_weights(list(mc.widths), mc.frac_bits, c.seed)
    if c.warmup:  # JIT compilation at the per-step shapes, not timed
        t0 = time.perf_counter()
        TR.measure_proof(mc, (Xtr[batches[0]], ytr[batches[0]]), 1, c.seed, init_weights=w)
        log(f"warm-up proof (JIT compilation): {time.perf_counter() - t0:.1f}s")
    rows = []
    for t, idx in enumerate(batches):
        row, pub = TR.measure_proof(mc, (Xtr[idx], ytr[idx]), 1, c.seed, init_weights=w)
        # the prover's next weights (committed mode: secret, inside the commitment)
        w, _ = TR.build_trace(mc, (Xtr[idx], ytr[idx]), 1, c.seed, init_weights=w)
        row["step"] = t
        row["loss"] = float("nan")
        rows.append(row)
        log(f"step {t}: prove {row['prove_s']:.2f}s  verify {row['verify_s']:.2f}s  proof "
            f"{row['proof_bytes']} B  commit {row['commit_s']:.2f}s / {row['commitment_bytes']} B  "
            f"witness {row['witness_words']} words  verified={row['verified']} {row['reason']}")
    # the proven chain equals plain T-step training (independent re-run)
    w_ref, trace_ref = fp.train_fixed_point(list(mc.widths), Xtr, ytr, c.steps, mc.batch_size,
                                            frac_bits=mc.frac_bits, lr_shift=mc.lr_shift,
                                            seed=c.seed, rounding=mc.rounding)
    for r, loss in zip(rows, trace_ref.losses):
        r["loss"] = float(loss)
    chain_ok = all(np.array_equal(a, b) for a, b in zip(w, w_ref))
    log(f"per-step proven weights == plain {c.steps}-step training: {chain_ok}")
    agg = None
    if c.aggregate:
        row, _ = TR.measure_proof(mc, (Xtr, ytr), c.steps, c.seed)
        agg = dict(row, steps=c.steps)
        log(f"aggregated proof of {c.steps} steps (includes JIT compilation of its shapes): "
            f"prove {row['prove_s']:.2f}s  verify {row['verify_s']:.2f}s  proof "
            f"{row['proof_bytes']} B  commit {row['commit_s']:.2f}s  verified={row['verified']}")
    # fixed-point vs float accuracy (same init, batches, loss, eta)
    kw = dict(frac_bits=mc.frac_bits, lr_shift=mc.lr_shift, seed=c.seed)
    w_fix, _ = fp.train_fixed_point(list(mc.widths), Xtr, ytr, c.accuracy_steps, mc.batch_size,
                                    keep_records=False, rounding=mc.rounding, **kw)
    w_flt, _ = fp.train_float(list(mc.widths), Xtr, ytr, c.accuracy_steps, mc.batch_size, **kw)
    scale = float(1 << mc.frac_bits)
    acc = {"steps": int(c.accuracy_steps),
           "fixed_test_acc": fp.accuracy(w_fix, Xte, yte, mc.frac_bits, rounding=mc.rounding),
           "float_test_acc": fp.accuracy_float(
               w_flt, fp.encode_inputs(Xte, mc.frac_bits) / scale, yte),
           "proven_weights_test_acc": fp.accuracy(w, Xte, yte, mc.frac_bits,
                                                  rounding=mc.rounding)}
    log(f"accuracy after {c.accuracy_steps} SGD steps: fixed-point {acc['fixed_test_acc']:.4f}  "
        f"float64 {acc['float_test_acc']:.4f}; after the {c.steps} proven steps "
        f"{acc['proven_weights_test_acc']:.4f}")
    summary = {k: float(np.mean([r[k] for r in rows])) for k in
               ("prove_s", "verify_s", "proof_bytes", "commit_s", "commitment_bytes")}
    return {"widths": list(mc.widths), "num_params": n_params, "rows": rows,
            "per_step_mean": summary, "chain_equals_training": chain_ok, "aggregate": agg,
            "accuracy": acc, "all_verified": all(r["verified"] for r in rows)
            and (agg is None or agg["verified"]), "seconds": time.perf_counter() - t_all}


def main(argv):
    del argv
    cfg = _CONFIG.value
    res = run_zkdl(cfg, log=print)
    text = (f"widths {res['widths']} ({res['num_params']} parameters)\n\n"
            f"Per batch update (one proof per SGD step)\n{format_table(res['rows'], STEP_COLUMNS)}"
            f"\n\nmean per step: {res['per_step_mean']}\n")
    if res["aggregate"]:
        a = res["aggregate"]
        text += (f"aggregated proof of {a['steps']} steps: prove {a['prove_s']:.2f}s, verify "
                 f"{a['verify_s']:.2f}s, proof {a['proof_bytes']} B, commit {a['commit_s']:.2f}s, "
                 f"verified {a['verified']}\n")
    acc = res["accuracy"]
    text += (f"accuracy ({acc['steps']} steps): fixed-point {acc['fixed_test_acc']:.4f}, float64 "
             f"{acc['float_test_acc']:.4f}\nall verified: {res['all_verified']}; total "
             f"{res['seconds']:.1f}s")
    print(text)
    write_results(_WORKDIR.value, {"config": cfg.to_dict(), **res}, text)


if __name__ == "__main__":
    app.run(main)
