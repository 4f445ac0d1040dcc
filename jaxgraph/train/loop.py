"""The training engine: TrainState, early stopping, orbax checkpoints with resume, logging.

:func:`train_and_evaluate` drives any task given two pure-ish callbacks:

* ``epoch_fn(state, epoch) -> (state, train_metrics)`` runs one epoch (full-batch step or a
  loop over padded mini-batches). Randomness must come from ``epoch_rng(state, epoch)`` so a
  resumed run replays exactly the same randomness as an uninterrupted one.
* ``eval_fn(params) -> metrics`` returns floats such as ``val_accuracy``, ``test_accuracy``.

Early stopping keeps the parameters of the best ``monitor`` value. With ``workdir`` set,
metrics go to ``workdir/metrics.csv`` (one row per epoch) and ``workdir/results.json`` (the
best epoch's metrics), and checkpoints to ``workdir/checkpoints`` every ``checkpoint_every``
epochs; a rerun with the same workdir resumes from the latest checkpoint.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training import train_state

__all__ = ["TrainState", "TrainResult", "train_and_evaluate", "epoch_rng", "create_train_state"]


class TrainState(train_state.TrainState):
    """flax TrainState plus the base PRNG key of the run (``rng``)."""

    rng: jax.Array


def create_train_state(apply_fn, params, tx: optax.GradientTransformation, rng) -> TrainState:
    return TrainState.create(apply_fn=apply_fn, params=params, tx=tx, rng=rng)


def epoch_rng(state: TrainState, epoch: int):
    """The PRNG key for ``epoch`` (depends only on the run's key and the epoch index)."""
    return jax.random.fold_in(state.rng, epoch)


@dataclasses.dataclass
class TrainResult:
    state: TrainState  # with the best parameters
    best_metrics: dict[str, float]
    best_epoch: int
    history: list[dict[str, float]]
    epochs_run: int


def _to_float(d: dict) -> dict:
    return {k: float(v) for k, v in d.items()}


def _better(a: float, b: float, mode: str) -> bool:
    if math.isnan(b):
        return not math.isnan(a)
    return a > b if mode == "max" else a < b


def _ckpt_manager(workdir: str, max_to_keep: int = 2):
    import orbax.checkpoint as ocp

    return ocp.CheckpointManager(
        os.path.abspath(os.path.join(workdir, "checkpoints")),
        options=ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=True),
    )


def _ckpt_tree(state: TrainState, best_params) -> dict:
    return {"step": state.step, "params": state.params, "opt_state": state.opt_state,
            "rng": jax.random.key_data(state.rng) if _is_typed_key(state.rng) else state.rng,
            "best_params": best_params}


def _is_typed_key(k) -> bool:
    return hasattr(k, "dtype") and jnp.issubdtype(k.dtype, jax.dtypes.prng_key)


def train_and_evaluate(
    state: TrainState,
    epoch_fn: Callable[[TrainState, int], tuple[TrainState, dict]],
    eval_fn: Callable[[Any], dict],
    *,
    num_epochs: int,
    monitor: str = "val_accuracy",
    mode: str = "max",
    patience: int | None = None,
    workdir: str | None = None,
    checkpoint_every: int = 0,
    progress: bool = True,
    desc: str = "train",
) -> TrainResult:
    """Trains with early stopping, checkpoints and resume (see module docstring).

    Args:
      state: initial TrainState.
      epoch_fn, eval_fn: the task (see module docstring).
      num_epochs: maximum number of epochs.
      monitor, mode: metric of ``eval_fn`` used for model selection, 'max' or 'min'.
      patience: stop after this many epochs without improvement (None: never).
      workdir: where metrics and checkpoints go (None: nothing written).
      checkpoint_every: save every k epochs (0: never); needs ``workdir``.
      progress: show a tqdm bar.
    Returns:
      TrainResult with the best-epoch parameters and metrics.
    """
    if mode not in ("max", "min"):
        raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
    if checkpoint_every and workdir is None:
        raise ValueError("checkpoint_every > 0 needs a workdir")
    history: list[dict[str, float]] = []
    best, best_epoch, bad = float("nan"), -1, 0
    best_params = state.params
    start = 0
    mngr = None
    if workdir is not None:
        os.makedirs(workdir, exist_ok=True)
    if checkpoint_every:
        import orbax.checkpoint as ocp

        mngr = _ckpt_manager(workdir)
        latest = mngr.latest_step()
        if latest is not None:
            target = _ckpt_tree(state, state.params)
            restored = mngr.restore(
                latest,
                args=ocp.args.Composite(
                    state=ocp.args.StandardRestore(target), meta=ocp.args.JsonRestore()
                ),
            )
            tree, meta = restored["state"], restored["meta"]
            rng = jax.random.wrap_key_data(tree["rng"]) if _is_typed_key(state.rng) else tree["rng"]
            state = state.replace(step=tree["step"], params=tree["params"], opt_state=tree["opt_state"], rng=rng)
            best_params = tree["best_params"]
            history = meta["history"]
            best, best_epoch, bad, start = meta["best"], meta["best_epoch"], meta["bad"], latest + 1

    pbar = None
    if progress:
        from tqdm.auto import tqdm

        pbar = tqdm(total=num_epochs, initial=start, desc=desc, leave=False, dynamic_ncols=True, disable=None)
    epoch = start - 1
    stopped = patience is not None and bad >= patience
    try:
        for epoch in range(start, num_epochs if not stopped else start):
            state, train_metrics = epoch_fn(state, epoch)
            metrics = {"epoch": epoch, **_to_float(train_metrics), **_to_float(eval_fn(state.params))}
            if monitor not in metrics:
                raise ValueError(f"monitor {monitor!r} is not among the metrics {sorted(metrics)}")
            history.append(metrics)
            if _better(metrics[monitor], best, mode):
                best, best_epoch, bad, best_params = metrics[monitor], epoch, 0, state.params
            else:
                bad += 1
            stopped = patience is not None and bad >= patience
            if pbar is not None:
                pbar.update(1)
                pbar.set_postfix({monitor: f"{metrics[monitor]:.4f}", "best": f"{best:.4f}"})
            if mngr is not None and ((epoch + 1) % checkpoint_every == 0 or stopped or epoch == num_epochs - 1):
                import orbax.checkpoint as ocp

                meta = {"history": history, "best": best, "best_epoch": best_epoch, "bad": bad}
                mngr.save(
                    epoch,
                    args=ocp.args.Composite(
                        state=ocp.args.StandardSave(_ckpt_tree(state, best_params)), meta=ocp.args.JsonSave(meta)
                    ),
                )
            if stopped:
                break
    finally:
        # Also when the run is interrupted (preemption, KeyboardInterrupt, an exception): let
        # orbax finish the pending save and its asynchronous removal of old steps, so that a
        # resume with the same workdir sees a consistent checkpoint directory.
        if pbar is not None:
            pbar.close()
        if mngr is not None:
            mngr.wait_until_finished()
            mngr.close()
    best_metrics = dict(history[best_epoch - history[0]["epoch"]]) if best_epoch >= 0 and history else {}
    result = TrainResult(state.replace(params=best_params), best_metrics, best_epoch, history, len(history))
    if workdir is not None:
        _write_metrics(workdir, history, best_metrics)
    return result


def _write_metrics(workdir: str, history: list[dict], best: dict) -> None:
    keys = sorted({k for row in history for k in row}, key=lambda k: (k != "epoch", k))
    with open(os.path.join(workdir, "metrics.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for row in history:
            w.writerow(row)
    with open(os.path.join(workdir, "results.json"), "w") as f:
        json.dump({"best": best}, f, indent=2)


def write_json(path: str, obj: Any) -> None:
    """Writes ``obj`` as JSON, converting numpy scalars/arrays."""

    def conv(o):
        if isinstance(o, (np.floating, np.integer)):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
        raise TypeError(f"not JSON serializable: {type(o).__name__}")

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, default=conv)


def write_results(workdir: str | None, payload: Any, text: str, *, code_block: bool = True) -> None:
    """An experiment's outputs: ``workdir/results.json`` (``payload``) and ``workdir/results.md``
    (``text``, fenced as a code block unless ``code_block`` is False). No-op when ``workdir`` is
    falsy."""
    if not workdir:
        return
    os.makedirs(workdir, exist_ok=True)
    write_json(os.path.join(workdir, "results.json"), payload)
    with open(os.path.join(workdir, "results.md"), "w") as f:
        f.write(f"```\n{text}\n```\n" if code_block else text + "\n")
