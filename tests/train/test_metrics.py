"""Metrics vs scikit-learn; masked losses vs numpy."""
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn import metrics as skm

from jaxgraph.train import losses, metrics


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_accuracy_and_f1_vs_sklearn(rng):
    y = rng.integers(0, 5, 200)
    logits = rng.normal(size=(200, 5)) + 2 * np.eye(5)[y] * (rng.random(200) < 0.6)[:, None]
    pred = logits.argmax(1)
    mask = rng.random(200) < 0.7
    assert metrics.accuracy(logits, y, mask) == pytest.approx(skm.accuracy_score(y[mask], pred[mask]))
    assert metrics.f1_micro(pred, y, mask) == pytest.approx(skm.f1_score(y[mask], pred[mask], average="micro"))
    assert metrics.f1_macro(pred, y, mask) == pytest.approx(skm.f1_score(y[mask], pred[mask], average="macro"))


def test_multilabel_f1_vs_sklearn(rng):
    y = (rng.random((100, 6)) < 0.3).astype(int)
    p = np.where(rng.random((100, 6)) < 0.8, y, 1 - y)
    assert metrics.f1_micro(p, y) == pytest.approx(skm.f1_score(y, p, average="micro"))
    assert metrics.f1_macro(p, y) == pytest.approx(skm.f1_score(y, p, average="macro", zero_division=0))


def test_roc_auc_and_ap_vs_sklearn_with_ties(rng):
    y = rng.integers(0, 2, 300)
    s = np.round(rng.normal(size=300) + y, 1)  # rounding creates ties
    assert metrics.roc_auc(s, y) == pytest.approx(skm.roc_auc_score(y, s))
    assert metrics.average_precision(s, y) == pytest.approx(skm.average_precision_score(y, s))
    ym = (rng.random((300, 4)) < 0.4).astype(int)
    sm = rng.normal(size=(300, 4)) + ym
    assert metrics.roc_auc(sm, ym) == pytest.approx(skm.roc_auc_score(ym, sm, average="macro"))
    with pytest.raises(ValueError, match="both classes"):
        metrics.roc_auc(s, np.ones(300))


def test_mae_vs_sklearn(rng):
    a, b = rng.normal(size=50), rng.normal(size=50)
    assert metrics.mean_absolute_error(a, b) == pytest.approx(skm.mean_absolute_error(b, a))


def test_masked_losses(rng):
    logits = rng.normal(size=(10, 3)).astype(np.float32)
    y = rng.integers(0, 3, 10)
    mask = np.array([1, 0, 1, 1, 0, 0, 1, 1, 1, 0], bool)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    ref = -logp[np.arange(10), y][mask].mean()
    assert float(losses.cross_entropy(jnp.asarray(logits), jnp.asarray(y), jnp.asarray(mask))) == pytest.approx(ref, rel=1e-5)
    t = (rng.random((10, 3)) < 0.5).astype(np.float32)
    sig = 1 / (1 + np.exp(-logits))
    bce = -(t * np.log(sig) + (1 - t) * np.log(1 - sig)).mean(1)[mask].mean()
    assert float(losses.binary_cross_entropy(jnp.asarray(logits), jnp.asarray(t), jnp.asarray(mask))) == pytest.approx(bce, rel=1e-5)
    assert float(losses.mae(jnp.asarray(logits), 0.0 * jnp.asarray(logits), jnp.asarray(mask))) == pytest.approx(np.abs(logits).mean(1)[mask].mean(), rel=1e-5)
    assert float(losses.mse(jnp.ones(3), jnp.zeros(3), jnp.zeros(3, bool))) == 0.0  # empty mask: 0, not NaN
