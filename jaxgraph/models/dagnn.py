"""DAGNN (Liu, Gao & Ji, "Towards Deeper Graph Neural Networks", KDD 2020) and its experiments.

Model (Sec. 4, Eq. (9); official code github.com/divelab/DeeperGNN ``dagnn.py``, class ``Net``)::

    Z = Linear(ReLU(Linear(dropout(X))) -> dropout)      two-layer MLP, hidden 64     [N, C]
    out = Σ_{l=0..K} σ(Â^l Z w + b) Â^l Z                :class:`~jaxgraph.nn.dagnn.DAGNNProp`
    X_out = softmax(out)                                 (the loss applies the softmax)

Training recipe (paper Sec. 6.1 and the official ``run.sh`` / ``train_eval.py``): Adam, lr 0.01,
L2 weight decay added to the gradients (PyTorch ``Adam(weight_decay)``), hidden 64, up to 1000
epochs; the reported test accuracy is the one at the epoch of lowest validation loss, and
training stops at the first epoch ``e > 500`` whose validation loss exceeds the mean of the 100
before it. Cora: K=10, wd 0.005, dropout 0.8; CiteSeer: K=10, wd 0.02, dropout 0.5.

Experiments (``experiments/dagnn``):

* :func:`run_dagnn_accuracy` — DAGNN on the public Planetoid split over many seeds (paper
  Table 3: Cora 84.4 ± 0.5, CiteSeer 73.3 ± 0.6).
* :func:`run_depth_study` — test accuracy vs depth: DAGNN with ``K`` hops against a plain GCN
  (Kipf & Welling) with ``K`` layers, same split, seeds and training rule; writes a PNG.

Speed: :func:`train_node_runs` runs all epochs of a seed in one ``lax.scan`` inside a single
``jit`` (compiled once per model, the seed is an argument), records the per-epoch validation loss / accuracies, and
applies the stopping rule afterwards on the recorded history. Because the rule only looks at
the validation losses up to the stopping epoch, this gives the same selected epoch and test
accuracy as stopping the loop early (it just computes the epochs after the stop, unused).
Its randomness and optimizer are those of :func:`jaxgraph.train.node.fit_node_classifier`
(the tests check that both give the same trajectory).
"""
from __future__ import annotations

import dataclasses
import os
import time
from typing import Any, Callable

import flax
import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph
import numpy as np
import optax

from jaxgraph.nn.dagnn import DAGNNProp, torch_linear_init
from jaxgraph.nn.init import init_module
from jaxgraph.train import losses

__all__ = [
    "DAGNN",
    "DeepGCN",
    "SparseFeatures",
    "sparse_features",
    "DAGNN_RECIPES",
    "PAPER_TABLE3",
    "train_node_runs",
    "select_epoch",
    "run_dagnn_accuracy",
    "run_depth_study",
    "plot_depth_study",
    "run_experiment",
    "summarize",
    "quick_claim",
]

# Paper Table 3 (public Planetoid splits, mean ± std over 100 runs).
PAPER_TABLE3 = {"cora": (84.4, 0.5), "citeseer": (73.3, 0.6)}

# Official run.sh (fixed splits): K, weight decay, dropout; lr 0.01, hidden 64 (dagnn.py defaults).
DAGNN_RECIPES: dict[str, dict[str, Any]] = {
    "cora": dict(model=dict(k=10, hidden=64, dropout=0.8), train=dict(learning_rate=0.01, weight_decay=0.005)),
    "citeseer": dict(model=dict(k=10, hidden=64, dropout=0.5), train=dict(learning_rate=0.01, weight_decay=0.02)),
}


@flax.struct.dataclass
class SparseFeatures:
    """A sparse ``[N, F]`` feature matrix in coordinate form (``values[i]`` at ``rows[i], cols[i]``).

    :class:`DAGNN` accepts it as ``graph.nodes``: its first layer then costs ``O(nnz · hidden)``
    instead of ``O(N · F · hidden)`` and input dropout draws ``nnz`` random numbers instead of
    ``N · F`` (dropping a zero entry changes nothing, so both give the same distribution).
    Planetoid bag-of-words features are ~1% dense. Build it with :func:`sparse_features`.
    """

    rows: jax.Array
    cols: jax.Array
    values: jax.Array
    shape: tuple = flax.struct.field(pytree_node=False)


def sparse_features(x) -> SparseFeatures:
    """:class:`SparseFeatures` of a dense ``[N, F]`` array (host-side, outside jit).

    Raises:
      ValueError: ``x`` not 2-D or not finite.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D [N, F] array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite")
    rows, cols = np.nonzero(x)
    return SparseFeatures(jnp.asarray(rows, jnp.int32), jnp.asarray(cols, jnp.int32),
                          jnp.asarray(x[rows, cols], jnp.float32), tuple(int(d) for d in x.shape))


class DAGNN(nn.Module):
    """Deep Adaptive Graph Neural Network (Liu, Gao & Ji, KDD 2020, Eq. (9)).

    ``dropout → Linear(hidden) → ReLU → dropout → Linear(C) → DAGNNProp(K)``; the linear layers
    are initialised like ``torch.nn.Linear`` (as the official code). ``graph.nodes`` is a dense
    ``[N, F]`` array or :class:`SparseFeatures`. Returns the pre-softmax output
    ``Σ_l s_l Â^l Z`` of shape ``[N, num_classes]`` (logits for the cross-entropy);
    ``return_scores=True`` also returns the retainment scores ``[N, K+1]``.
    """

    hidden: int = 64
    num_classes: int = 7
    k: int = 10
    dropout: float = 0.5
    use_bias: bool = True

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, deterministic: bool = True, return_scores: bool = False):
        if self.k < 0:
            raise ValueError(f"k must be >= 0, got {self.k}")
        x = graph.nodes
        drop = lambda h: nn.Dropout(self.dropout)(h, deterministic=deterministic)
        n, f = x.shape
        w1 = self.param("lin1_kernel", torch_linear_init(f), (f, self.hidden))
        b1 = self.param("lin1_bias", torch_linear_init(f), (self.hidden,))
        if isinstance(x, SparseFeatures):
            vals = drop(x.values)
            h = jax.ops.segment_sum(vals[:, None] * w1[x.cols], x.rows, n) + b1
        else:
            h = drop(x) @ w1 + b1
        h = drop(nn.relu(h))
        z = nn.Dense(self.num_classes, kernel_init=torch_linear_init(self.hidden),
                     bias_init=torch_linear_init(self.hidden), name="lin2")(h)
        # DAGNNProp reads the node count from the features' shape: give it the dense z.
        zg = graph._replace(nodes=z)
        out = DAGNNProp(self.k, use_bias=self.use_bias, name="prop")(zg, return_scores=return_scores)
        if return_scores:
            g, scores = out
            return g.nodes, scores
        return out.nodes


class _SparseLinear(nn.Module):
    """``X W`` for :class:`SparseFeatures` ``X`` (param ``kernel`` ``[F, features]``, glorot as GCNConv)."""

    features: int

    @nn.compact
    def __call__(self, x: SparseFeatures):
        kernel = self.param("kernel", nn.initializers.glorot_uniform(), (x.shape[1], self.features))
        return jax.ops.segment_sum(x.values[:, None] * kernel[x.cols], x.rows, x.shape[0])


class _SparseGCNConv(nn.Module):
    """:class:`jaxgraph.nn.GCNConv` (same parameter names) on a :class:`SparseFeatures` input."""

    features: int

    @nn.compact
    def __call__(self, x: SparseFeatures, senders, receivers):
        from jaxgraph import ops

        n = x.shape[0]
        h = _SparseLinear(self.features, name="linear")(x)
        s, r, w, m = ops.gcn_norm(senders, receivers, n)
        return ops.propagate(h, s, r, n, w, m) + self.param("bias", nn.initializers.zeros, (self.features,))


class DeepGCN(nn.Module):
    """Kipf & Welling's plain GCN stacked to ``num_layers`` for the depth study.

    The network of :class:`jaxgraph.models.node.GCN` (``[dropout → GCNConv → ReLU] × (L-1) →
    dropout → GCNConv``; no residual connections, no normalisation), with two changes that only
    affect cost: ``graph.nodes`` may be :class:`SparseFeatures` (first layer ``O(nnz)``), and the
    ``L - 2`` hidden-to-hidden layers run in one ``lax.scan`` over stacked parameters
    ``hidden_kernels`` ``[L-2, H, H]`` / ``hidden_biases`` ``[L-2, H]`` (compile time independent of
    ``L``). First and last layers are ``conv0`` and ``conv{L-1}`` as in ``GCN``; stacking GCN's
    ``conv1..conv{L-2}`` gives the same function. Returns logits ``[N, num_classes]``.
    """

    hidden: int = 64
    num_classes: int = 7
    num_layers: int = 2
    dropout: float = 0.5

    @nn.compact
    def __call__(self, graph: jraph.GraphsTuple, deterministic: bool = True):
        from jaxgraph import ops
        from jaxgraph.nn import GCNConv

        if self.num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, got {self.num_layers}")
        drop = lambda h: nn.Dropout(self.dropout)(h, deterministic=deterministic)
        x, L, H = graph.nodes, self.num_layers, self.hidden

        def conv(x, feats, name):
            if isinstance(x, SparseFeatures):
                return _SparseGCNConv(feats, name=name)(x.replace(values=drop(x.values)), graph.senders, graph.receivers)
            return GCNConv(feats, name=name)(graph._replace(nodes=drop(x))).nodes

        if L == 1:
            return conv(x, self.num_classes, "conv0")
        h = nn.relu(conv(x, H, "conv0"))
        if L > 2:
            glorot = nn.initializers.glorot_uniform()
            kernels = self.param("hidden_kernels", lambda k, shape: jax.vmap(lambda kk: glorot(kk, shape[1:]))(
                jax.random.split(k, shape[0])), (L - 2, H, H))
            biases = self.param("hidden_biases", nn.initializers.zeros, (L - 2, H))
            n = h.shape[0]
            s, r, w, m = ops.gcn_norm(graph.senders, graph.receivers, n)
            keep = 1.0 - self.dropout
            rng = None if deterministic or self.dropout == 0 else self.make_rng("dropout")

            def layer(h, inp):
                kernel, bias, i = inp
                if rng is not None:
                    mask = jax.random.bernoulli(jax.random.fold_in(rng, i), keep, h.shape)
                    h = jnp.where(mask, h / keep, 0.0)
                return nn.relu(ops.propagate(h @ kernel, s, r, n, w, m) + bias), None

            h, _ = jax.lax.scan(layer, h, (kernels, biases, jnp.arange(L - 2)))
        return conv(h, self.num_classes, f"conv{L - 1}")


# ----------------------------------------------------------------------------- training
def train_node_runs(model: nn.Module, task, seeds, *, learning_rate: float = 0.01, weight_decay: float = 5e-4,
                    num_epochs: int = 1000, progress: bool = False, desc: str = "runs") -> dict[str, np.ndarray]:
    """Trains ``model`` once per seed for ``num_epochs`` full-batch epochs (one jit, all epochs in a scan).

    Same randomness and optimizer as :func:`jaxgraph.train.node.fit_node_classifier`: parameters
    from ``split(PRNGKey(seed))[0]``, dropout key of epoch ``e`` = ``fold_in(run_key, e)``,
    ``add_decayed_weights(weight_decay)`` then Adam. After every epoch the deterministic model
    is evaluated.

    Args:
      model: flax module ``model(graph, deterministic) -> logits [N, C]``.
      task: :class:`jaxgraph.train.node.NodeTask` (graph, labels and train/val/test masks).
      seeds: ints, one run each.
      progress, desc: a tqdm bar over the seeds.
    Returns:
      numpy arrays ``[S, num_epochs]``: ``train_loss`` (of the dropout step), ``val_loss``,
      ``val_accuracy``, ``test_accuracy``, ``train_accuracy``.
    Raises:
      ValueError: empty ``seeds`` or ``num_epochs < 1``.
    """
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must be non-empty, got []")
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be >= 1, got {num_epochs}")
    tx = optax.chain(optax.add_decayed_weights(weight_decay), optax.adam(learning_rate))
    g, y = task.graph, task.labels

    def evaluate(params):
        logits = model.apply(params, g, deterministic=True)
        pred = logits.argmax(-1)
        acc = lambda m: jnp.sum((pred == y) & m) / jnp.maximum(m.sum(), 1)
        return {"val_loss": losses.cross_entropy(logits, y, task.val), "val_accuracy": acc(task.val),
                "test_accuracy": acc(task.test), "train_accuracy": acc(task.train)}

    def one_run(seed):
        init_key, run_key = jax.random.split(jax.random.PRNGKey(seed))
        params = init_module(model, init_key, g, deterministic=True)
        opt = tx.init(params)

        def epoch(carry, e):
            params, opt = carry
            rng = jax.random.fold_in(run_key, e)

            def loss_fn(p):
                logits = model.apply(p, g, deterministic=False, rngs={"dropout": rng})
                return losses.cross_entropy(logits, y, task.train)

            loss, grads = jax.value_and_grad(loss_fn)(params)
            updates, opt = tx.update(grads, opt, params)
            params = optax.apply_updates(params, updates)
            return (params, opt), {"train_loss": loss, **evaluate(params)}

        _, hist = jax.lax.scan(epoch, (params, opt), jnp.arange(num_epochs))
        return hist

    run = jax.jit(one_run)  # compiled once; the seed is a traced argument
    from tqdm.auto import tqdm

    it = tqdm(seeds, desc=desc, leave=False, disable=None) if progress else seeds
    hists = [jax.device_get(run(jnp.asarray(seed, jnp.uint32))) for seed in it]
    return {k: np.stack([np.asarray(h[k]) for h in hists]) for k in hists[0]}


def select_epoch(val_loss, rule: str = "official", patience: int = 100) -> tuple[int, int]:
    """The model-selection epoch and the stopping epoch of one run's validation-loss history.

    ``rule='official'`` (DAGNN's ``train_eval.py``, the PyG benchmark rule): best = lowest
    validation loss so far (strict improvement); stop after epoch ``e`` (1-based) when
    ``e > E // 2`` and ``val_loss[e] > mean(val_loss[e-patience-1 : e-1])``.
    ``rule='patience'``: stop after ``patience`` epochs without a new lowest validation loss.

    Args:
      val_loss: ``[E]`` validation losses, epoch 0 first.
    Returns:
      ``(best, stop)``: 0-based index of the selected epoch, and number of epochs run.
    Raises:
      ValueError: unknown rule, empty history or ``patience < 1``.
    """
    v = np.asarray(val_loss, np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"val_loss must be a non-empty 1-D history, got shape {v.shape}")
    if rule not in ("official", "patience"):
        raise ValueError(f"rule must be 'official' or 'patience', got {rule!r}")
    if patience < 1:
        raise ValueError(f"patience must be >= 1, got {patience}")
    e_max = v.size
    best, best_val, bad = 0, np.inf, 0
    for i in range(e_max):
        if v[i] < best_val:
            best, best_val, bad = i, v[i], 0
        else:
            bad += 1
        epoch = i + 1
        if rule == "official":
            if epoch > e_max // 2 and v[i] > v[max(0, i - patience):i].mean():
                return best, epoch
        elif bad >= patience:
            return best, epoch
    return best, e_max


def _summarize_runs(hist: dict[str, np.ndarray], rule: str, patience: int) -> dict[str, Any]:
    tests, vals, bests, stops = [], [], [], []
    for i in range(hist["val_loss"].shape[0]):
        vl = hist["val_loss"][i]
        if not np.all(np.isfinite(vl)):  # a diverged run: select among its finite epochs
            vl = np.where(np.isfinite(vl), vl, np.inf)
        best, stop = select_epoch(vl, rule, patience)
        tests.append(float(hist["test_accuracy"][i, best]) * 100)
        vals.append(float(hist["val_accuracy"][i, best]) * 100)
        bests.append(best + 1)
        stops.append(stop)
    return {"accs": tests, "test_acc_mean": float(np.mean(tests)), "test_acc_std": float(np.std(tests)),
            "val_acc_mean": float(np.mean(vals)), "best_epoch_mean": float(np.mean(bests)),
            "epochs_mean": float(np.mean(stops))}


def _task(dataset: str, data_root: str | None):
    from jaxgraph import data
    from jaxgraph.train.node import NodeTask

    ds = data.load(dataset, root=data_root)
    task = NodeTask.from_dataset(ds, 0, normalize_features=True)  # row-normalised, as the official code
    sparse = dataclasses.replace(task, graph=task.graph._replace(nodes=sparse_features(task.graph.nodes)))
    return ds, task, sparse


def _train_model(model, task, seeds, train: dict, rule: str, patience: int, desc: str = "") -> dict[str, Any]:
    hist = train_node_runs(model, task, list(seeds), progress=True, desc=desc, **train)
    return _summarize_runs(hist, rule, patience)


# ----------------------------------------------------------------------------- experiments
def run_dagnn_accuracy(dataset: str, seeds, *, data_root: str | None = None, model: dict | None = None,
                       train: dict | None = None, rule: str = "official", patience: int = 100,
                       log: Callable | None = None) -> dict[str, Any]:
    """DAGNN on ``dataset``'s public split with the paper's recipe (:data:`DAGNN_RECIPES`).

    Args:
      dataset: 'cora' or 'citeseer' (others need ``model`` and ``train`` given in full).
      seeds: run seeds.
      model, train: overrides of the recipe (``train`` may hold ``num_epochs``).
      rule, patience: model selection (:func:`select_epoch`).
    Returns:
      a row ``{"experiment": "accuracy", "model": "dagnn", "dataset", "k", "runs", "accs",
      "test_acc_mean", "test_acc_std", "val_acc_mean", "best_epoch_mean", "epochs_mean",
      "paper_mean", "paper_std", "seconds"}`` (accuracies in %).
    """
    recipe = DAGNN_RECIPES.get(dataset, dict(model={}, train={}))
    mkw = {**recipe["model"], **(model or {})}
    tkw = {"num_epochs": 1000, **recipe["train"], **(train or {})}
    ds, _, task = _task(dataset, data_root)
    t0 = time.time()
    net = DAGNN(num_classes=ds.num_classes, **mkw)
    row = _train_model(net, task, list(seeds), tkw, rule, patience, desc=f"dagnn {dataset}")
    paper = PAPER_TABLE3.get(dataset, (None, None))
    row = {"experiment": "accuracy", "model": "dagnn", "dataset": dataset, "k": mkw.get("k"),
           "runs": len(row["accs"]), **row, "paper_mean": paper[0], "paper_std": paper[1],
           "seconds": time.time() - t0, "model_kwargs": mkw, "train_kwargs": tkw}
    if log:
        log(f"[dagnn] {dataset}: {row['test_acc_mean']:.2f} ± {row['test_acc_std']:.2f} "
            f"({row['runs']} runs; paper {paper[0]} ± {paper[1]}) in {row['seconds']:.0f} s")
    return row


def run_depth_study(dataset: str, depths, seeds, *, data_root: str | None = None, workdir: str | None = None,
                    dagnn_model: dict | None = None, dagnn_train: dict | None = None,
                    gcn_model: dict | None = None, gcn_train: dict | None = None,
                    rule: str = "official", patience: int = 100,
                    log: Callable | None = None) -> list[dict[str, Any]]:
    """Test accuracy vs depth: DAGNN with ``K`` hops and a plain GCN with ``K`` layers.

    The GCN is Kipf & Welling's (:class:`DeepGCN` = :class:`jaxgraph.models.node.GCN` on sparse
    input: ``[dropout → GCNConv → ReLU] × (K-1) → dropout → GCNConv``, no residual connections,
    no normalisation), hidden 64,
    dropout 0.5, Adam lr 0.01, wd 5e-4, 200 epochs (Kipf & Welling's budget) unless ``gcn_model``
    / ``gcn_train`` override it. DAGNN uses the dataset's recipe (:data:`DAGNN_RECIPES`, 1000
    epochs) with ``k`` set to each depth. Both use the same public split, seeds and selection
    ``rule`` (test accuracy at the epoch of lowest validation loss).

    Args:
      dataset: a :func:`jaxgraph.data.load` name with a public split.
      depths: ints ``>= 1``.
      seeds: run seeds (the same for every model and depth).
      workdir: where ``depth_<dataset>.png`` (accuracy vs depth, both curves) is written.
    Returns:
      rows ``{"experiment": "depth", "model": "dagnn"|"gcn", "dataset", "depth", "runs", "accs",
      "test_acc_mean", "test_acc_std", ...}``, one per model and depth.
    Raises:
      ValueError: a depth < 1 or no depths.
    """
    depths = [int(d) for d in depths]
    if not depths or min(depths) < 1:
        raise ValueError(f"depths must be non-empty ints >= 1, got {depths}")
    recipe = DAGNN_RECIPES.get(dataset, dict(model={}, train={}))
    d_model = {**recipe["model"], **(dagnn_model or {})}
    d_train = {"num_epochs": 1000, **recipe["train"], **(dagnn_train or {})}
    g_model = {"hidden": 64, "dropout": 0.5, **(gcn_model or {})}
    g_train = {"num_epochs": 200, "learning_rate": 0.01, "weight_decay": 5e-4, **(gcn_train or {})}
    ds, _, sparse_task = _task(dataset, data_root)
    rows = []
    for depth in depths:
        for name in ("dagnn", "gcn"):
            t0 = time.time()
            if name == "dagnn":
                net, tkw, task = DAGNN(num_classes=ds.num_classes, **{**d_model, "k": depth}), d_train, sparse_task
            else:
                net, tkw, task = DeepGCN(num_classes=ds.num_classes, num_layers=depth, **g_model), g_train, sparse_task
            r = _train_model(net, task, list(seeds), tkw, rule, patience, desc=f"{name} K={depth}")
            row = {"experiment": "depth", "model": name, "dataset": dataset, "depth": depth,
                   "runs": len(r["accs"]), **r, "seconds": time.time() - t0}
            rows.append(row)
            if log:
                log(f"[depth] {dataset} {name:5s} K={depth:3d}: {r['test_acc_mean']:.2f} ± {r['test_acc_std']:.2f} "
                    f"({row['runs']} runs, {row['seconds']:.0f} s)")
    if workdir is not None:
        plot_depth_study(rows, os.path.join(workdir, f"depth_{dataset}.png"))
    return rows


def plot_depth_study(rows: list[dict[str, Any]], path: str) -> str:
    """Plots test accuracy (mean ± std) vs depth for each model in ``rows`` (log-x) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r.get("experiment") == "depth"]
    if not rows:
        raise ValueError("rows has no depth-study rows to plot")
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    labels = {"dagnn": "DAGNN (K hops)", "gcn": "GCN (K layers)"}
    for name in sorted({r["model"] for r in rows}):
        rs = sorted((r for r in rows if r["model"] == name), key=lambda r: r["depth"])
        d = np.array([r["depth"] for r in rs])
        m = np.array([r["test_acc_mean"] for r in rs])
        s = np.array([r["test_acc_std"] for r in rs])
        ax.plot(d, m, marker="o", label=labels.get(name, name))
        ax.fill_between(d, m - s, m + s, alpha=0.2)
    ax.set_xscale("log")
    ax.set_xlabel("depth K")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"{rows[0]['dataset']}: accuracy vs depth ({rows[0]['runs']} seeds)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def run_experiment(cfg: dict[str, Any], log: Callable | None = print) -> list[dict[str, Any]]:
    """Entry of ``experiments/dagnn/main.py``: accuracy rows for ``cfg['accuracy_datasets']`` and
    depth-study rows for ``cfg['depth_datasets']`` (see ``experiments/dagnn/configs``)."""
    seeds = list(range(cfg.get("seed", 0), cfg.get("seed", 0) + cfg["num_seeds"]))
    common = dict(data_root=cfg.get("data_root"), rule=cfg.get("rule", "official"),
                  patience=cfg.get("patience", 100), log=log)
    rows = []
    for ds in cfg.get("accuracy_datasets", []):
        rows.append(run_dagnn_accuracy(ds, seeds, model=dict(cfg.get("dagnn_model", {})),
                                       train=dict(cfg.get("dagnn_train", {})), **common))
    depth_seeds = list(range(cfg.get("seed", 0), cfg.get("seed", 0) + cfg.get("depth_num_seeds", cfg["num_seeds"])))
    for ds in cfg.get("depth_datasets", []):
        rows += run_depth_study(ds, cfg["depths"], depth_seeds, workdir=cfg.get("workdir"),
                                dagnn_model=dict(cfg.get("dagnn_model", {})), dagnn_train=dict(cfg.get("dagnn_train", {})),
                                gcn_model=dict(cfg.get("gcn_model", {})), gcn_train=dict(cfg.get("gcn_train", {})),
                                **common)
    return rows


def summarize(rows: list[dict[str, Any]]) -> str:
    """Markdown-ready text: the accuracy table beside the paper's Table 3 and the depth table."""
    from jaxgraph.train.runners import format_table

    out = []
    acc = [r for r in rows if r["experiment"] == "accuracy"]
    if acc:
        table = [{"dataset": r["dataset"], "K": r["k"], "runs": r["runs"],
                  "ours": f"{r['test_acc_mean']:.1f} ± {r['test_acc_std']:.1f}",
                  "paper (Table 3)": "—" if r["paper_mean"] is None else f"{r['paper_mean']} ± {r['paper_std']}",
                  "epochs": f"{r['epochs_mean']:.0f}"} for r in acc]
        out.append("DAGNN, public Planetoid split, test accuracy (%)\n"
                   + format_table(table, ["dataset", "K", "runs", "ours", "paper (Table 3)", "epochs"]))
    dep = [r for r in rows if r["experiment"] == "depth"]
    for ds in dict.fromkeys(r["dataset"] for r in dep):
        rs = [r for r in dep if r["dataset"] == ds]
        depths = sorted({r["depth"] for r in rs})
        cell = {(r["model"], r["depth"]): f"{r['test_acc_mean']:.1f} ± {r['test_acc_std']:.1f}" for r in rs}
        table = [{"model": m, **{f"K={d}": cell.get((m, d), "") for d in depths}} for m in ("dagnn", "gcn")]
        out.append(f"{ds}: test accuracy (%) vs depth K ({rs[0]['runs']} seeds; DAGNN K hops, GCN K layers)\n"
                   + format_table(table, ["model"] + [f"K={d}" for d in depths]))
    return "\n\n".join(out)


def quick_claim(quick: bool = True) -> float:
    """Cora: DAGNN accuracy at depth 100 minus a plain GCN's at 100 layers (percentage points).

    The paper's headline (Sec. 6, accuracy-vs-depth figure): DAGNN keeps its accuracy at large
    depth while a deep GCN collapses (towards chance: 31.9% is Cora's majority-class share of
    the test set). Quick: seed 0, DAGNN 200 epochs, GCN 50 epochs (a 100-layer GCN does not
    train at any budget on Cora: see the depth study); full: 3 seeds with the recipes of
    :func:`run_depth_study` (DAGNN 1000 epochs, GCN 200). The claim holds when the gap is >= 30.
    """
    seeds = [0] if quick else [0, 1, 2]
    rows = run_depth_study("cora", [100], seeds, dagnn_train=dict(num_epochs=200 if quick else 1000),
                           gcn_train=dict(num_epochs=50 if quick else 200))
    acc = {r["model"]: r["test_acc_mean"] for r in rows}
    return acc["dagnn"] - acc["gcn"]
