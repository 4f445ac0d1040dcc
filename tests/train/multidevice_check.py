"""Run in a subprocess with XLA_FLAGS=--xla_force_host_platform_device_count=8 (see test_parallel.py).

Checks that data-parallel training over 8 devices gives the same losses and parameters as
one device on the union of the batches, and that edge-sharded message passing equals the
single-device result (values and gradients). Prints OK on success.
"""
import os
import sys

assert "xla_force_host_platform_device_count=8" in os.environ.get("XLA_FLAGS", ""), "set XLA_FLAGS first"

import flax.linen as nn  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from jaxgraph import graph as G  # noqa: E402
from jaxgraph import ops  # noqa: E402
from jaxgraph.nn import GCNConv  # noqa: E402
from jaxgraph.testing import random_graph, random_graphs  # noqa: E402
from jaxgraph.train import parallel  # noqa: E402


class Net(nn.Module):
    @nn.compact
    def __call__(self, graph):
        graph = GCNConv(16)(graph)
        graph = graph._replace(nodes=nn.relu(graph.nodes))
        graph = GCNConv(8)(graph)
        n_graph = graph.n_node.shape[0]
        seg = jnp.repeat(jnp.arange(n_graph), graph.n_node, total_repeat_length=graph.nodes.shape[0])
        pooled = ops.segment_mean(graph.nodes, seg, n_graph)
        return nn.Dense(1)(pooled)[:, 0]


def main():
    assert jax.device_count() == 8, jax.devices()
    mesh = parallel.data_mesh()
    rng = np.random.default_rng(0)
    model = Net()
    # 8 devices, each with a different number of real graphs (2..5) padded to one budget.
    per_dev = [random_graphs(rng, int(k), n_range=(2, 9)) for k in rng.integers(2, 6, 8)]
    targets = [rng.normal(size=len(gs)).astype(np.float32) for gs in per_dev]
    budget = G.Budget(64, 160, 7)
    dev_batches = []
    for gs, y in zip(per_dev, targets):
        g = G.pad_to_budget(G.batch(gs), budget)
        dev_batches.append({"graph": g, "y": np.concatenate([y, np.zeros(budget.n_graph - len(y), np.float32)])})
    allg = [g for gs in per_dev for g in gs]
    ally = np.concatenate(targets)
    single = G.pad_to_budget(G.batch(allg), G.Budget(512, 1280, len(allg) + 1))
    single_y = np.concatenate([ally, [0.0]]).astype(np.float32)

    params = model.init(jax.random.PRNGKey(0), jax.tree_util.tree_map(jnp.asarray, single))
    tx = optax.adam(1e-2)

    def loss_sum(p, batch, rng_):
        pred = model.apply(p, batch["graph"])
        m = G.graph_mask(batch["graph"])
        return jnp.sum(jnp.where(m, (pred - batch["y"]) ** 2, 0.0)), jnp.sum(m)

    step = parallel.make_data_parallel_step(loss_sum, tx, mesh)
    sharded = parallel.stack_batches(dev_batches, mesh)
    p_dp, o_dp = params, tx.init(params)
    p_1, o_1 = params, tx.init(params)

    @jax.jit
    def single_step(p, o):
        def lf(pp):
            s, c = loss_sum(pp, {"graph": single, "y": single_y}, None)
            return s / c

        loss, g = jax.value_and_grad(lf)(p)
        upd, o = tx.update(g, o, p)
        return optax.apply_updates(p, upd), o, loss

    for i in range(5):
        p_dp, o_dp, l_dp = step(p_dp, o_dp, sharded, jax.random.PRNGKey(i))
        p_1, o_1, l_1 = single_step(p_1, o_1)
        np.testing.assert_allclose(float(l_dp), float(l_1), rtol=1e-5)
    for a, b in zip(jax.tree_util.tree_leaves(p_dp), jax.tree_util.tree_leaves(p_1)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6)

    # Edge-sharded full-graph message passing.
    big = random_graph(rng, 1000, 5003, f=8)
    s, r, w, _ = ops.gcn_norm(jnp.asarray(big.senders), jnp.asarray(big.receivers), 1000)
    ref = ops.propagate(jnp.asarray(big.nodes), s, r, 1000, w)
    es, er, ew, em = parallel.shard_edges(np.asarray(s), np.asarray(r), 8, np.asarray(w))
    f = parallel.edge_sharded_gather_scatter(mesh, 1000)
    out = f(jnp.asarray(big.nodes), es, er, ew, em)
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), rtol=1e-5, atol=1e-5)
    c = jnp.asarray(rng.normal(size=(1000, 8)), jnp.float32)
    g_ref = jax.grad(lambda x: jnp.sum(ops.propagate(x, s, r, 1000, w) * c))(jnp.asarray(big.nodes))
    g_sh = jax.grad(lambda x: jnp.sum(f(x, es, er, ew, em) * c))(jnp.asarray(big.nodes))
    np.testing.assert_allclose(np.asarray(g_sh), np.asarray(g_ref), rtol=1e-5, atol=1e-5)
    print("OK", float(l_dp), float(l_1))


if __name__ == "__main__":
    main()
    sys.exit(0)
