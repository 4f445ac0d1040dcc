"""jaxgraph.nn.init_module: the compiled, cached init equals flax's eager init."""
import flax.linen as nn
import jax
import jax.numpy as jnp
import jraph
import numpy as np

from jaxgraph.nn import GCNConv, init_module

TRACES = []


class Toy(nn.Module):
    width: int = 4

    @nn.compact
    def __call__(self, x, extra, train, *, scale=1.0):
        TRACES.append(x.shape)
        h = nn.Dense(self.width)(x) * scale
        h = nn.Dropout(0.5, deterministic=not train)(h)
        return nn.Dense(2)(h + extra["bias"])


def _tree_equal(a, b):
    la, lb = jax.tree_util.tree_leaves_with_path(a), jax.tree_util.tree_leaves_with_path(b)
    assert [p for p, _ in la] == [p for p, _ in lb]
    for (_, x), (_, y) in zip(la, lb):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_equals_eager_init_and_compiles_once_per_shape():
    key = jax.random.PRNGKey(0)
    rngs = {"params": key, "dropout": jax.random.PRNGKey(1)}
    x, extra = jnp.ones((3, 5)), {"bias": jnp.zeros((4,))}
    TRACES.clear()
    eager = Toy().init(rngs, x, extra, True, scale=2.0)
    got = init_module(Toy(), rngs, x, extra, True, scale=2.0)  # a bool passed by position is static
    _tree_equal(got, eager)
    assert len(TRACES) == 2  # the eager call, then one trace of the compiled init
    init_module(Toy(), {"params": jax.random.PRNGKey(5), "dropout": key}, x + 1, extra, True, scale=2.0)
    assert len(TRACES) == 2  # an equal module, new keys and values: the cached program
    init_module(Toy(), rngs, jnp.ones((7, 5)), extra, True, scale=2.0)
    init_module(Toy(width=8), rngs, x, {"bias": jnp.zeros((8,))}, True, scale=2.0)
    init_module(Toy(), rngs, x, extra, False, scale=2.0)
    assert len(TRACES) == 5  # new shape, new module settings, new static argument: one trace each


def test_graph_conv_on_a_graphs_tuple():
    g = jraph.GraphsTuple(nodes=np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32), edges=None,
                          senders=np.array([0, 1, 2, 3], np.int32), receivers=np.array([1, 2, 3, 4], np.int32),
                          globals=None, n_node=np.array([5], np.int32), n_edge=np.array([4], np.int32))
    key = jax.random.PRNGKey(3)
    _tree_equal(init_module(GCNConv(6), key, g), GCNConv(6).init(key, g))


class ListField(nn.Module):
    sizes: list  # unhashable field: init_module falls back to the eager init

    @nn.compact
    def __call__(self, x):
        for s in self.sizes:
            x = nn.Dense(s)(x)
        return x


def test_unhashable_module_falls_back_to_eager_init():
    key = jax.random.PRNGKey(2)
    x = jnp.ones((2, 3))
    _tree_equal(init_module(ListField([4, 2]), key, x), ListField([4, 2]).init(key, x))
