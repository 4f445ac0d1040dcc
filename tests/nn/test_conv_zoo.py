"""SAGEConv, GINConv, GINEConv, GatedGCNConv, MoNetConv and MLP vs dense float64 references,
padding invariance under jit, and gradients vs finite differences."""
import flax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from jaxgraph.graph import edge_mask, node_mask
from jaxgraph.nn import MLP, GatedGCNConv, GINConv, GINEConv, MoNetConv, SAGEConv
from zoo_reference import adjacency, dense, f64, incidence, make_batch, mlp, pad

KEY = jax.random.PRNGKey(0)
RTOL, ATOL = 1e-4, 1e-5


def perturb(variables, seed=1, scale=0.3):
    """Adds noise to every parameter so zero-initialised biases/BN shifts are exercised."""
    variables = flax.core.unfreeze(variables)
    rng = np.random.default_rng(seed)
    variables["params"] = jax.tree_util.tree_map(
        lambda x: np.asarray(x + scale * rng.normal(size=np.shape(x)), np.asarray(x).dtype), variables["params"]
    )
    return variables


def init(model, *args, **kwargs):
    """Jitted ``model.init`` with perturbed params (one compile instead of many eager ops)."""
    return perturb(jax.jit(lambda *a: model.init(KEY, *a, **kwargs))(*args))


def apply(model, variables, *args, **kwargs):
    """Jitted ``model.apply`` (static keyword arguments)."""
    return jax.jit(lambda v, *a: model.apply(v, *a, **kwargs))(variables, *args)


def relu(x):
    return np.maximum(x, 0.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def x64(graph):
    return np.asarray(graph.nodes, np.float64)


def e64(graph):
    return np.asarray(graph.edges, np.float64)


# ----------------------------------------------------------------------------- dense refs
def sage_ref(p, g, aggr, normalize, project, root):
    x, a = x64(g), adjacency(g)
    m = relu(dense(p["project"], x)) if project else x
    if aggr == "mean":
        agg = a @ m / np.maximum(a.sum(1), 1.0)[:, None]
    else:
        agg = np.stack([m[a[i] > 0].max(0) if (a[i] > 0).any() else np.zeros(m.shape[1]) for i in range(len(x))])
    out = dense(p["lin_neigh"], agg)
    if root:
        out = out + x @ p["lin_root"]["kernel"]
    if normalize:
        out = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


@pytest.mark.parametrize(
    "aggr,normalize,project,root",
    [("mean", False, False, True), ("max", False, False, True), ("max", True, True, False), ("mean", True, False, True)],
)
def test_sage_vs_dense(aggr, normalize, project, root):
    g = make_batch(0)
    model = SAGEConv(6, aggr=aggr, normalize=normalize, project=project, root_weight=root)
    v = init(model, g)
    out = np.asarray(apply(model, v, g).nodes)
    ref = sage_ref(f64(v["params"]), g, aggr, normalize, project, root)
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)
    assert "lin_root" in v["params"] or not root


def test_sage_rejects_bad_aggr():
    g = make_batch(0)
    with pytest.raises(ValueError, match="aggr"):
        SAGEConv(4, aggr="lstm").init(KEY, g)


@pytest.mark.parametrize("train_eps,eps", [(False, 0.0), (True, 0.25), (False, -0.5)])
def test_gin_vs_dense(train_eps, eps):
    g = make_batch(1)
    model = GINConv((8, 3), eps=eps, train_eps=train_eps)
    v = init(model, g)
    p = f64(v["params"])
    if train_eps:
        assert p["eps"].shape == ()
        eps = float(p["eps"])
    else:
        assert "eps" not in p
    out = np.asarray(apply(model, v, g).nodes)
    x, a = x64(g), adjacency(g)
    ref = mlp(p["mlp"], (1 + eps) * x + a @ x, 2)
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("edge_f", [5, 3])
def test_gine_vs_dense(edge_f):
    g = make_batch(2, f=5, edge_f=edge_f)
    model = GINEConv((7, 4), train_eps=True, eps=0.1)
    v = init(model, g)
    p = f64(v["params"])
    assert ("edge_linear" in p) == (edge_f != 5)
    out = apply(model, v, g)
    x, e = x64(g), e64(g)
    s, r = incidence(g)
    if edge_f != 5:
        e = dense(p["edge_linear"], e)
    ref = mlp(p["mlp"], (1 + p["eps"]) * x + r.T @ relu(s @ x + e), 2)
    np.testing.assert_allclose(np.asarray(out.nodes), ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(np.asarray(out.edges), np.asarray(g.edges))


def test_gine_requires_edges():
    g = make_batch(2)
    with pytest.raises(ValueError, match="graph.edges"):
        GINEConv((4,)).init(KEY, g)


def gated_ref(p, g, features, batch_norm, train, node_stats=None, edge_stats=None, eps_bn=1e-5):
    h, e = x64(g), e64(g)
    s, r = incidence(g)
    ah, bh, dh, eh = (dense(p[k], h) for k in "ABDE")
    ce = dense(p["C"], e)
    e_hat = ce + r @ dh + s @ eh
    sig = sigmoid(e_hat)
    h_new = ah + (r.T @ (sig * (s @ bh))) / (r.T @ sig + 1e-6)
    stats = {}
    if batch_norm:
        def bn(y, q, name):
            if train:
                mu, var = y.mean(0), y.var(0)
                stats[name] = (mu, var)
            else:
                mu, var = np.zeros(y.shape[1]), np.ones(y.shape[1])
            return (y - mu) / np.sqrt(var + eps_bn) * q["scale"] + q["bias"]

        h_new, e_hat = bn(h_new, p["bn_node"], "node"), bn(e_hat, p["bn_edge"], "edge")
    h_new, e_new = relu(h_new), relu(e_hat)
    if h.shape[1] == features:
        h_new = h + h_new
    if e.shape[1] == features:
        e_new = e + e_new
    return h_new, e_new, stats


@pytest.mark.parametrize(
    "f,edge_f,batch_norm,train", [(6, 6, True, True), (5, 3, True, False), (6, 2, False, False)]
)
def test_gated_gcn_vs_dense(f, edge_f, batch_norm, train):
    g = make_batch(3, f=f, edge_f=edge_f)
    model = GatedGCNConv(6, batch_norm=batch_norm, momentum=0.9)
    v = init(model, g)
    if train:
        out, upd = apply(model, v, g, deterministic=False, mutable=["batch_stats"])
    else:
        out = apply(model, v, g)
    h_ref, e_ref, stats = gated_ref(f64(v["params"]), g, 6, batch_norm, train)
    np.testing.assert_allclose(np.asarray(out.nodes), h_ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(np.asarray(out.edges), e_ref, rtol=RTOL, atol=ATOL)
    assert out.nodes.shape == (len(g.nodes), 6) and out.edges.shape == (len(g.edges), 6)
    if train:  # running averages: 0.9 * init + 0.1 * batch statistic
        for name in ("node", "edge"):
            mu, var = stats[name]
            bs = upd["batch_stats"][f"bn_{name}"]
            np.testing.assert_allclose(bs["mean"], 0.1 * mu, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(bs["var"], 0.9 + 0.1 * var, rtol=RTOL, atol=ATOL)


def test_gated_gcn_requires_edges():
    with pytest.raises(ValueError, match="graph.edges"):
        GatedGCNConv(4).init(KEY, make_batch(3))


def monet_ref(p, g, kernels, features, aggr, offset, root, project=True):
    x, a = x64(g), adjacency(g)
    s, r = incidence(g)
    deg = a.sum(1) + offset
    inv = np.where(deg > 0, 1.0 / np.sqrt(np.where(deg > 0, deg, 1.0)), 0.0)
    u = np.stack([s @ inv, r @ inv], axis=1)
    if project:
        u = np.tanh(dense(p["pseudo_proj"], u))
    w = np.exp(-0.5 * (((u[:, None, :] - p["mu"][None]) * p["inv_sigma"][None]) ** 2).sum(-1))  # [E, K]
    hk = (x @ p["linear"]["kernel"]).reshape(len(x), kernels, features)
    hs = np.einsum("en,nkc->ekc", s, hk)
    msg = np.einsum("ek,ekc->ec", w, hs)
    out = r.T @ msg
    if aggr == "mean":
        out = out / np.maximum(r.sum(0), 1.0)[:, None]
    if root:
        out = out + x @ p["lin_root"]["kernel"]
    return out + p["bias"]


@pytest.mark.parametrize("aggr,offset,root", [("sum", 1.0, False), ("mean", 0.0, True)])
def test_monet_vs_dense(aggr, offset, root):
    g = make_batch(4)
    model = MoNetConv(5, kernels=3, dim=2, aggr=aggr, degree_offset=offset, root_weight=root)
    v = init(model, g)
    out = np.asarray(apply(model, v, g).nodes)
    ref = monet_ref(f64(v["params"]), g, 3, 5, aggr, offset, root)
    np.testing.assert_allclose(out, ref, rtol=RTOL, atol=ATOL)
    assert np.isfinite(out).all()


def test_monet_explicit_pseudo():
    g = make_batch(4)
    pseudo = np.random.default_rng(0).normal(size=(len(g.senders), 3)).astype(np.float32)
    model = MoNetConv(4, kernels=2, dim=3, project_pseudo=False)
    v = init(model, g, pseudo)
    p = f64(v["params"])
    x = x64(g)
    s, r = incidence(g)
    w = np.exp(-0.5 * (((pseudo[:, None, :] - p["mu"][None]) * p["inv_sigma"][None]) ** 2).sum(-1))
    hs = np.einsum("en,nkc->ekc", s, (x @ p["linear"]["kernel"]).reshape(len(x), 2, 4))
    ref = r.T @ np.einsum("ek,ekc->ec", w, hs) + p["bias"]
    np.testing.assert_allclose(np.asarray(apply(model, v, g, pseudo).nodes), ref, rtol=RTOL, atol=ATOL)
    with pytest.raises(ValueError, match="dim"):
        MoNetConv(4, dim=2, project_pseudo=False).init(KEY, g, pseudo)


def test_mlp_vs_dense_and_dropout():
    x = np.random.default_rng(0).normal(size=(9, 4)).astype(np.float32)
    model = MLP((6, 6, 2), activate_final=True, dropout_rate=0.5)
    v = init(model, x)
    ref = mlp(f64(v["params"]), x.astype(np.float64), 3, activate_final=True)
    np.testing.assert_allclose(np.asarray(apply(model, v, x)), ref, rtol=RTOL, atol=ATOL)
    y = apply(model, v, x, deterministic=False, rngs={"dropout": jax.random.PRNGKey(3)})
    assert not np.allclose(np.asarray(y), ref, atol=1e-3)
    with pytest.raises(ValueError, match="features"):
        MLP(()).init(KEY, x)


# ----------------------------------------------------------------------------- padding
def _plain(model, **kw):
    return lambda v, g, nm, em: (model.apply(v, g, edge_mask=em, **kw), None)


def _gated(train):
    model = GatedGCNConv(6, momentum=0.9)

    def call(v, g, nm, em):
        if train:
            out, upd = model.apply(v, g, False, nm, em, mutable=["batch_stats"])
            return out, upd["batch_stats"]
        return model.apply(v, g, True, nm, em), None

    return model, call


def _mlp_call(model):
    return lambda v, g, nm, em: (g._replace(nodes=model.apply(v, g.nodes)), None)


def _layers():
    sage_mean, sage_max = SAGEConv(6, "mean", normalize=True), SAGEConv(6, "max", project=True)
    gin, gine = GINConv((8, 4), train_eps=True), GINEConv((8, 4))
    monet_sum, monet_mean = MoNetConv(5, aggr="sum"), MoNetConv(5, aggr="mean", degree_offset=0.0, root_weight=True)
    mlp_model = MLP((7, 3))
    g_eval, g_train = _gated(False), _gated(True)
    return {
        "sage_mean": (sage_mean, 0, _plain(sage_mean)),
        "sage_max": (sage_max, 0, _plain(sage_max)),
        "gin": (gin, 0, _plain(gin)),
        "gine": (gine, 3, _plain(gine)),
        "gated_eval": (g_eval[0], 6, g_eval[1]),
        "gated_train": (g_train[0], 6, g_train[1]),
        "monet_sum": (monet_sum, 0, _plain(monet_sum)),
        "monet_mean": (monet_mean, 0, _plain(monet_mean)),
        "mlp": (mlp_model, 0, _mlp_call(mlp_model)),
    }


@pytest.mark.parametrize("name", list(_layers()))
def test_padding_invariance(name):
    model, edge_f, call = _layers()[name]
    g = make_batch(5, f=6, edge_f=edge_f)
    v = init(model, g.nodes) if name == "mlp" else init(model, g)
    ref, ref_aux = jax.jit(lambda v, g: call(v, g, None, None))(v, g)  # unpadded, no masks
    pg = pad(g)
    out, aux = jax.jit(lambda v, pg: call(v, pg, node_mask(pg), edge_mask(pg)))(v, pg)
    n, e = int(np.sum(g.n_node)), int(np.sum(g.n_edge))
    assert np.isfinite(np.asarray(out.nodes)).all()
    np.testing.assert_allclose(np.asarray(out.nodes)[:n], np.asarray(ref.nodes), rtol=RTOL, atol=ATOL)
    if out.edges is not None:
        assert np.isfinite(np.asarray(out.edges)).all()
        np.testing.assert_allclose(np.asarray(out.edges)[:e], np.asarray(ref.edges), rtol=RTOL, atol=ATOL)
    if aux is not None:  # masked batch statistics == unmasked ones on the unpadded batch
        jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL), aux, ref_aux)


# ----------------------------------------------------------------------------- gradients
def _grad_check(model, g, call, seed=0):
    """Directional derivatives of a random linear loss vs central differences in float64."""
    with jax.enable_x64(True):
        g = g._replace(
            nodes=jnp.asarray(g.nodes, jnp.float64),
            edges=None if g.edges is None else jnp.asarray(g.edges, jnp.float64),
        )
        v = init(model, g)
        params = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float64), v["params"])
        rest = {k: val for k, val in v.items() if k != "params"}
        theta, unravel = ravel_pytree({"params": params, "x": g.nodes})
        rng = np.random.default_rng(seed)
        out0 = jax.eval_shape(call, {"params": params, **rest}, g)
        wn = jnp.asarray(rng.normal(size=out0.nodes.shape))
        we = None if out0.edges is None else jnp.asarray(rng.normal(size=out0.edges.shape))

        def loss(t):
            tree = unravel(t)
            out = call({"params": tree["params"], **rest}, g._replace(nodes=tree["x"]))
            val = jnp.sum(out.nodes * wn)
            return val if we is None else val + jnp.sum(out.edges * we)

        grad = jax.jit(jax.grad(loss))(theta)
        assert grad.dtype == jnp.float64 and np.isfinite(np.asarray(grad)).all()
        assert np.abs(np.asarray(grad)).max() > 0
        f = jax.jit(loss)
        for _ in range(3):
            d = jnp.asarray(rng.normal(size=theta.shape))
            h = 1e-6
            fd = (f(theta + h * d) - f(theta - h * d)) / (2 * h)
            np.testing.assert_allclose(float(jnp.dot(grad, d)), float(fd), rtol=1e-5, atol=1e-6)


def test_gradients_gated_gcn_train_bn():
    model = GatedGCNConv(6)
    g = make_batch(6, f=6, edge_f=6)
    call = lambda v, g: model.apply(v, g, False, mutable=["batch_stats"])[0]
    _grad_check(model, g, call)


def test_gradients_monet_and_gine():
    g = make_batch(7, f=4, edge_f=3)
    for model in (MoNetConv(5, aggr="mean"), GINEConv((6, 2), train_eps=True)):
        _grad_check(model, g, lambda v, g, model=model: model.apply(v, g))
