"""jaxgraph.temporal.train.cached_steps: equal models share jitted steps, and sharing them
changes no result."""
import dataclasses

import numpy as np

from jaxgraph.data.core import TemporalDataset
from jaxgraph.temporal import stream as S
from jaxgraph.temporal import train as T
from jaxgraph.temporal.nat import NAT
from jaxgraph.temporal.tgn import TGN

SMALL = dict(m1=4, m2=2, self_dim=8, ngh_dim=4, pos_dim=4, heads=1, hidden=8)


def _split(seed=0, n=16, m=200):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = (src + rng.integers(1, 4, m)) % n
    t = np.sort(rng.integers(0, 50 * m, m)).astype(np.float64)
    ds = TemporalDataset(name="synthetic", src=src, dst=dst, t=t,
                         edge_features=rng.normal(size=(m, 2)).astype(np.float32), labels=None, num_nodes=n)
    return S.chronological_split(ds)


def test_equal_models_share_steps_and_others_do_not():
    T._STEP_CACHE.clear()
    a = T.cached_steps(NAT(**SMALL), 1e-3)
    assert T.cached_steps(NAT(**SMALL), 1e-3) is a  # a new but equal object
    assert T.cached_steps(NAT(**SMALL), 2e-3) is not a  # other learning rate
    assert T.cached_steps(NAT(**{**SMALL, "m2": 3}), 1e-3) is not a  # other setting
    assert T.cached_steps(TGN(memory_dim=8, embed_dim=8), 1e-3) is not a  # other model type

    class Plain:  # not a dataclass: never shared
        name = "plain"

    assert T._model_key(Plain()) is None
    assert T.cached_steps(Plain(), 1e-3) is not T.cached_steps(Plain(), 1e-3)

    @dataclasses.dataclass
    class WithArray:  # a field that is not a plain setting: never shared
        w: np.ndarray

    assert T._model_key(WithArray(np.zeros(3))) is None
    for i in range(T._STEP_CACHE_SIZE + 3):  # bounded
        T.cached_steps(NAT(**{**SMALL, "hidden": 8 + i}), 1e-3)
    assert len(T._STEP_CACHE) == T._STEP_CACHE_SIZE


def test_cached_steps_ignore_later_changes_to_the_callers_model():
    T._STEP_CACHE.clear()
    model = NAT(**SMALL)
    _, train_step, _ = T.cached_steps(model, 1e-3)
    model.hidden = 32  # the caller mutates its object; the shared steps keep the old settings
    assert T.cached_steps(NAT(**SMALL), 1e-3)[1] is train_step
    assert T.cached_steps(model, 1e-3)[1] is not train_step


def test_reused_steps_give_the_same_run_as_fresh_ones():
    split = _split()
    cfg = T.TrainConfig(epochs=1, batch_size=32, lr=3e-3, max_train_batches=3, max_eval_batches=2, progress=False)
    T._STEP_CACHE.clear()
    fresh = T.fit_and_evaluate(NAT(**SMALL), split, cfg, log=lambda *_: None)
    key = T._model_key(NAT(**SMALL)) + (cfg.lr,)
    steps = T._STEP_CACHE[key]
    again = T.fit_and_evaluate(NAT(**SMALL), split, cfg, log=lambda *_: None)
    assert T._STEP_CACHE[key] is steps  # the second run reused the first run's steps
    assert len(T._STEP_CACHE) == 1
    for phase in ("val", "test"):
        for metric in ("ap", "auc", "n"):
            assert again[phase][metric] == fresh[phase][metric], (phase, metric)
    assert [h["loss"] for h in again["history"]] == [h["loss"] for h in fresh["history"]]
