"""EquivariantGNN (cg and gaunt products) on real PCQM4Mv2 molecules: O(3)/translation/permutation
invariance of energies, equivariance of vectors and forces, padding invariance; radius_graph."""
import e3nn_jax as e3nn
import jax
import jax.numpy as jnp
import jraph
import numpy as np
import pytest

import jaxgraph.data as jdata
from jaxgraph.equivariant.model import EquivariantGNN, radius_graph
from jaxgraph.graph.batching import Budget, pad_to_budget

CUTOFF = 3.0
Z_VOCAB = {1: 0, 5: 1, 6: 2, 7: 3, 8: 4, 9: 5, 14: 6, 15: 7, 16: 8, 17: 9, 32: 10, 35: 11}
SMALL = dict(num_species=16, hidden_irreps="4x0e+4x1o+4x2e", lmax=2, num_layers=2, cutoff=CUTOFF, num_basis=6)


def _pad(graph, extra_nodes=3, extra_edges=5, n_graph=None):
    n, e, g = int(np.sum(graph.n_node)), len(graph.senders), len(graph.n_node)
    return pad_to_budget(graph, Budget(n_node=n + extra_nodes, n_edge=e + extra_edges, n_graph=n_graph or g + 1))


def _molecule_graphs(k=2):
    ds = jdata.load("pcqm4mv2-2k")
    sizes = np.array([int(np.asarray(g.n_node).sum()) for g in ds.graphs])
    graphs = []
    for i in np.argsort(sizes, kind="stable")[:k]:
        g = ds.graphs[int(i)]
        pos = np.asarray(g.nodes["positions"], np.float32)
        species = np.array([Z_VOCAB[int(z)] for z in np.asarray(g.nodes["z"])], np.int32)
        s, r = radius_graph(pos, CUTOFF)
        graphs.append(jraph.GraphsTuple(nodes={"positions": pos, "species": species}, edges=None, senders=s,
                                        receivers=r, globals=None, n_node=np.array([len(pos)], np.int32),
                                        n_edge=np.array([len(s)], np.int32)))
    return graphs


@pytest.fixture(scope="module")
def molecules():
    return _molecule_graphs(2)


@pytest.fixture(scope="module")
def batch(molecules):
    """Two real molecules + one padding graph (the library's convention: batches are padded)."""
    return _pad(jraph.batch_np(molecules))


def _with_pos(graph, pos):
    return graph._replace(nodes={**graph.nodes, "positions": pos})


def _o3(seed):
    return -np.asarray(e3nn.rand_matrix(jax.random.PRNGKey(seed)), np.float32)  # det = -1


@pytest.fixture(scope="module", params=["cg", "gaunt"])
def energy_model(request, batch):
    model = EquivariantGNN(product=request.param, output="energy", **SMALL)
    params = jax.jit(model.init)(jax.random.PRNGKey(0), batch)
    apply = jax.jit(model.apply)
    return request.param, model, params, apply


def test_energy_rotation_translation_permutation(energy_model, batch):
    _, _, params, apply = energy_model
    e = np.asarray(apply(params, batch))
    assert e.shape == (3,) and np.all(np.isfinite(e)) and np.abs(e[:2]).min() > 1e-4 and e[2] == 0.0
    pos = np.asarray(batch.nodes["positions"])
    r = _o3(1)
    e_rot = apply(params, _with_pos(batch, pos @ r.T + np.array([1.5, -2.0, 0.7], np.float32)))
    np.testing.assert_allclose(e_rot, e, rtol=1e-4, atol=1e-4)
    # permutation of the nodes inside each graph, edges relabelled and shuffled
    rng = np.random.default_rng(0)
    n0 = int(batch.n_node[0])
    n1, npad = int(batch.n_node[1]), int(batch.n_node[2])
    perm = np.concatenate([rng.permutation(n0), n0 + rng.permutation(n1), n0 + n1 + np.arange(npad)])
    inv = np.argsort(perm)
    e0, e1 = int(batch.n_edge[0]), int(batch.n_edge[1])  # edges stay grouped by graph
    eperm = np.concatenate([rng.permutation(e0), e0 + rng.permutation(e1), np.arange(e0 + e1, len(batch.senders))])
    g2 = batch._replace(nodes={k: np.asarray(v)[perm] for k, v in batch.nodes.items()},
                        senders=inv[batch.senders][eperm].astype(np.int32),
                        receivers=inv[batch.receivers][eperm].astype(np.int32))
    np.testing.assert_allclose(apply(params, g2), e, rtol=1e-4, atol=1e-4)
    # a changed geometry changes the energy (the test can fail)
    assert np.abs(np.asarray(apply(params, _with_pos(batch, pos * 1.1))) - e).max() > 1e-5


def test_padding_and_forces(energy_model, batch, molecules):
    _, model, params, apply = energy_model
    e = np.asarray(apply(params, batch))
    # each molecule alone (other padding) and the batch with a larger budget give the same energies
    alone = np.asarray(apply(params, _pad(molecules[1], 1, 1, n_graph=3)))
    np.testing.assert_allclose(alone[0], e[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(alone[1:], 0.0)
    padded = batch

    def energy(pos, graph):
        return jnp.sum(model.apply(params, _with_pos(graph, pos)))

    grad = jax.jit(jax.grad(energy))
    pos = jnp.asarray(padded.nodes["positions"])
    f = -np.asarray(grad(pos, padded))
    assert np.all(np.isfinite(f)) and np.abs(f).max() > 1e-5
    n = int(batch.n_node[:2].sum())
    np.testing.assert_array_equal(f[n:], 0.0)  # padding nodes feel no force
    r = _o3(2)
    f_rot = -np.asarray(grad(pos @ r.T, padded))
    np.testing.assert_allclose(f_rot[:n], f[:n] @ r.T, atol=2e-4 * max(1.0, np.abs(f).max()))
    # forces sum to zero (translation invariance)
    np.testing.assert_allclose(f[: int(batch.n_node[0])].sum(0), 0.0, atol=1e-4 * max(1.0, np.abs(f).max()))


@pytest.mark.parametrize("product", ["cg", "gaunt"])
def test_vector_and_node_outputs_equivariant(product, batch):
    model = EquivariantGNN(product=product, output="vector", **SMALL)
    params = jax.jit(model.init)(jax.random.PRNGKey(3), batch)
    apply = jax.jit(model.apply)
    v = np.asarray(apply(params, batch))
    assert v.shape == (3, 3) and np.abs(v).max() > 1e-5 and np.all(v[2] == 0)
    pos = np.asarray(batch.nodes["positions"])
    r = _o3(4)
    v_rot = np.asarray(apply(params, _with_pos(batch, pos @ r.T + 3.0)))
    np.testing.assert_allclose(v_rot, v @ r.T, atol=1e-4 * max(1.0, np.abs(v).max()))
    node = EquivariantGNN(product=product, output="node", **SMALL)
    node_apply = jax.jit(node.apply)
    h = node_apply(params, batch)  # same parameter tree up to the readout
    assert h.irreps == e3nn.Irreps("4x0e+4x1o+4x2e") and h.shape == (int(batch.n_node.sum()), 36)
    n_real = int(batch.n_node[:2].sum())
    np.testing.assert_array_equal(np.asarray(h.array)[n_real:], 0.0)
    h_rot = node_apply(params, _with_pos(batch, pos @ r.T))
    np.testing.assert_allclose(h_rot.array, h.transform_by_matrix(r).array, atol=2e-4)


def test_radius_graph_matches_brute_force_and_validates():
    rng = np.random.default_rng(0)
    pos = rng.uniform(0, 3, size=(9, 3))
    s, r = radius_graph(pos, 1.5, n_node=np.array([4, 5]))
    expected = {(i, j) for i in range(9) for j in range(9) if i != j and (i < 4) == (j < 4)
                and np.linalg.norm(pos[i] - pos[j]) < 1.5}
    assert set(zip(s.tolist(), r.tolist())) == expected and len(s) == len(expected)
    assert s.dtype == np.int32
    with pytest.raises(ValueError, match="positions must have shape"):
        radius_graph(np.zeros((3, 2)), 1.0)
    with pytest.raises(ValueError, match="cutoff.*-1"):
        radius_graph(pos, -1.0)
    with pytest.raises(ValueError, match="n_node sums to 8"):
        radius_graph(pos, 1.0, n_node=np.array([4, 4]))
    with pytest.raises(ValueError, match="finite"):
        radius_graph(np.full((2, 3), np.nan), 1.0)


def test_model_bad_config(batch):
    with pytest.raises(ValueError, match="product.*'tfn'"):
        EquivariantGNN(product="tfn").init(jax.random.PRNGKey(0), batch)
    with pytest.raises(ValueError, match="output.*'forces'"):
        EquivariantGNN(output="forces").init(jax.random.PRNGKey(0), batch)
    with pytest.raises(ValueError, match="hidden_irreps=.*8x0e\\+4x1o"):
        EquivariantGNN(product="gaunt", hidden_irreps="8x0e+4x1o").init(jax.random.PRNGKey(0), batch)
    with pytest.raises(ValueError, match="species"):
        EquivariantGNN().init(jax.random.PRNGKey(0), batch._replace(nodes={"positions": batch.nodes["positions"]}))
