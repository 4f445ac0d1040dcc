"""Runs every registered paper claim and prints paper vs measured.

    python experiments/reproduce.py --quick                 # minutes on a CPU
    python experiments/reproduce.py --noquick --only gcn-cora gat-cora --out results.json

``--only`` takes claim keys or paper numbers. Rows: {"paper", "key", "claim", "paper_value",
"measured", "holds"} (plus "quick", "seconds").
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from absl import app, flags  # noqa: E402

from jaxgraph.reproduce import run_claims  # noqa: E402
from jaxgraph.train import write_json  # noqa: E402
from jaxgraph.train.runners import format_table  # noqa: E402

_QUICK = flags.DEFINE_bool("quick", True, "Quick settings (fewer seeds/epochs).")
_ONLY = flags.DEFINE_multi_string("only", None, "Claim keys or paper numbers to run (default: all).")
_OUT = flags.DEFINE_string("out", None, "Write the rows as a JSON list to this path.")


def main(argv):
    only = list(_ONLY.value or []) + list(argv[1:])  # allow `--only a b c`
    rows = run_claims(only or None, quick=_QUICK.value)
    print(format_table(rows, ["paper", "key", "paper_value", "measured", "holds", "seconds", "claim"]))
    if _OUT.value:
        write_json(_OUT.value, rows)
    n_hold = sum(r["holds"] for r in rows)
    print(f"{n_hold}/{len(rows)} claims hold")


if __name__ == "__main__":
    app.run(main)
