"""Gaunt tensor product speed: 2D-Fourier (FFT / direct) vs e3nn Clebsch-Gordan vs e3nn sphere grid.

    python experiments/benchmarks/gaunt.py                                    # L = 1,2,4,8,12,16
    python experiments/benchmarks/gaunt.py --lmax_list=1,2,4 --batch=256 --out=/tmp/g.json

Paper: Luo, Chen, Krishnapriyan, "Enabling Efficient Equivariant Operations in the Fourier Basis
via Gaunt Tensor Products", ICLR 2024 (their Fig. 2: Gaunt via FFT is O(L^3) against O(L^6) for
the full CG tensor product).

The operation: x, y with irreps ``0e+1o+...+L`` (one channel, ``--batch`` samples, float32), output
``0e+1o+...+L`` (Gaunt coefficients, e3nn real SH with integral normalization). Methods:

* ``fft``, ``direct``, ``matmul``, ``auto``: :func:`jaxgraph.equivariant.gaunt_tensor_product`
  (SH -> 2D Fourier, convolution by zero-padded FFT / by dense DFT matmuls, Fourier -> SH;
  ``matmul``: the same linear maps fused into two real GEMMs on a folded torus grid; ``auto``
  picks ``matmul`` up to total degree 32).
* ``grid``: the same product through e3nn-jax ``to_s2grid`` -> pointwise product ->
  ``from_s2grid`` on an exact Gauss-Legendre grid (``method="grid"``).
* ``cg``: ``e3nn.tensor_product(x, y, filter_ir_out=0e+1o+...+L)`` (all parity-allowed CG paths,
  O(L^6)) is what is timed. For the accuracy column its paths are then combined by the fixed
  linear map that weights each path ``(l1, l2 -> l3)`` with its Gaunt/CG constant (not timed: it is
  a dense matmul that would inflate CG's time), so that it computes the same function. Skipped
  above ``--cg_max_l`` (compile time and run time explode), and reported as skipped.

Times: ``jit`` + ``block_until_ready``, median of ``--repeats`` runs after one warm-up call (the
warm-up, compilation included, is ``first_*_s``), forward and forward+backward (value and gradient
of ``sum(out * ct)`` with respect to x and y). ``max_abs_err``: float32 result of each method against
the float64 Gaunt product (``method="fft"`` under x64, itself checked against an independent
quadrature in tests/equivariant/test_gaunt.py) on ``--acc_batch`` inputs with unit-variance
coefficients. Ratios are ``time(method) / time(fft)`` and ``time(cg) / time(method)``. The fitted
scaling exponent is the slope of log(time) against log(L) over L >= 4. Prints JSON and writes it to
``--out``.
"""
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from absl import app, flags  # noqa: E402

_LMAX = flags.DEFINE_list("lmax_list", ["1", "2", "4", "8", "12", "16"], "Degrees L to time.")
_BATCH = flags.DEFINE_integer("batch", 1024, "Number of (x, y) pairs per call (one channel).")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed repetitions (median reported).")
_METHODS = flags.DEFINE_list("methods", ["fft", "direct", "matmul", "auto", "grid", "cg"], "Methods to time.")
_CG_MAX_L = flags.DEFINE_integer("cg_max_l", 8, "Skip the e3nn CG tensor product above this L.")
_DIRECT_MAX_L = flags.DEFINE_integer("direct_max_l", 16, "Skip the direct (dense-DFT) path above this L.")
_GRID_MAX_L = flags.DEFINE_integer("grid_max_l", 16, "Skip the sphere-grid product above this L.")
_ACC_BATCH = flags.DEFINE_integer("acc_batch", 16, "Samples for the accuracy check.")
_NO_BACKWARD = flags.DEFINE_bool("no_backward", False, "Only time the forward pass.")
_OUT = flags.DEFINE_string("out", None, "Also write the JSON here.")


def _median(fn, repeats):
    import numpy as np

    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), first


def cg_gaunt_fn(lmax):
    """``(x, y) -> out`` computing the Gaunt product with e3nn.tensor_product + a path-weight map."""
    import e3nn_jax as e3nn
    import jax.numpy as jnp
    import numpy as np

    from jaxgraph.equivariant import gaunt as G

    irreps = G.natural_irreps(lmax)
    filt = list(irreps)
    filt = [ir for _, ir in filt]
    # reproduce e3nn.tensor_product's chunk order: loops over (ir1, ir2, ir1*ir2) then a stable sort
    paths, unsorted = [], []
    for _, ir1 in irreps:
        for _, ir2 in irreps:
            for ir3 in ir1 * ir2:
                if ir3 in filt:
                    paths.append((ir1.l, ir2.l, ir3.l))
                    unsorted.append((1, ir3))
    srt = e3nn.Irreps(unsorted).sort()
    order = [paths[i] for i in srt.inv]
    assert [ir.l for _, ir in srt.irreps] == [p[2] for p in order]
    dim_tp = sum(2 * p[2] + 1 for p in order)
    m = np.zeros((dim_tp, (lmax + 1) ** 2))
    off = 0
    for l1, l2, l3 in order:
        g = G.gaunt_coefficients(l1, l2, l3)
        c = np.asarray(e3nn.clebsch_gordan(l1, l2, l3), np.float64)
        k = float(np.sum(g * c) / np.sum(c * c)) / np.sqrt(2 * l3 + 1)  # component normalization
        m[off: off + 2 * l3 + 1, l3 * l3: (l3 + 1) ** 2] = k * np.eye(2 * l3 + 1)
        off += 2 * l3 + 1
    m = jnp.asarray(m, jnp.float32)

    def f(x, y):
        tp = e3nn.tensor_product(e3nn.IrrepsArray(irreps, x), e3nn.IrrepsArray(irreps, y), filter_ir_out=filt,
                                 irrep_normalization="component", regroup_output=False)
        return tp.array @ m.astype(tp.array.dtype)

    return f


def _method_fn(method, lmax):
    import e3nn_jax as e3nn

    from jaxgraph.equivariant import gaunt as G

    irreps = G.natural_irreps(lmax)
    if method == "cg":  # the peer as users call it: every parity-allowed CG path up to L
        return lambda x, y: e3nn.tensor_product(e3nn.IrrepsArray(irreps, x), e3nn.IrrepsArray(irreps, y),
                                                filter_ir_out=irreps).array

    def f(x, y):
        return G.gaunt_tensor_product(e3nn.IrrepsArray(irreps, x), e3nn.IrrepsArray(irreps, y), lmax,
                                      method=method).array

    return f


def bench_one(method, lmax, batch, repeats, backward, acc_batch):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxgraph.equivariant import gaunt as G

    dim = (lmax + 1) ** 2
    rng = np.random.default_rng(lmax)
    x = jnp.asarray(rng.normal(size=(batch, dim)), jnp.float32)
    y = jnp.asarray(rng.normal(size=(batch, dim)), jnp.float32)
    f = _method_fn(method, lmax)
    t_build = time.perf_counter()
    fwd = jax.jit(f)
    fwd_s, first_fwd = _median(lambda: jax.block_until_ready(fwd(x, y)), repeats)
    ct = jnp.asarray(rng.normal(size=fwd(x, y).shape), jnp.float32)
    out = {"method": method, "L": lmax, "batch": batch, "fwd_ms": 1e3 * fwd_s, "first_fwd_s": first_fwd}
    if backward:
        # the cotangent is an argument: closed over, it is a constant, and XLA folds the first
        # (linear) stage of the backward pass at compile time, which flatters fwd+bwd
        g = jax.jit(jax.value_and_grad(lambda a, b, c: jnp.sum(f(a, b) * c), argnums=(0, 1)))
        bwd_s, first_bwd = _median(lambda: jax.block_until_ready(g(x, y, ct)), repeats)
        out.update(fwd_bwd_ms=1e3 * bwd_s, first_fwd_bwd_s=first_bwd)
    # accuracy vs float64 Gaunt
    xa = rng.normal(size=(acc_batch, dim))
    ya = rng.normal(size=(acc_batch, dim))
    f_acc = jax.jit(cg_gaunt_fn(lmax)) if method == "cg" else fwd  # CG paths -> Gaunt function
    got = np.asarray(f_acc(jnp.asarray(xa, jnp.float32), jnp.asarray(ya, jnp.float32)), np.float64)
    with jax.enable_x64(True):
        ref = np.asarray(_method_fn("fft", lmax)(jnp.asarray(xa), jnp.asarray(ya)), np.float64)
    out["max_abs_err"] = float(np.abs(got - ref).max())
    out["max_rel_err"] = float(np.abs(got - ref).max() / np.abs(ref).max())
    out["wall_s"] = time.perf_counter() - t_build
    del G
    return out


def _fit_exponent(rows, method, key):
    import numpy as np

    pts = [(r["L"], r[key]) for r in rows if r["method"] == method and key in r and r["L"] >= 4]
    if len(pts) < 2:
        return None
    ls, ts = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(ls, ts, 1)[0])


def main(argv):
    del argv
    import jax

    lmaxes = [int(v) for v in _LMAX.value]
    limits = {"cg": _CG_MAX_L.value, "direct": _DIRECT_MAX_L.value, "grid": _GRID_MAX_L.value}
    rows, skipped = [], []
    for lmax in lmaxes:
        for method in _METHODS.value:
            if method in limits and lmax > limits[method]:
                skipped.append({"method": method, "L": lmax, "why": f"L > --{method}_max_l={limits[method]}"})
                print(f"L={lmax:2d} {method:6s} skipped (L > --{method}_max_l={limits[method]})", flush=True)
                continue
            r = bench_one(method, lmax, _BATCH.value, _REPEATS.value, not _NO_BACKWARD.value, _ACC_BATCH.value)
            rows.append(r)
            print(f"L={lmax:2d} {method:6s} fwd {r['fwd_ms']:9.3f} ms  fwd+bwd {r.get('fwd_bwd_ms', float('nan')):9.3f} ms"
                  f"  max_abs_err {r['max_abs_err']:.2e}  (compile+first {r['first_fwd_s']:.1f} s)", flush=True)
    # ratios
    by = {(r["method"], r["L"]): r for r in rows}
    for r in rows:
        for key in ("fwd_ms", "fwd_bwd_ms"):
            if key not in r:
                continue
            base = by.get(("fft", r["L"]))
            if base is not None and key in base:
                r[f"{key}_over_fft"] = r[key] / base[key]
            cg = by.get(("cg", r["L"]))
            if cg is not None and key in cg:
                r[f"cg_{key}_over_this"] = cg[key] / r[key]
    scaling = {m: {"fwd": _fit_exponent(rows, m, "fwd_ms"), "fwd_bwd": _fit_exponent(rows, m, "fwd_bwd_ms")}
               for m in _METHODS.value}
    result = {
        "benchmark": "gaunt_tensor_product",
        "device": str(jax.devices()[0]), "platform": jax.default_backend(), "jax": jax.__version__,
        "machine": platform.machine(), "cpu_count": os.cpu_count(),
        "config": {"lmax_list": lmaxes, "batch": _BATCH.value, "repeats": _REPEATS.value,
                   "methods": _METHODS.value, "limits": limits, "acc_batch": _ACC_BATCH.value,
                   "channels": 1, "lmax_out": "L", "dtype": "float32"},
        "results": rows, "skipped": skipped,
        "scaling_exponent_vs_L (L>=4)": scaling,
    }
    print("\nscaling exponents of time vs L (L >= 4):")
    for m, s in scaling.items():
        print(f"  {m:6s} fwd {s['fwd']}  fwd+bwd {s['fwd_bwd']}")
    print("\n| L | method | fwd ms | fwd+bwd ms | fwd / fft | cg fwd / this | max abs err |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['L']} | {r['method']} | {r['fwd_ms']:.3f} | {r.get('fwd_bwd_ms', float('nan')):.3f} | "
              f"{r.get('fwd_ms_over_fft', float('nan')):.2f} | {r.get('cg_fwd_ms_over_this', float('nan')):.2f} | "
              f"{r['max_abs_err']:.1e} |")
    text = json.dumps(result, indent=1)
    print(text)
    if _OUT.value:
        with open(_OUT.value, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    app.run(main)
