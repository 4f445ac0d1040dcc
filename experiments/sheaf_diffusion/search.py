"""Validation-selected random search of NSD hyperparameters on one dataset (the official
repository's W&B sweep space, config/orth_webkb_sweep.yml of twitter-research/neural-sheaf-diffusion:
d in {2,3,4}, layers 2-6, channels {8,16,32}, weight decay log-uniform in [e^-9.2, e^-6.8],
input dropout and dropout in {0.0,...,0.9}, add_lp / add_hp in {0,1}, lr 0.02).

    python experiments/sheaf_diffusion/search.py --dataset=cora --model=o_nsd --trials=16 \
        --search_splits=1 --epochs=200 --out=workdir/sheaf_search/cora_o_nsd.json

Every trial trains on the first ``search_splits`` splits and is scored by mean VALIDATION
accuracy only; the test accuracy of each trial is recorded but never used to choose. The best
trial's configuration is printed as an ``nsd_per_dataset`` entry for configs/default.py.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

from jaxgraph.models.sheaf import run_sheaf_diffusion  # noqa: E402

flags.DEFINE_string("dataset", "cora", "Dataset name (as in configs/default.py).")
flags.DEFINE_enum("model", "o_nsd", ["diag_nsd", "o_nsd", "gen_nsd"], "NSD variant.")
flags.DEFINE_integer("trials", 16, "Random configurations to try.")
flags.DEFINE_integer("search_splits", 1, "Splits each trial trains on (scored by mean val accuracy).")
flags.DEFINE_integer("epochs", 200, "Epoch cap per trial.")
flags.DEFINE_integer("patience", 100, "Early-stopping patience on val accuracy.")
flags.DEFINE_integer("seed", 0, "Sampler seed.")
flags.DEFINE_string("out", None, "Optional JSON file for all trials.")
FLAGS = flags.FLAGS


def sample(rng: np.random.Generator) -> dict:
    """One configuration from the official sweep space."""
    drops = [round(0.1 * i, 1) for i in range(10)]
    return dict(
        d=int(rng.choice([2, 3, 4])), num_layers=int(rng.integers(2, 7)),
        hidden_channels=int(rng.choice([8, 16, 32])),
        input_dropout=float(rng.choice(drops)), dropout=float(rng.choice(drops)),
        add_lp=bool(rng.integers(2)), add_hp=bool(rng.integers(2)),
        train=dict(learning_rate=0.02, weight_decay=float(math.exp(rng.uniform(-9.2, -6.8)))),
    )


def main(argv):
    del argv
    rng = np.random.default_rng(FLAGS.seed)
    trials = []
    for t in range(FLAGS.trials):
        nsd = sample(rng)
        cfg = {
            "datasets": [FLAGS.dataset], "models": [FLAGS.model], "num_splits": FLAGS.search_splits, "seed": 0,
            "train": dict(num_epochs=FLAGS.epochs, patience=FLAGS.patience, monitor="val_accuracy"),
            "nsd": nsd,
        }
        row = run_sheaf_diffusion(cfg, log=lambda s: None)[0]
        trials.append({"nsd": nsd, "val": row["val_acc_mean"], "test": row["test_acc_mean"], "seconds": row["seconds"]})
        print(f"trial {t:2d}  val {row['val_acc_mean']:.2f}  test {row['test_acc_mean']:.2f}  "
              f"({row['seconds']:.0f} s)  {nsd}", flush=True)
    best = max(trials, key=lambda r: r["val"])
    print(f"best by validation: val {best['val']:.2f} (test {best['test']:.2f})\n"
          f"nsd_per_dataset[{FLAGS.dataset!r}] = {best['nsd']}")
    if FLAGS.out:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.out)), exist_ok=True)
        with open(FLAGS.out, "w") as f:
            json.dump({"dataset": FLAGS.dataset, "model": FLAGS.model, "trials": trials, "best": best}, f, indent=1)


if __name__ == "__main__":
    app.run(main)
