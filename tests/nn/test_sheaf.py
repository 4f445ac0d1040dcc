"""Sheaf Laplacians and Neural Sheaf Diffusion (jaxgraph.nn.sheaf, jaxgraph.models.sheaf).

References are independent: the dense ``Nd × Nd`` Laplacian is built in float64 numpy as
``δᵀδ`` from the coboundary ``(δx)_e = F_{v⊴e} x_v − F_{u⊴e} x_u``; graph Laplacians come from
networkx; matrix functions from scipy.
"""
import jax
import jax.numpy as jnp
import jraph
import networkx as nx
import numpy as np
import pytest
import scipy.linalg

from jaxgraph.models.sheaf import NSD, stratified_split
from jaxgraph.nn.sheaf import (check_undirected, householder_orthogonal, matrix_exp_orthogonal,
                               normalize_sheaf_laplacian, sheaf_diffusion_step, sheaf_laplacian,
                               sheaf_laplacian_apply, sym_matrix_power)


def _graph(n=7, p=0.45, seed=0, isolated=True):
    g = nx.gnp_random_graph(n, p, seed=seed)
    if isolated:
        g.add_node(n)  # an isolated node: zero degree
    und = sorted(g.edges())
    s = np.array([u for u, v in und] + [v for u, v in und], np.int32)
    r = np.array([v for u, v in und] + [u for u, v in und], np.int32)
    return g, und, s, r


def _incidence_maps(und, d, kind, rng):
    """One restriction map per (node, edge) incidence: {(v, e_index): F}."""
    maps = {}
    for k, (u, v) in enumerate(und):
        for node in (u, v):
            if kind == "diag":
                maps[(node, k)] = np.diag(rng.normal(size=d))
            elif kind == "orthogonal":
                q, _ = np.linalg.qr(rng.normal(size=(d, d)))
                maps[(node, k)] = q
            else:
                maps[(node, k)] = rng.normal(size=(d, d))
    return maps


def _directed(und, maps, kind):
    """Per directed edge (both directions, in _graph's order): F_{r⊴e}, F_{s⊴e}."""
    m = len(und)
    recv, send = [], []
    for k in range(2 * m):
        e = k % m
        u, v = und[e]
        s, r = (u, v) if k < m else (v, u)
        recv.append(maps[(r, e)])
        send.append(maps[(s, e)])
    recv, send = np.array(recv), np.array(send)
    if kind == "diag":
        recv, send = np.diagonal(recv, axis1=1, axis2=2).copy(), np.diagonal(send, axis1=1, axis2=2).copy()
    return recv, send


def _dense_laplacian(n, und, maps, d, weights=None):
    """L = δᵀδ with (δx)_e = w_e (F_{v⊴e} x_v − F_{u⊴e} x_u) — float64."""
    delta = np.zeros((len(und) * d, n * d))
    for k, (u, v) in enumerate(und):
        w = 1.0 if weights is None else weights[k]
        delta[k * d:(k + 1) * d, v * d:(v + 1) * d] = w * maps[(v, k)]
        delta[k * d:(k + 1) * d, u * d:(u + 1) * d] = -w * maps[(u, k)]
    return delta.T @ delta


def _normalize_dense(lap, d, augmented=True):
    n = lap.shape[0] // d
    norm = np.zeros_like(lap)
    for v in range(n):
        blk = lap[v * d:(v + 1) * d, v * d:(v + 1) * d] + (np.eye(d) if augmented else 0)
        lam, u = np.linalg.eigh(blk)
        inv = np.where(lam > 1e-9, 1 / np.sqrt(np.where(lam > 1e-9, lam, 1)), 0.0)
        norm[v * d:(v + 1) * d, v * d:(v + 1) * d] = (u * inv) @ u.T
    return norm @ lap @ norm


def _operator_matrix(lap, n, d):
    """The dense matrix of sheaf_laplacian_apply, column by column."""
    eye = jnp.eye(n * d, dtype=jnp.float32).reshape(n * d, n, d).transpose(1, 2, 0)  # [N, d, f=Nd]
    return np.asarray(sheaf_laplacian_apply(lap, eye)).reshape(n * d, n * d)


@pytest.mark.parametrize("kind,d", [("diag", 3), ("orthogonal", 3), ("general", 2), ("general", 3)])
@pytest.mark.parametrize("normalized", [False, True])
def test_sheaf_laplacian_matches_dense_coboundary(kind, d, normalized):
    rng = np.random.default_rng(1)
    g, und, s, r = _graph()
    n = g.number_of_nodes()
    maps = _incidence_maps(und, d, kind, rng)
    recv, send = _directed(und, maps, kind)
    weights = rng.uniform(0.2, 1.0, size=len(und)) if kind == "orthogonal" else None
    w_dir = None if weights is None else np.concatenate([weights, weights])
    lap = sheaf_laplacian(recv.astype(np.float32), send.astype(np.float32), s, r, n, kind,
                          None if w_dir is None else w_dir.astype(np.float32))
    ref = _dense_laplacian(n, und, maps, d, weights)
    if normalized:
        lap = normalize_sheaf_laplacian(lap)
        ref = _normalize_dense(ref, d)
    got = _operator_matrix(lap, n, d)
    np.testing.assert_allclose(got, ref, atol=2e-5 * max(1, np.abs(ref).max()), rtol=1e-4)
    # symmetric positive semi-definite (and spectrum in [0, 2] once normalised)
    np.testing.assert_allclose(got, got.T, atol=1e-5 * max(1, np.abs(got).max()))
    ev = np.linalg.eigvalsh(0.5 * (got + got.T).astype(np.float64))
    assert ev.min() > -1e-4
    if normalized:
        assert ev.max() < 2 + 1e-4


def test_identity_maps_give_graph_laplacians():
    g, und, s, r = _graph(n=9, seed=3)
    n = g.number_of_nodes()
    lg = nx.laplacian_matrix(g, nodelist=range(n)).toarray().astype(np.float64)
    deg = np.diag(lg)
    ones = np.ones((len(s), 1), np.float32)
    lap = sheaf_laplacian(ones, ones, s, r, n, "diag")
    np.testing.assert_allclose(_operator_matrix(lap, n, 1), lg, atol=1e-5)
    # the paper's normalisation D^{-1/2} L D^{-1/2} (pseudo-inverse at the isolated node)
    ln = nx.normalized_laplacian_matrix(g, nodelist=range(n)).toarray()
    np.testing.assert_allclose(_operator_matrix(normalize_sheaf_laplacian(lap, augmented=False), n, 1), ln, atol=1e-5)
    # augmented (D + I)^{-1/2} L (D + I)^{-1/2}
    aug = np.diag(1 / np.sqrt(deg + 1))
    np.testing.assert_allclose(_operator_matrix(normalize_sheaf_laplacian(lap), n, 1), aug @ lg @ aug, atol=1e-5)
    # identity d x d blocks (general and orthogonal kinds): L ⊗ I_d
    d = 3
    eye = np.broadcast_to(np.eye(d, dtype=np.float32), (len(s), d, d))
    for kind in ("general", "orthogonal"):
        lap_d = normalize_sheaf_laplacian(sheaf_laplacian(eye, eye, s, r, n, kind))
        np.testing.assert_allclose(_operator_matrix(lap_d, n, d), np.kron(aug @ lg @ aug, np.eye(d)), atol=1e-5)


def test_orthogonal_kind_equals_general_kind_with_same_maps():
    rng = np.random.default_rng(2)
    g, und, s, r = _graph()
    n, d = g.number_of_nodes(), 3
    maps = _incidence_maps(und, d, "orthogonal", rng)
    recv, send = _directed(und, maps, "orthogonal")
    w = rng.uniform(0.3, 1.0, size=len(und))
    w2 = np.concatenate([w, w]).astype(np.float32)
    a = normalize_sheaf_laplacian(sheaf_laplacian(recv.astype(np.float32), send.astype(np.float32), s, r, n,
                                                  "orthogonal", w2))
    b = normalize_sheaf_laplacian(sheaf_laplacian((w2[:, None, None] * recv).astype(np.float32),
                                                  (w2[:, None, None] * send).astype(np.float32), s, r, n, "general"))
    np.testing.assert_allclose(_operator_matrix(a, n, d), _operator_matrix(b, n, d), atol=2e-5)


@pytest.mark.parametrize("d", [2, 3, 5])
def test_orthogonal_parametrisations(d):
    rng = np.random.default_rng(d)
    p = rng.normal(size=(6, d * (d - 1) // 2)).astype(np.float32)
    i, j = np.triu_indices(d, k=1)
    for q, name in ((householder_orthogonal(p, d), "householder"), (matrix_exp_orthogonal(p, d), "matrix_exp")):
        q = np.asarray(q, np.float64)
        np.testing.assert_allclose(q @ np.swapaxes(q, -1, -2), np.broadcast_to(np.eye(d), q.shape), atol=1e-5,
                                   err_msg=name)
    # matrix_exp against scipy's expm of the skew-symmetric matrix (float64)
    for b in range(len(p)):
        a = np.zeros((d, d))
        a[i, j] = p[b]
        np.testing.assert_allclose(np.asarray(matrix_exp_orthogonal(p[b], d)), scipy.linalg.expm(a - a.T), atol=1e-5)
        # Householder against an explicit product of reflections
        q = np.eye(d)
        for k in range(d - 1):
            v = np.zeros(d)
            v[k] = 1.0
            v[k + 1:] = a[k, k + 1:]
            q = q @ (np.eye(d) - 2 * np.outer(v, v) / (v @ v))
        np.testing.assert_allclose(np.asarray(householder_orthogonal(p[b], d)), q, atol=1e-5)
        assert np.isclose(np.linalg.det(np.asarray(matrix_exp_orthogonal(p[b], d), np.float64)), 1.0, atol=1e-4)


def test_orthogonal_bad_input_raises():
    with pytest.raises(ValueError, match="d must be >= 2"):
        householder_orthogonal(jnp.zeros((3, 0)), 1)
    with pytest.raises(ValueError, match="d\\(d-1\\)/2 = 3"):
        matrix_exp_orthogonal(jnp.zeros((3, 2)), 3)


def test_sym_matrix_power_value_and_gradient():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(4, 3, 3))
    a = np.einsum("bij,bkj->bik", m, m) + np.eye(3)
    got = np.asarray(sym_matrix_power(jnp.asarray(a, jnp.float32), -0.5))
    for b in range(4):
        np.testing.assert_allclose(got[b], np.real(scipy.linalg.fractional_matrix_power(a[b], -0.5)), atol=1e-5)
    # gradient: finite and equal to central differences, also at a repeated eigenvalue (A = I)
    for base in (a[0], np.eye(3), np.diag([2.0, 2.0, 5.0])):
        direction = rng.normal(size=(3, 3))
        direction = direction + direction.T
        f = lambda t: jnp.sum(sym_matrix_power(jnp.asarray(base, jnp.float32) + t * jnp.asarray(direction, jnp.float32),
                                               -0.5) * jnp.arange(9.0).reshape(3, 3))
        g = float(jax.grad(f)(0.0))
        h = 1e-3
        fd = (float(f(h)) - float(f(-h))) / (2 * h)
        assert np.isfinite(g)
        np.testing.assert_allclose(g, fd, rtol=2e-2, atol=2e-3)


def test_diffusion_step_matches_dense_update():
    rng = np.random.default_rng(4)
    g, und, s, r = _graph()
    n, d, f = g.number_of_nodes(), 2, 3
    maps = _incidence_maps(und, d, "general", rng)
    recv, send = _directed(und, maps, "general")
    lap = normalize_sheaf_laplacian(sheaf_laplacian(recv.astype(np.float32), send.astype(np.float32), s, r, n))
    delta = _normalize_dense(_dense_laplacian(n, und, maps, d), d)
    x = rng.normal(size=(n, d, f))
    w1, w2, eps = rng.normal(size=(d, d)), rng.normal(size=(f, f)), rng.normal(size=d)
    got = sheaf_diffusion_step(jnp.asarray(x, jnp.float32), lap, jnp.asarray(w1, jnp.float32),
                               jnp.asarray(w2, jnp.float32), jnp.asarray(eps, jnp.float32))
    xm = x.reshape(n * d, f)
    y = delta @ np.kron(np.eye(n), w1) @ xm @ w2
    elu = np.where(y > 0, y, np.expm1(np.minimum(y, 0)))
    want = np.tile(1 + np.tanh(eps), n)[:, None] * xm - elu
    np.testing.assert_allclose(np.asarray(got).reshape(n * d, f), want, atol=1e-4)


def test_bad_inputs_raise():
    g, und, s, r = _graph()
    n = g.number_of_nodes()
    with pytest.raises(ValueError, match="not undirected"):
        check_undirected(s[1:], r[1:], n)
    with pytest.raises(ValueError, match="kind must be one of"):
        sheaf_laplacian(np.ones((len(s), 2)), np.ones((len(s), 2)), s, r, n, "skew")
    with pytest.raises(ValueError, match="maps_recv for kind='general'"):
        sheaf_laplacian(np.ones((len(s), 2)), np.ones((len(s), 2)), s, r, n, "general")
    with pytest.raises(ValueError, match="num_nodes=3"):
        sheaf_laplacian(np.ones((len(s), 2)), np.ones((len(s), 2)), s, r, 3, "diag")
    lap = sheaf_laplacian(np.ones((len(s), 2)), np.ones((len(s), 2)), s, r, n, "diag")
    with pytest.raises(ValueError, match="x must be"):
        sheaf_laplacian_apply(lap, jnp.ones((n, 3, 4)))
    graph = _graphs_tuple(s[1:], r[1:], np.ones((n, 4), np.float32))
    with pytest.raises(ValueError, match="not undirected"):
        NSD(num_classes=2, d=2).init(jax.random.PRNGKey(0), graph)
    with pytest.raises(ValueError, match="sheaf_type"):
        NSD(num_classes=2, d=2, sheaf_type="bundle").init(jax.random.PRNGKey(0), _graphs_tuple(s, r, np.ones((n, 4))))


# ----------------------------------------------------------------------------- the NSD model
def _graphs_tuple(s, r, x):
    x = np.asarray(x, np.float32)
    return jraph.GraphsTuple(nodes=jnp.asarray(x), edges=None, senders=jnp.asarray(s), receivers=jnp.asarray(r),
                             n_node=jnp.asarray([x.shape[0]]), n_edge=jnp.asarray([len(s)]), globals=None)


MODEL_CASES = [
    dict(sheaf_type="diag", d=2, add_lp=True, add_hp=True),
    dict(sheaf_type="orthogonal", d=3, orth_method="householder"),
    dict(sheaf_type="orthogonal", d=2, orth_method="matrix_exp", edge_weights=False, add_lp=True),
    dict(sheaf_type="general", d=2, second_linear=True),
]


def _model(case):
    return NSD(num_classes=3, hidden_channels=4, num_layers=2, dropout=0.3, input_dropout=0.1, **case)


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: c["sheaf_type"] + str(c["d"]))
def test_nsd_permutation_equivariance_and_padding(case):
    rng = np.random.default_rng(5)
    g, und, s, r = _graph(n=9, seed=6)
    n = g.number_of_nodes()
    x = rng.normal(size=(n, 5)).astype(np.float32)
    model = _model(case)
    graph = _graphs_tuple(s, r, x)
    params = jax.jit(model.init)(jax.random.PRNGKey(0), graph)
    apply = jax.jit(model.apply)  # senders are tracers under jit: no host-side checks there
    out = np.asarray(apply(params, graph))
    assert out.shape == (n, 3) and np.isfinite(out).all()
    # permutation equivariance: relabel nodes by perm (new id of node v is inv[v])
    perm = rng.permutation(n)
    inv = np.argsort(perm)
    gp = _graphs_tuple(inv[s], inv[r], x[perm])
    np.testing.assert_allclose(np.asarray(apply(params, gp)), out[perm], atol=2e-5, rtol=1e-4)
    # padding invariance: jraph padding (extra nodes + self-loop edges on them) leaves real outputs
    padded = jraph.pad_with_graphs(graph, n_node=n + 5, n_edge=len(s) + 7, n_graph=3)
    np.testing.assert_allclose(np.asarray(apply(params, padded))[:n], out, atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: c["sheaf_type"] + str(c["d"]))
def test_nsd_gradients_reach_every_parameter(case):
    rng = np.random.default_rng(7)
    g, und, s, r = _graph(n=9, seed=8)
    n = g.number_of_nodes()
    graph = _graphs_tuple(s, r, rng.normal(size=(n, 5)))
    labels = jnp.asarray(rng.integers(0, 3, size=n))
    model = _model(case)
    params = jax.jit(model.init)(jax.random.PRNGKey(1), graph)
    # move off the symmetric init (W1 = I, ε = 0) so every path carries signal
    params = jax.tree_util.tree_map(lambda p: p + 0.1 * jax.random.normal(jax.random.PRNGKey(2), p.shape), params)

    def loss(p):
        logits = model.apply(p, graph, deterministic=False, rngs={"dropout": jax.random.PRNGKey(3)})
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], 1))

    grads = jax.jit(jax.grad(loss))(params)
    flat = jax.tree_util.tree_flatten_with_path(grads)[0]
    assert flat
    for path, leaf in flat:
        name = jax.tree_util.keystr(path)
        assert np.isfinite(np.asarray(leaf)).all(), name
        assert float(jnp.linalg.norm(leaf)) > 0, f"no gradient reaches {name}"
    names = " ".join(jax.tree_util.keystr(p) for p, _ in flat)
    assert "sheaf_learner_1" in names and "epsilon" in names and "w1" in names


def test_stratified_split():
    y = np.repeat(np.arange(3), [50, 30, 20])
    sp = stratified_split(y, seed=0)
    assert not (sp["train"] & sp["val"]).any() and not (sp["train"] & sp["test"]).any()
    assert (sp["train"] | sp["val"] | sp["test"]).all()
    for c, cnt in enumerate([50, 30, 20]):
        assert sp["train"][y == c].sum() == round(0.48 * cnt)
        assert sp["val"][y == c].sum() == round(0.32 * cnt)
    assert not np.array_equal(sp["train"], stratified_split(y, seed=1)["train"])
    with pytest.raises(ValueError, match="fractions"):
        stratified_split(y, fractions=(0.5, 0.5, 0.5))
