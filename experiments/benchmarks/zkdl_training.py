"""zkDL proof of one SGD step (batch update) vs network width: prover, verifier, proof and
commitment, in the committed mode (the verifier holds only the PCS commitment) and optionally
the oracle mode, on whatever device JAX uses.

    python experiments/benchmarks/zkdl_training.py --widths=32,64,128 --out=/tmp/zkdl.json
    python experiments/benchmarks/zkdl_training.py --widths=1024 --modes=committed  # the paper's size

Paper: Sun et al., "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training": "less than
a second per batch update for an 8-layer network with 10M parameters and batch size 64". The
issue's reference point: the official CUDA code (FAC4DNN mode) on one H100, 8 layers x 1024,
batch 64: 0.24 s prover + 4.5 s commitment per step, no verifier, no Fiat-Shamir.

Network: ``--depth`` weight layers, hidden width w, batch ``--batch``, sklearn digits inputs
padded / cut to w features (so the input layer is w x w too, as the paper's square layers) and
10 classes. Per width: one untimed warm-up proof (JIT compilation at these shapes), then
``--repeats`` proofs of successive SGD steps, each from the previous step's weights (median
reported). Logic: :func:`jaxgraph.zk.training.measure_proof`. Prints JSON rows and writes
``--out``.
"""
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402

_WIDTHS = flags.DEFINE_list("widths", ["32", "64", "128"], "Hidden widths to measure.")
_DEPTH = flags.DEFINE_integer("depth", 8, "Weight layers.")
_BATCH = flags.DEFINE_integer("batch", 64, "Batch size.")
_REPEATS = flags.DEFINE_integer("repeats", 2, "Timed proofs (successive steps) per width.")
_MODES = flags.DEFINE_list("modes", ["committed", "oracle"], "committed and/or oracle.")
_OUT = flags.DEFINE_string("out", None, "Write the JSON here.")


def _data(width: int):
    import numpy as np

    from jaxgraph.zk import fixed_point as fp

    x, _, y, _ = fp.load_digits_split(0)
    if x.shape[1] >= width:
        return x[:, :width], y
    return np.concatenate([x, np.zeros((x.shape[0], width - x.shape[1]))], axis=1), y


def measure(width: int, mode: str, depth: int, batch: int, repeats: int) -> dict:
    from jaxgraph.zk import fixed_point as fp
    from jaxgraph.zk import training as TR

    widths = [width] * depth + [10]
    mc = TR.ModelConfig(widths=tuple(widths), batch_size=batch, commit=(mode == "committed"))
    X, y = _data(width)
    steps = repeats + 1
    idx = fp.batch_indices(len(y), steps, batch, 0)
    w = fp.init_weights(widths, mc.frac_bits, 0)
    rows = []
    t_all = time.perf_counter()
    for t in range(steps):
        data = (X[idx[t]], y[idx[t]])
        row, _ = TR.measure_proof(mc, data, 1, 0, init_weights=w)
        if not row["verified"]:
            raise RuntimeError(f"width {width}, {mode}: proof rejected: {row['reason']}")
        rows.append(row)
        w, _ = TR.build_trace(mc, data, 1, 0, init_weights=w)
    timed = rows[1:]  # rows[0]: warm-up (compilation)

    def med(k):
        return float(statistics.median(r[k] for r in timed))

    n_params = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    return {"mode": mode, "depth": depth, "width": width, "batch": batch, "params": n_params,
            "prove_s": med("prove_s"), "commit_s": med("commit_s"), "verify_s": med("verify_s"),
            "proof_bytes": int(med("proof_bytes")), "parts_bytes": timed[-1]["parts_bytes"],
            "commitment_bytes": int(med("commitment_bytes")),
            "witness_words": int(timed[-1]["witness_words"]),
            "first_prove_s": rows[0]["prove_s"], "repeats": len(timed),
            "seconds": time.perf_counter() - t_all}


def main(argv):
    del argv
    import jax

    out = {"host": platform.node(), "backend": jax.default_backend(),
           "device": str(jax.devices()[0]), "rows": []}
    for width in [int(v) for v in _WIDTHS.value]:
        for mode in _MODES.value:
            if mode not in ("committed", "oracle"):
                raise ValueError(f"--modes: unknown mode {mode!r}")
            row = measure(width, mode, _DEPTH.value, _BATCH.value, _REPEATS.value)
            print(json.dumps(row), flush=True)
            out["rows"].append(row)
    print(json.dumps(out, indent=1))
    if _OUT.value:
        with open(_OUT.value, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    app.run(main)
