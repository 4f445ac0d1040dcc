"""Temporal link prediction speed: NAT vs TGN-style vs CAWN-style on the same batches (issue 7).

    python experiments/benchmarks/temporal.py                       # UCI, Enron, Wikipedia
    python experiments/benchmarks/temporal.py --datasets=uci --num_batches=10 --out=/tmp/t.json

Paper: Luo & Li, "Neighborhood-aware Scalable Temporal Network Representation Learning" (NAT,
LoG 2022): NAT is 4.1-76.7x faster than joint-structural-feature baselines (CAWN-like) and
1.6-4.0x faster than TGN-like ones (GPU, their implementations of the baselines).

For each dataset the first ``--num_batches`` training batches of ``--batch_size`` events are
timed for every method in one process (compile excluded, methods interleaved, median of
``--repeats`` rounds): jitted train step (forward + backward + Adam + state update) and eval step.
Logic in :func:`jaxgraph.temporal.runner.throughput`. Prints JSON rows and writes ``--out``.
"""
import json
import os
import platform
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402

_DATASETS = flags.DEFINE_list("datasets", ["uci", "enron", "wikipedia"], "Event streams.")
_METHODS = flags.DEFINE_list("methods", ["nat", "tgn", "cawn"], "Methods.")
_BATCH = flags.DEFINE_integer("batch_size", 200, "Events per batch.")
_NB = flags.DEFINE_integer("num_batches", 30, "Batches timed per pass.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed rounds (median reported).")
_NAT_IMPL = flags.DEFINE_enum("nat_impl", "xla", ["xla", "pallas", "auto"],
                              "NAT's N-cache path (pallas: kernels/ncache; interpreted on CPU).")
_OUT = flags.DEFINE_string("out", None, "Write the JSON rows here.")


def main(argv):
    del argv
    import jax

    from jaxgraph.temporal.runner import throughput

    rows = throughput(_DATASETS.value, _METHODS.value, {"nat": {"impl": _NAT_IMPL.value}}, batch_size=_BATCH.value,
                      num_batches=_NB.value, repeats=_REPEATS.value)
    out = {"host": platform.node(), "backend": jax.default_backend(), "nat_impl": _NAT_IMPL.value, "rows": rows}
    print(json.dumps(out, indent=1))
    if _OUT.value:
        with open(_OUT.value, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    app.run(main)
