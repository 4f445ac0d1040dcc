"""Full-batch transductive node classification (Planetoid, heterophilous, karate)."""
from __future__ import annotations

import dataclasses
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgraph.data.core import NodeDataset
from jaxgraph.nn.init import init_module
from jaxgraph.train import losses
from jaxgraph.train.loop import TrainResult, create_train_state, epoch_rng, train_and_evaluate

__all__ = ["NodeTask", "row_normalize", "fit_node_classifier"]


def row_normalize(x: np.ndarray) -> np.ndarray:
    """Divides each row by its sum (rows summing to 0 are left at 0), as Kipf & Welling do."""
    x = np.asarray(x, np.float32)
    s = x.sum(1, keepdims=True)
    return np.where(s > 0, x / np.where(s > 0, s, 1), 0.0).astype(np.float32)


@dataclasses.dataclass
class NodeTask:
    """Device arrays for one split of a node dataset."""

    graph: Any
    labels: jax.Array
    train: jax.Array
    val: jax.Array
    test: jax.Array

    @classmethod
    def from_dataset(cls, ds: NodeDataset, split: int = 0, normalize_features: bool = True) -> "NodeTask":
        if not ds.splits:
            raise ValueError(f"dataset {ds.name!r} has no splits; make one (e.g. jaxgraph.data.random_split)")
        if not 0 <= split < len(ds.splits):
            raise ValueError(f"split must be in [0, {len(ds.splits)}), got {split}")
        x = row_normalize(ds.graph.nodes) if normalize_features else np.asarray(ds.graph.nodes, np.float32)
        g = jax.tree_util.tree_map(jnp.asarray, ds.graph._replace(nodes=x))
        sp = ds.splits[split]
        return cls(g, jnp.asarray(ds.labels), jnp.asarray(sp["train"]), jnp.asarray(sp["val"]), jnp.asarray(sp["test"]))


def fit_node_classifier(
    model: nn.Module,
    task: NodeTask,
    *,
    seed: int = 0,
    learning_rate: float = 0.01,
    weight_decay: float = 5e-4,
    num_epochs: int = 200,
    patience: int | None = None,
    monitor: str = "val_accuracy",
    workdir: str | None = None,
    checkpoint_every: int = 0,
    progress: bool = False,
) -> TrainResult:
    """Trains ``model(graph, deterministic) -> logits [N, C]`` on the task's train mask.

    Optimizer: Adam with L2 weight decay added to the gradients (PyTorch ``Adam(weight_decay)``,
    as in the GCN/GAT reference code). Model selection by ``monitor`` on the validation mask.
    Metrics: ``train_loss``, ``val_loss``, ``val_accuracy``, ``test_accuracy``.
    """
    init_key, run_key = jax.random.split(jax.random.PRNGKey(seed))
    params = init_module(model, init_key, task.graph, deterministic=True)
    tx = optax.chain(optax.add_decayed_weights(weight_decay), optax.adam(learning_rate))
    state = create_train_state(model.apply, params, tx, run_key)

    @jax.jit
    def train_step(state, rng):
        def loss_fn(p):
            logits = state.apply_fn(p, task.graph, deterministic=False, rngs={"dropout": rng})
            return losses.cross_entropy(logits, task.labels, task.train)

        loss, grads = jax.value_and_grad(loss_fn)(state.params)
        return state.apply_gradients(grads=grads), loss

    @jax.jit
    def evaluate(params):
        logits = model.apply(params, task.graph, deterministic=True)
        pred = logits.argmax(-1)
        acc = lambda m: jnp.sum((pred == task.labels) & m) / jnp.maximum(m.sum(), 1)
        return {
            "val_loss": losses.cross_entropy(logits, task.labels, task.val),
            "val_accuracy": acc(task.val),
            "test_accuracy": acc(task.test),
            "train_accuracy": acc(task.train),
        }

    def epoch_fn(state, epoch):
        state, loss = train_step(state, epoch_rng(state, epoch))
        return state, {"train_loss": loss}

    mode = "min" if monitor.endswith("loss") else "max"
    return train_and_evaluate(
        state, epoch_fn, evaluate, num_epochs=num_epochs, monitor=monitor, mode=mode, patience=patience,
        workdir=workdir, checkpoint_every=checkpoint_every, progress=progress, desc=type(model).__name__,
    )
