"""One training and evaluation loop for every temporal link predictor (NAT, TGN-style, CAWN-style).

Protocol (Luo & Li 2022, NAT §5; the same as TGN and CAWN):

* each epoch starts from the model's empty state (:meth:`init_state`) and processes the training
  events in time order in batches of ``batch_size``; for each batch the model scores the true
  destination and one negative destination per event from the state *before* the batch, the loss
  is binary cross-entropy over the scored events, one Adam step is taken, and the state absorbs
  the batch;
* after the training stream, the validation events are processed in order (scored from the state
  before their batch, then absorbed, no gradient), then the test events, continuing the state;
* the reported epoch is the one with the best validation AP; its test metrics are reported. Val
  and test negatives are fixed per seed (``eval_negatives``), training negatives fresh per epoch.

Metrics are AP and ROC-AUC over the whole evaluated set, and also the mean of per-batch values
(the NAT/TGN code's reporting; labelled ``*_batch_mean``). Throughput is training events per
second of wall time (jit compilation excluded: the first epoch's first step is timed separately),
memory is the size of the carried state and of the parameters, and the peak resident memory of the
process.
"""
from __future__ import annotations

import collections
import dataclasses
import resource
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgraph.nn.init import STATIC_TYPES
from jaxgraph.temporal import stream as S

__all__ = ["TrainConfig", "cached_steps", "fit_and_evaluate", "evaluate_phase", "make_steps", "tree_nbytes"]


@dataclasses.dataclass
class TrainConfig:
    """Loop settings. ``max_train_batches`` truncates each epoch (tests / quick claims)."""

    epochs: int = 5
    batch_size: int = 200
    lr: float = 1e-4
    seed: int = 0
    neg_kind: str = "random"        # training negatives: "random" | "historical"
    eval_neg_kind: str = "random"   # fixed val/test negatives
    max_train_batches: int | None = None
    max_eval_batches: int | None = None
    progress: bool = True

    def validate(self):
        for name in ("epochs", "batch_size"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"TrainConfig.{name} must be a positive integer, got {v!r}")
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise ValueError(f"TrainConfig.lr must be a positive finite number, got {self.lr!r}")
        for name in ("neg_kind", "eval_neg_kind"):
            if getattr(self, name) not in ("random", "historical"):
                raise ValueError(f"TrainConfig.{name} must be 'random' or 'historical', got {getattr(self, name)!r}")


def tree_nbytes(tree) -> int:
    return int(sum(np.prod(x.shape) * x.dtype.itemsize for x in jax.tree_util.tree_leaves(tree)))


def _bce(pos, neg, m):
    m = m.astype(jnp.float32)
    loss = optax.sigmoid_binary_cross_entropy(pos, jnp.ones_like(pos)) + optax.sigmoid_binary_cross_entropy(neg, jnp.zeros_like(neg))
    return jnp.sum(loss * m) / jnp.maximum(jnp.sum(m), 1.0) / 2.0


def make_steps(model, optimizer):
    """Jitted ``train_step(params, opt_state, state, aux, batch, key)`` and
    ``eval_step(params, state, aux, batch, key)`` for ``model`` (see :mod:`jaxgraph.temporal.base`)."""

    def loss_fn(params, state, aux, batch, key):
        pos, neg, new_state = model.apply(params, state, aux, batch, key, True)
        return _bce(pos, neg, batch["score_mask"]), (pos, neg, new_state)

    @jax.jit
    def train_step(params, opt_state, state, aux, batch, key):
        (loss, (pos, neg, new_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, state, aux, batch, key)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        new_state = jax.lax.stop_gradient(new_state)
        return params, opt_state, new_state, loss, pos, neg

    @jax.jit
    def eval_step(params, state, aux, batch, key):
        pos, neg, new_state = model.apply(params, state, aux, batch, key, False)
        return pos, neg, new_state

    return train_step, eval_step


# jitted steps of recent (model settings, learning rate) pairs: a second run of an equal model
# (another setting, seed or split of the same dataset) reuses the compiled executables
_STEP_CACHE: collections.OrderedDict = collections.OrderedDict()
_STEP_CACHE_SIZE = 8


def _model_key(model):
    """A hashable key of ``model``'s settings, or None when it is not a dataclass of plain scalars."""
    if not dataclasses.is_dataclass(model) or isinstance(model, type):
        return None
    vals = tuple(getattr(model, f.name) for f in dataclasses.fields(model))
    flat = [x for v in vals for x in (v if isinstance(v, tuple) else (v,))]
    if not all(isinstance(x, STATIC_TYPES) for x in flat):
        return None
    return (type(model).__module__, type(model).__qualname__, vals)


def cached_steps(model, lr: float):
    """:func:`make_steps` for ``model`` with ``optax.adam(lr)``, shared between equal models.

    Models that are dataclasses of plain settings (NAT, TGN, CAWN) are keyed by their type and
    field values, so fitting an equal model again in the same process (the other setting of a
    dataset, another seed) reuses the compiled train and eval steps. The steps close over a copy
    of ``model``, so changing the caller's object later cannot change them. Other models get
    fresh steps. Returns ``(optimizer, train_step, eval_step)``.
    """
    key = _model_key(model)
    if key is not None:
        key = key + (float(lr),)
        if key in _STEP_CACHE:
            _STEP_CACHE.move_to_end(key)
            return _STEP_CACHE[key]
        model = dataclasses.replace(model)
    optimizer = optax.adam(lr)
    steps = (optimizer,) + make_steps(model, optimizer)
    if key is not None:
        _STEP_CACHE[key] = steps
        while len(_STEP_CACHE) > _STEP_CACHE_SIZE:
            _STEP_CACHE.popitem(last=False)
    return steps


def _iter(it, total, desc, progress):
    if not progress:
        return it
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return it
    return tqdm(it, total=total, desc=desc, leave=False)


def evaluate_phase(eval_step, params, state, aux, split, phase, batch_size, negatives, key, *,
                   max_batches=None, progress=False):
    """Processes one phase (``"val"`` / ``"test"``) in time order; returns ``(metrics, state)``."""
    pos_all, neg_all, bidx = [], [], []
    total = S.num_batches(split, phase, batch_size)
    if max_batches is not None:
        total = min(total, max_batches)
    for b, batch in enumerate(_iter(S.iterate_batches(split, phase, batch_size, negatives=negatives), total, phase, progress)):
        if max_batches is not None and b >= max_batches:
            break
        key, sub = jax.random.split(key)
        d = {k: jnp.asarray(v) for k, v in batch.as_dict().items()}
        pos, neg, state = eval_step(params, state, aux, d, sub)
        sm = batch.score_mask
        pos_all.append(np.asarray(pos)[sm])
        neg_all.append(np.asarray(neg)[sm])
        bidx.append(np.full(int(sm.sum()), b))
    pos_all, neg_all, bidx = map(np.concatenate, (pos_all, neg_all, bidx))
    metrics = S.link_metrics(pos_all, neg_all, batch_index=bidx)
    metrics["n"] = int(pos_all.shape[0])
    return metrics, state


def fit_and_evaluate(model, split, config: TrainConfig | None = None, *, log=print) -> dict[str, Any]:
    """Trains ``model`` on ``split`` and evaluates it (the protocol in the module docstring).

    Returns a dict with ``val`` / ``test`` metric dicts of the best-validation epoch, ``history``
    (per-epoch loss, val AP, test AP, train seconds), ``events_per_s`` (training throughput),
    ``state_mb``, ``num_params``, ``peak_rss_mb`` (the whole process's peak so far, not this run's),
    ``compile_s`` (the first training step, jit compilation included unless an equal model's
    steps were already compiled in this process, see :func:`cached_steps`) and ``best_epoch``.
    """
    cfg = config or TrainConfig()
    cfg.validate()
    ds = split.dataset
    aux = {"edge_features": jnp.asarray(ds.edge_features, jnp.float32)}
    key = jax.random.PRNGKey(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    eval_neg = S.eval_negatives(split, kind=cfg.eval_neg_kind, seed=cfg.seed + 12345)
    hist = S.HistoricalNegatives(split) if cfg.neg_kind == "historical" else None

    example = next(S.iterate_batches(split, "train", cfg.batch_size, rng=np.random.default_rng(0)))
    ex = {k: jnp.asarray(v) for k, v in example.as_dict().items()}
    key, k_init = jax.random.split(key)
    params = model.init(k_init, split, ex)
    optimizer, train_step, eval_step = cached_steps(model, cfg.lr)
    opt_state = optimizer.init(params)
    num_params = int(sum(x.size for x in jax.tree_util.tree_leaves(params)))

    n_train = S.num_batches(split, "train", cfg.batch_size)
    if cfg.max_train_batches is not None:
        n_train = min(n_train, cfg.max_train_batches)
    history, best = [], None
    compile_s = None
    train_times, train_events = [], []
    for epoch in range(cfg.epochs):
        state = model.init_state(split)
        losses, ev, t_epoch = [], 0, 0.0
        tr_pos, tr_neg = [], []
        it = S.iterate_batches(split, "train", cfg.batch_size, rng=rng, neg_kind=cfg.neg_kind, hist=hist)
        for b, batch in enumerate(_iter(it, n_train, f"epoch {epoch + 1}", cfg.progress)):
            if b >= n_train:
                break
            key, sub = jax.random.split(key)
            d = {k: jnp.asarray(v) for k, v in batch.as_dict().items()}
            t0 = time.perf_counter()
            params, opt_state, state, loss, pos, neg = train_step(params, opt_state, state, aux, d, sub)
            loss = float(loss)  # blocks
            dt = time.perf_counter() - t0
            if compile_s is None:
                compile_s = dt
            else:
                t_epoch += dt
                ev += int(batch.mask.sum())
            losses.append(loss)
            tr_pos.append(np.asarray(pos)[batch.score_mask])
            tr_neg.append(np.asarray(neg)[batch.score_mask])
        train_ap = S.link_metrics(np.concatenate(tr_pos), np.concatenate(tr_neg))["ap"]
        train_times.append(t_epoch)
        train_events.append(ev)
        key, kv, kt = jax.random.split(key, 3)
        val, state = evaluate_phase(eval_step, params, state, aux, split, "val", cfg.batch_size, eval_neg, kv,
                                    max_batches=cfg.max_eval_batches, progress=cfg.progress)
        test, state = evaluate_phase(eval_step, params, state, aux, split, "test", cfg.batch_size, eval_neg, kt,
                                     max_batches=cfg.max_eval_batches, progress=cfg.progress)
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "train_ap": train_ap, "val_ap": val["ap"], "test_ap": test["ap"],
                        "train_s": t_epoch})
        log(f"[{getattr(model, 'name', type(model).__name__)}] epoch {epoch + 1}: loss {np.mean(losses):.4f} "
            f"train AP {train_ap:.4f} "
            f"val AP {val['ap']:.4f} AUC {val['auc']:.4f} | test AP {test['ap']:.4f} AUC {test['auc']:.4f} "
            f"| {ev / max(t_epoch, 1e-9):.0f} events/s")
        if best is None or val["ap"] > best["val"]["ap"]:
            best = {"val": val, "test": test, "best_epoch": epoch + 1}
    tt, te = float(np.sum(train_times)), int(np.sum(train_events))
    state = model.init_state(split)
    best.update(
        history=history,
        events_per_s=te / max(tt, 1e-9),
        compile_s=float(compile_s or 0.0),
        num_params=num_params,
        state_mb=tree_nbytes(state) / 2**20,
        params_mb=tree_nbytes(params) / 2**20,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    try:
        stats = jax.devices()[0].memory_stats() or {}
        if "peak_bytes_in_use" in stats:
            best["device_peak_mb"] = stats["peak_bytes_in_use"] / 2**20
    except Exception:  # noqa: BLE001 - CPU backends may not implement memory_stats
        pass
    return best
