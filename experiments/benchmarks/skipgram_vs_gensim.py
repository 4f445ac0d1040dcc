"""Our JAX skip-gram (DeepWalk's trainer) against gensim's word2vec on the same walks (issue 10).

    python experiments/benchmarks/skipgram_vs_gensim.py --gensim_python=/path/to/python   # gensim elsewhere
    python experiments/benchmarks/skipgram_vs_gensim.py --datasets=ppi --ratios=0.5 --repeats=1

What is compared. One corpus per dataset: :func:`jaxgraph.embed.walks.random_walks`, uniform
walks, key 0: by default 10 of length 80 per node (the node2vec paper's corpus);
``--walks_per_node=80 --walk_length=40`` is the corpus of the official FastRP notebook's DeepWalk
and node2vec runs (and of the DeepWalk paper). On it:

* ``jax``: :func:`jaxgraph.embed.skipgram.fit_skipgram` with its defaults (d = 128, window 10,
  5 negatives, ``--epochs``; batched SGD with the curvature guard) on this process's JAX backend;
* ``jax-count-cap-16``: the same with the guard off and the old count cap ``row_cap=16`` (the
  trainer before the guard; ``--old_cap=false`` skips it);
* ``gensim-same``: ``gensim.models.Word2Vec(sg=1, hs=0, negative=5, window=10, vector_size=128,
  min_count=0, epochs=--epochs, sample=0, shrink_windows=False)``: the same objective (fixed
  window, no down-sampling) trained by gensim's sequential, multi-threaded C SGD;
* ``gensim-default``: the same with gensim's defaults ``sample=1e-3`` and a randomly shrunk window
  (what DeepWalk's reference code gets, apart from its hierarchical softmax and 5 epochs).

gensim runs in ``--gensim_python`` (any interpreter with gensim and numpy; the walks travel as a
.npy file), with ``--workers`` threads. Scores: the DeepWalk protocol
(:func:`jaxgraph.embed.evaluate.multilabel_node_classification`, liblinear one-vs-rest, C = 1,
top-k labels), Micro/Macro-F1 at ``--ratios`` over ``--repeats`` splits. Times: training wall
clock only (the walks are shared); ours includes its jit compilation. Prints a table and
writes the rows as JSON to ``--out``.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402

_DATASETS = flags.DEFINE_list("datasets", ["ppi", "blogcatalog", "wikipedia-pos"], "jaxgraph.data names.")
_GENSIM_PYTHON = flags.DEFINE_string("gensim_python", None, "Interpreter with gensim (default: this one).")
_EPOCHS = flags.DEFINE_integer("epochs", 1, "Passes over the corpus (both trainers).")
_WALKS = flags.DEFINE_integer("walks_per_node", 10, "Walks per node (node2vec paper: 10; the official FastRP "
                              "notebook's DeepWalk / node2vec runs: 80).")
_LENGTH = flags.DEFINE_integer("walk_length", 80, "Walk length in nodes (node2vec paper: 80; FastRP notebook: 40).")
_WORKERS = flags.DEFINE_integer("workers", 2, "gensim worker threads.")
_RATIOS = flags.DEFINE_list("ratios", ["0.1", "0.5"], "Train ratios.")
_REPEATS = flags.DEFINE_integer("repeats", 2, "Splits per ratio.")
_OLD_CAP = flags.DEFINE_bool("old_cap", True, "Also train with the old count cap (row_cap=16, no guard).")
_GENSIM = flags.DEFINE_list("gensim", ["same", "default"], "gensim variants to run (same, default); empty = none.")
_OUT = flags.DEFINE_string("out", None, "Write the rows as a JSON list here.")

GENSIM_SCRIPT = r"""
import sys, time, numpy as np
from gensim.models import Word2Vec
walks_path, out_path, n, epochs, workers, variant = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
w = np.load(walks_path)
sentences = [[str(x) for x in row if x >= 0] for row in w]
extra = dict(sample=0, shrink_windows=False) if variant == "same" else {}
t0 = time.perf_counter()
m = Word2Vec(sentences, vector_size=128, window=10, min_count=0, sg=1, hs=0, negative=5, epochs=epochs,
             workers=workers, seed=0, **extra)
sec = time.perf_counter() - t0
emb = np.zeros((n, 128), np.float32)
for i in range(n):
    if str(i) in m.wv:
        emb[i] = m.wv[str(i)]
np.save(out_path, emb)
print(sec)
"""


def _gensim(python, walks_path, n, epochs, workers, variant):
    with tempfile.TemporaryDirectory() as tmp:
        script, out = os.path.join(tmp, "g.py"), os.path.join(tmp, "emb.npy")
        with open(script, "w") as f:
            f.write(GENSIM_SCRIPT)
        res = subprocess.run([python, script, walks_path, out, str(n), str(epochs), str(workers), variant],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"gensim run failed ({python}): {res.stderr[-2000:]}")
        import numpy as np

        return np.load(out), float(res.stdout.strip().splitlines()[-1])


def run(datasets, gensim_python, epochs, workers, ratios, repeats, old_cap=True, gensim_variants=("same", "default"),
        log=print, walks_per_node=10, walk_length=80):
    import jax
    import numpy as np

    from jaxgraph.embed.evaluate import multilabel_node_classification
    from jaxgraph.embed.fastrp import _load
    from jaxgraph.embed.skipgram import fit_skipgram
    from jaxgraph.embed.walks import random_walks

    bad = [v for v in gensim_variants if v not in ("same", "default")]
    if bad:
        raise ValueError(f"gensim variants must be 'same' or 'default', got {bad}")
    rows = []
    for name in datasets:
        graph, labels = _load(name)
        n = int(labels.shape[0])
        walks = np.asarray(random_walks(graph, jax.random.key(0), walks_per_node=walks_per_node,
                                           walk_length=walk_length))
        log(f"[{name}] N={n} walks={walks.shape}")
        runs = {}
        t0 = time.perf_counter()
        res = fit_skipgram(walks, n, jax.random.key(1), epochs=epochs)
        runs["jax"] = (res.embeddings, time.perf_counter() - t0, res.losses)
        if old_cap:
            t0 = time.perf_counter()
            res = fit_skipgram(walks, n, jax.random.key(1), epochs=epochs, guard=float("inf"), row_cap=16.0)
            runs["jax-count-cap-16"] = (res.embeddings, time.perf_counter() - t0, res.losses)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "walks.npy")
            np.save(path, walks)
            for variant in gensim_variants:
                emb, sec = _gensim(gensim_python or sys.executable, path, n, epochs, workers, variant)
                runs[f"gensim-{variant}"] = (emb, sec, None)
        for method, (emb, sec, losses) in runs.items():
            scores = multilabel_node_classification(emb, labels, train_ratios=ratios, repeats=repeats, C=1.0,
                                                    normalize=False)
            final_loss = None
            if losses is not None:
                fin = losses[np.isfinite(losses)]
                final_loss = float(fin[-200:].mean()) if fin.size else float("nan")
            for s in scores:
                rows.append(dict(dataset=name, method=method, train_ratio=s["train_ratio"], micro_f1=s["micro_f1"],
                                 macro_f1=s["macro_f1"], train_seconds=sec, final_loss=final_loss, epochs=epochs,
                                 walks_per_node=walks_per_node, walk_length=walk_length,
                                 backend=jax.default_backend()))
            log(f"  {method}: {sec:.1f} s, " + ", ".join(
                f"{s['train_ratio']:.0%}: {s['micro_f1']:.3f}/{s['macro_f1']:.3f}" for s in scores))
    return rows


def main(argv):
    del argv
    rows = run(_DATASETS.value, _GENSIM_PYTHON.value, _EPOCHS.value, _WORKERS.value,
               tuple(float(r) for r in _RATIOS.value), _REPEATS.value, _OLD_CAP.value, tuple(_GENSIM.value),
               walks_per_node=_WALKS.value, walk_length=_LENGTH.value)
    from jaxgraph.train.runners import format_table

    print(format_table(rows, ["dataset", "method", "train_ratio", "micro_f1", "macro_f1", "train_seconds"]))
    if _OUT.value:
        with open(_OUT.value, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    app.run(main)
