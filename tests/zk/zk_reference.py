"""Independent pure-Python reference for the zk tests (Python big ints only; no JAX, no numpy
arithmetic). F_p with p = 2^64 - 2^32 + 1 and F_p^2 = F_p[X]/(X^2 - 7), elements as (c0, c1)."""
import functools

P = 2**64 - 2**32 + 1
W = 7


def add(a, b):
    return (a + b) % P


def sub(a, b):
    return (a - b) % P


def mul(a, b):
    return (a * b) % P


def inv(a):
    return pow(a, P - 2, P) if a % P else 0


def e(x):
    """Lift an int or a pair to an extension tuple."""
    if isinstance(x, (tuple, list)):
        return (int(x[0]) % P, int(x[1]) % P)
    return (int(x) % P, 0)


def eadd(a, b):
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def esub(a, b):
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def emul(a, b):
    return ((a[0] * b[0] + W * a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def epow(a, n):
    out, base = (1, 0), a
    while n:
        if n & 1:
            out = emul(out, base)
        base = emul(base, base)
        n >>= 1
    return out


def einv(a):
    # a^(p^2 - 2): Fermat in F_{p^2}, independent of the norm formula used by the library.
    if a == (0, 0):
        return (0, 0)
    return epow(a, P * P - 2)


def eq_bit(r, bit):
    return r if bit else esub((1, 0), r)


def mle_eval(table, point):
    """Brute force: sum_idx table[idx] prod_i eq(point[i], bit_i(idx)), bit 0 <-> point[0]."""
    n = len(point)
    assert len(table) == 1 << n
    acc = (0, 0)
    for idx, v in enumerate(table):
        w = (1, 0)
        for i in range(n):
            w = emul(w, eq_bit(e(point[i]), (idx >> i) & 1))
        acc = eadd(acc, emul(w, e(v)))
    return acc


def eq_table(point):
    n = len(point)
    out = []
    for idx in range(1 << n):
        w = (1, 0)
        for i in range(n):
            w = emul(w, eq_bit(e(point[i]), (idx >> i) & 1))
        out.append(w)
    return out


def product_sum(tables):
    return functools.reduce(eadd, [functools.reduce(emul, [e(t[i]) for t in tables])
                                   for i in range(len(tables[0]))], (0, 0))


def matmul(A, Wm):
    m, k, n = len(A), len(Wm), len(Wm[0])
    return [[sum(int(A[i][b]) * int(Wm[b][j]) for b in range(k)) % P for j in range(n)] for i in range(m)]
