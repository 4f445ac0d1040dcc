"""Training protocol of "Benchmarking Graph Neural Networks" (Dwivedi et al., JMLR 2023 /
arXiv:2003.00982, Sec. 4 "Training"): Adam, learning rate halved when the validation loss has
not improved for ``lr_patience`` epochs (ReduceLROnPlateau), stop when the learning rate falls
below ``min_lr`` (or after ``epochs`` / ``max_seconds``).

:class:`GraphTask` is one dataset with fixed train/val/test splits and its metric;
:func:`fit_graph_task` trains any ``flax.linen`` model ``model(graph, deterministic) ->
[G, C] | [N, C]`` (e.g. :class:`jaxgraph.models.graph_level.GraphLevelGNN`) on it, every batch
padded to one budget (one compilation).

Losses / metrics by ``kind`` and ``metric``:

* graph_classification: cross-entropy; 'accuracy'.
* node_classification: cross-entropy over real nodes; with 'weighted_accuracy' (Dwivedi et al.'s
  PATTERN/CLUSTER protocol) the cross-entropy is class-weighted per batch with
  ``w_c = (V - V_c) / V`` (``V`` real nodes of the batch, ``V_c`` of class ``c``; absent classes
  weight 0) and the metric is the mean over the classes present of the per-class recall
  ``|{v: y_v = c, ŷ_v = c}| / |{v: y_v = c}|`` computed over the whole split (the paper's code
  averages it per batch; over the split is the batch-size-independent form).
* graph_regression: L1 loss on ``y / target_scale`` (if given); 'mae' (original units, mean over
  targets).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgraph.graph.batching import Budget, estimate_budget, graph_mask, iterate_batches, node_mask
from jaxgraph.nn.init import init_module

__all__ = ["GraphTask", "fit_graph_task", "evaluate_graph_task", "KINDS", "METRICS"]

KINDS = ("graph_classification", "graph_regression", "node_classification")
METRICS = ("accuracy", "weighted_accuracy", "mae")
_TARGET_KEY = "__node_target__"


@dataclasses.dataclass
class GraphTask:
    """A graph-level (or node-level) dataset with fixed splits and its metric.

    Attributes:
      name: dataset name.
      graphs: single-graph numpy GraphsTuples (``nodes``: float ``[n, F]``, int ``[n]`` or a dict
        ``{"x": ..., "pe": [n, k]}``).
      targets: 'graph_classification': int ``[G]``; 'graph_regression': float ``[G, T]``;
        'node_classification': list of int ``[n_i]`` arrays.
      kind: one of :data:`KINDS`.
      metric: 'accuracy' | 'weighted_accuracy' | 'mae'.
      splits: ``{'train', 'val', 'test'}`` index arrays into ``graphs``.
      num_outputs: classes or regression targets.
      target_scale: optional ``[T]`` per-target scale for regression (loss on ``y / scale``).
    Raises:
      ValueError (from :meth:`validate`, called by :func:`fit_graph_task`) on inconsistent fields.
    """

    name: str
    graphs: list
    targets: Any
    kind: str
    metric: str
    splits: dict
    num_outputs: int
    target_scale: np.ndarray | None = None

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"GraphTask.kind must be one of {KINDS}, got {self.kind!r}")
        if self.metric not in METRICS:
            raise ValueError(f"GraphTask.metric must be one of {METRICS}, got {self.metric!r}")
        if (self.metric == "mae") != (self.kind == "graph_regression"):
            raise ValueError(f"GraphTask.metric={self.metric!r} does not fit kind={self.kind!r}")
        if self.metric == "weighted_accuracy" and self.kind != "node_classification":
            raise ValueError("GraphTask.metric='weighted_accuracy' needs kind='node_classification'")
        g = len(self.graphs)
        if g == 0:
            raise ValueError("GraphTask.graphs is empty")
        if len(self.targets) != g:
            raise ValueError(f"GraphTask.targets has {len(self.targets)} entries for {g} graphs")
        if self.num_outputs < 1:
            raise ValueError(f"GraphTask.num_outputs must be >= 1, got {self.num_outputs}")
        for k in ("train", "val", "test"):
            if k not in self.splits:
                raise ValueError(f"GraphTask.splits needs key {k!r}, got {sorted(self.splits)}")
            idx = np.asarray(self.splits[k])
            if idx.size == 0:
                raise ValueError(f"GraphTask.splits[{k!r}] is empty")
            if idx.min() < 0 or idx.max() >= g:
                raise ValueError(f"GraphTask.splits[{k!r}] has indices outside [0, {g})")
        if self.kind == "graph_classification":
            y = np.asarray(self.targets)
            if y.ndim != 1 or y.min() < 0 or y.max() >= self.num_outputs:
                raise ValueError(f"GraphTask.targets must be int [G] in [0, {self.num_outputs})")
        elif self.kind == "graph_regression":
            y = np.asarray(self.targets)
            if y.ndim != 2 or y.shape[1] != self.num_outputs:
                raise ValueError(f"GraphTask.targets must be float [G, {self.num_outputs}], got shape {y.shape}")
            if not np.all(np.isfinite(y)):
                raise ValueError("GraphTask.targets has non-finite values")
            if self.target_scale is not None and np.asarray(self.target_scale).shape != (self.num_outputs,):
                raise ValueError(f"GraphTask.target_scale must have shape ({self.num_outputs},)")
        else:
            for i, (gr, y) in enumerate(zip(self.graphs, self.targets)):
                y = np.asarray(y)
                n = int(np.asarray(gr.n_node).sum())
                if y.shape != (n,):
                    raise ValueError(f"GraphTask.targets[{i}] has shape {y.shape}, graph has {n} nodes")
                if n and (y.min() < 0 or y.max() >= self.num_outputs):
                    raise ValueError(f"GraphTask.targets[{i}] has labels outside [0, {self.num_outputs})")


def _attach_node_targets(task: GraphTask) -> list:
    """Node targets travel inside ``nodes`` so :func:`iterate_batches` pads them with the graph."""
    out = []
    for g, y in zip(task.graphs, task.targets):
        nodes = dict(g.nodes) if isinstance(g.nodes, dict) else {"x": g.nodes}
        nodes[_TARGET_KEY] = np.asarray(y, np.int32)
        out.append(g._replace(nodes=nodes))
    return out


def _split_target(graph):
    nodes = dict(graph.nodes)
    y = nodes.pop(_TARGET_KEY)
    if list(nodes) == ["x"]:
        nodes = nodes["x"]
    return graph._replace(nodes=nodes), y


def _class_counts(pred, y, mask, c):
    onehot = jax.nn.one_hot(y, c) * mask[:, None]
    return jnp.sum(onehot * (pred == y)[:, None], 0), jnp.sum(onehot, 0)


@functools.lru_cache(maxsize=32)
def _steps(model: nn.Module, kind: str, metric: str, num_outputs: int, scale: tuple | None, tx_key: tuple):
    """Optimizer and jitted train / eval steps, cached per (model, task shape, optimizer)."""
    wd = tx_key[0]
    tx = optax.inject_hyperparams(
        lambda learning_rate: optax.chain(optax.add_decayed_weights(wd), optax.adam(learning_rate))
    )(learning_rate=1.0)
    scale_arr = None if scale is None else jnp.asarray(scale, jnp.float32)

    def unpack(graph, y):
        if kind == "node_classification":
            graph, y = _split_target(graph)
            return graph, y, node_mask(graph)
        return graph, y, graph_mask(graph)

    def loss_and_stats(out, y, mask):
        """Loss and sufficient statistics of the metric: (a [C or T], b [C or T])."""
        mf = mask.astype(jnp.float32)
        if kind == "graph_regression":
            yt = y if scale_arr is None else y / scale_arr
            err = jnp.abs(out - yt)
            loss = jnp.sum(err.mean(-1) * mf) / jnp.maximum(mf.sum(), 1.0)
            raw = err if scale_arr is None else err * scale_arr
            return loss, (jnp.sum(raw * mf[:, None], 0), jnp.broadcast_to(mf.sum(), (num_outputs,)))
        logp = jax.nn.log_softmax(out)
        nll = -jnp.take_along_axis(logp, y[:, None], 1)[:, 0]
        if metric == "weighted_accuracy":
            vc = jnp.sum(jax.nn.one_hot(y, num_outputs) * mf[:, None], 0)
            v = mf.sum()
            w_c = jnp.where(vc > 0, (v - vc) / jnp.maximum(v, 1.0), 0.0)
            w = w_c[y] * mf
        else:
            w = mf
        loss = jnp.sum(w * nll) / jnp.maximum(jnp.sum(w), 1e-12)
        return loss, _class_counts(out.argmax(-1), y, mf, num_outputs)

    @jax.jit
    def train_step(params, stats, opt_state, graph, y, rng, lr):
        graph, y, mask = unpack(graph, y)

        def loss_fn(p):
            out, upd = model.apply({"params": p, "batch_stats": stats}, graph, deterministic=False,
                                   rngs={"dropout": rng}, mutable=["batch_stats"])
            loss, st = loss_and_stats(out, y, mask)
            return loss, (st, upd)

        (loss, (st, upd)), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        opt_state.hyperparams["learning_rate"] = lr
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return params, upd.get("batch_stats", stats), opt_state, loss, st

    @jax.jit
    def eval_step(params, stats, graph, y):
        graph, y, mask = unpack(graph, y)
        out = model.apply({"params": params, "batch_stats": stats}, graph, deterministic=True)
        return loss_and_stats(out, y, mask)

    return tx, train_step, eval_step


def _metric_value(metric: str, a: np.ndarray, b: np.ndarray) -> float:
    if metric == "mae":
        return float(np.mean(a / np.maximum(b, 1.0)))
    if metric == "accuracy":
        return float(a.sum() / max(b.sum(), 1.0) * 100.0)
    present = b > 0  # weighted accuracy: mean per-class recall over present classes
    return float(np.mean(a[present] / b[present]) * 100.0) if present.any() else 0.0


def _batches(graphs, targets, idx, batch_size, budget, shuffle=False, seed=0):
    return iterate_batches(graphs, batch_size, labels=targets, budget=budget, shuffle=shuffle, seed=seed, indices=idx)


def _prepare(task: GraphTask):
    if task.kind == "node_classification":
        return _attach_node_targets(task), None
    if task.kind == "graph_classification":
        return list(task.graphs), np.asarray(task.targets, np.int32)
    return list(task.graphs), np.asarray(task.targets, np.float32)


def _evaluate(eval_step, params, stats, batches, metric, n_batches_norm):
    a = b = None
    loss_sum, weight = 0.0, 0.0
    for graph, y in batches:
        loss, (sa, sb) = eval_step(params, stats, graph, y)
        sa, sb = np.asarray(sa, np.float64), np.asarray(sb, np.float64)
        a = sa if a is None else a + sa
        b = sb if b is None else b + sb
        loss_sum += float(loss)
        weight += 1.0
    return _metric_value(metric, a, b), loss_sum / max(weight, 1.0)


def evaluate_graph_task(model, variables, task: GraphTask, split: str, *, batch_size: int = 128,
                        budget: Budget | None = None) -> float:
    """The task's metric of a trained model (``variables = {'params', 'batch_stats'}``) on
    ``split``."""
    task.validate()
    graphs, targets = _prepare(task)
    budget = budget or estimate_budget(graphs, batch_size, quantile=0.99, multiple=64)
    scale = None if task.target_scale is None else tuple(np.asarray(task.target_scale, np.float64).tolist())
    _, _, eval_step = _steps(model, task.kind, task.metric, task.num_outputs, scale, (0.0,))
    batches = _batches(graphs, targets, np.asarray(task.splits[split]), batch_size, budget)
    return _evaluate(eval_step, variables["params"], variables.get("batch_stats", {}), batches, task.metric, True)[0]


def fit_graph_task(model, task: GraphTask, *, epochs: int, batch_size: int = 128, learning_rate: float = 1e-3,
                   weight_decay: float = 0.0, lr_reduce_factor: float = 0.5, lr_patience: int = 10,
                   min_lr: float = 1e-5, seed: int = 0, max_seconds: float | None = None,
                   progress: bool = True, budget: Budget | None = None, return_variables: bool = False) -> dict:
    """Trains ``model`` on ``task`` with Dwivedi et al.'s protocol and evaluates every epoch.

    Adam (L2 ``weight_decay`` added to the gradients, as PyTorch's ``Adam(weight_decay=)``);
    ReduceLROnPlateau on the validation loss (``lr <- lr * lr_reduce_factor`` after more than
    ``lr_patience`` epochs without a relative improvement of 1e-4); training stops when
    ``lr < min_lr``, after ``epochs`` epochs, or once ``max_seconds`` have elapsed. Batches are
    shuffled each epoch (seeded) and padded to one budget (default: a 0.99-quantile budget of
    ``batch_size`` graphs rounded to 64; oversize batches are split), so each step compiles once.

    Args:
      model: flax module ``model(graph, deterministic) -> [G, C]`` (graph tasks) or ``[N, C]``.
      task: the :class:`GraphTask`.
      epochs: maximum epochs (>= 1).
      seed: parameter init, shuffling, dropout and PE sign flips.
      budget: optional :class:`~jaxgraph.graph.batching.Budget` for the padded batches.
      return_variables: also return the final ``{'params', 'batch_stats'}`` under ``variables``.
    Returns:
      dict with ``val`` (best validation metric), ``test`` / ``train`` (metrics at that epoch;
      ``train`` is accumulated over the training steps of the epoch, as in the paper's code),
      ``epoch`` (best, 0-based), ``epochs_run``, ``seconds``, ``seconds_per_epoch``,
      ``num_params``, ``final_lr``, ``higher_is_better`` and ``history`` (one dict per epoch).
      Accuracies are in percent.
    Raises:
      ValueError: invalid task, ``epochs < 1``, ``batch_size < 1``, or non-positive learning rates.
    """
    task.validate()
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if learning_rate <= 0 or min_lr < 0:
        raise ValueError(f"learning_rate must be > 0 and min_lr >= 0, got {learning_rate}, {min_lr}")
    if not 0 < lr_reduce_factor < 1:
        raise ValueError(f"lr_reduce_factor must be in (0, 1), got {lr_reduce_factor}")
    graphs, targets = _prepare(task)
    budget = budget or estimate_budget(graphs, batch_size, quantile=0.99, multiple=64)
    scale = None if task.target_scale is None else tuple(np.asarray(task.target_scale, np.float64).tolist())
    tx, train_step, eval_step = _steps(model, task.kind, task.metric, task.num_outputs, scale, (float(weight_decay),))
    higher = task.metric != "mae"
    tr_idx, va_idx, te_idx = (np.asarray(task.splits[k]) for k in ("train", "val", "test"))

    key = jax.random.PRNGKey(seed)
    key, init_key = jax.random.split(key)
    example, example_y = next(iter(_batches(graphs, targets, tr_idx[: min(len(tr_idx), batch_size)], batch_size, budget)))
    example_graph = _split_target(example)[0] if task.kind == "node_classification" else example
    variables = init_module(model, {"params": init_key, "dropout": init_key}, example_graph, deterministic=True)
    params, stats = variables["params"], variables.get("batch_stats", {})
    num_params = int(sum(np.prod(x.shape) for x in jax.tree_util.tree_leaves(params)))
    opt_state = tx.init(params)
    lr = float(learning_rate)
    eval_sets = {k: list(_batches(graphs, targets, idx, batch_size, budget)) for k, idx in (("val", va_idx), ("test", te_idx))}

    best = None
    history: list[dict] = []
    plateau_best, bad = math.inf, 0
    t0 = time.time()
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=epochs, desc=f"{task.name}", leave=False)
    for epoch in range(epochs):
        te0 = time.time()
        a = b = None
        loss_sum, nb = 0.0, 0
        for graph, y in _batches(graphs, targets, tr_idx, batch_size, budget, shuffle=True, seed=seed * 100003 + epoch):
            key, sk = jax.random.split(key)
            params, stats, opt_state, loss, (sa, sb) = train_step(params, stats, opt_state, graph, y, sk,
                                                                   jnp.float32(lr))
            sa, sb = np.asarray(sa, np.float64), np.asarray(sb, np.float64)
            a = sa if a is None else a + sa
            b = sb if b is None else b + sb
            loss_sum += float(loss)
            nb += 1
        train_metric = _metric_value(task.metric, a, b)
        val_metric, val_loss = _evaluate(eval_step, params, stats, eval_sets["val"], task.metric, True)
        test_metric, _ = _evaluate(eval_step, params, stats, eval_sets["test"], task.metric, True)
        row = {"epoch": epoch, "lr": lr, "train_loss": loss_sum / max(nb, 1), "val_loss": val_loss,
               "train": train_metric, "val": val_metric, "test": test_metric, "seconds": time.time() - te0}
        history.append(row)
        if not np.isfinite(row["train_loss"]):
            break
        improved = best is None or (val_metric > best["val"] if higher else val_metric < best["val"])
        if improved:
            best = dict(row)
        # ReduceLROnPlateau(mode='min', threshold=1e-4 relative) on the validation loss.
        if val_loss < plateau_best * (1 - 1e-4) if plateau_best > 0 else val_loss < plateau_best:
            plateau_best, bad = val_loss, 0
        else:
            bad += 1
            if bad > lr_patience:
                lr, bad = lr * lr_reduce_factor, 0
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{row['train_loss']:.3f}", val=f"{val_metric:.3f}", test=f"{test_metric:.3f}")
        if lr < min_lr or (max_seconds is not None and time.time() - t0 > max_seconds):
            break
    if bar is not None:
        bar.close()
    seconds = time.time() - t0
    out = {
        "val": best["val"], "test": best["test"], "train": best["train"], "epoch": best["epoch"],
        "epochs_run": len(history), "seconds": seconds, "seconds_per_epoch": seconds / max(len(history), 1),
        "num_params": num_params, "final_lr": lr, "higher_is_better": higher, "history": history,
    }
    if return_variables:
        out["variables"] = {"params": params, "batch_stats": stats}
    return out
