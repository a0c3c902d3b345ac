#!/usr/bin/env python3
"""NumPy as an oracle for kiln (issue 12): replays the cases the edge tester writes
(KILN_EDGE_DUMP, test/test_edges_random.cpp) with NumPy, kiln's documented differences
applied, and compares with kiln's results (eager mode's, which graph mode and the JIT match).

    scripts/numpy_oracle.sh [SEEDS]     builds the dump and runs this (python3-numpy)
    python3 scripts/numpy_oracle.py DUMP.jsonl

kiln's documented differences from NumPy (README "Rules worth knowing", ACCURACY.md):
  - integer division truncates toward zero (NumPy floors); a zero divisor is an error;
    integer pow with a negative exponent is an error
  - maximum/minimum are IEEE 754-2019's: -0 < +0 (NumPy returns the first of equal zeros)
  - float -> int casts saturate and NaN becomes 0 (NumPy: undefined)
  - a C++ scalar takes the tensor's dtype and is refused when the dtype cannot hold it
    (a fraction for integers, anything but 0/1 for booleans, beyond the dtype's range);
    NumPy promotes or wraps instead
  - max/min of nothing is an error (NumPy: ValueError too); mean of nothing is NaN
  - transcendentals are within ACCURACY.md's ulp bounds of the exact value (NumPy's own
    differ by a few ulp): compared against long double, or Python's math.erf/erfc in f64;
    floating pow is the C library's (within 1 ulp; NumPy takes shortcuts such as sqrt)
Exit status 1 if any case disagrees beyond these.
"""
import json
import math
import sys
from collections import Counter

import numpy as np

NP = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "i64": np.int64, "boolean": np.bool_}
LD = np.longdouble
# ACCURACY.md's bounds (ulp), plus 1 ulp where the reference is only f64 (erf, gelu).
ULP_BOUND = {
    ("exp", "f32"): 1, ("exp", "f64"): 1, ("log", "f32"): 1, ("log", "f64"): 1,
    ("sqrt", "f32"): 0.5, ("sqrt", "f64"): 0.5, ("rsqrt", "f32"): 2, ("rsqrt", "f64"): 2,
    ("tanh", "f32"): 3, ("tanh", "f64"): 2.5, ("sigmoid", "f32"): 3, ("sigmoid", "f64"): 3,
    ("sin", "f32"): 2, ("sin", "f64"): 1, ("cos", "f32"): 2, ("cos", "f64"): 1,
    ("erf", "f32"): 4.5, ("erf", "f64"): 2.5, ("gelu", "f32"): 8.5, ("gelu", "f64"): 21,
    ("pow", "f32"): 1, ("pow", "f64"): 1,  # glibc's powf/pow: under 1 ulp
}


class KilnError(Exception):
    """What kiln refuses (the case then carries an "error")."""


class Chained(Exception):
    """A transcendental's result feeds another op: its exact input is kiln's rounding, which
    the dump does not hold. Such cases are counted, not compared."""


def decode(t):
    dtype = t["dtype"]
    shape = tuple(t["shape"])
    if dtype in ("f32", "f64"):
        vals = [float.fromhex(v) if v not in ("nan", "inf", "-inf") else float(v) for v in t["values"]]
    elif dtype == "boolean":
        vals = [int(v) != 0 for v in t["values"]]
    else:
        vals = [int(v) for v in t["values"]]
    return np.array(vals, dtype=NP[dtype]).reshape(shape)


def scalar_for(node, dtype):
    """The C++ scalar as kiln converts it to the tensor's dtype, or KilnError."""
    kind, text = node["scalar_kind"], node["scalar_value"]
    if kind == "float":
        v = float.fromhex(text) if text not in ("nan", "inf", "-inf") else float(text)
    else:
        v = int(text)
    if dtype == "boolean":
        if v not in (0, 1):
            raise KilnError("boolean scalar")
        return np.bool_(v == 1)
    if dtype in ("i32", "i64"):
        lo, hi = (-2**31, 2**31 - 1) if dtype == "i32" else (-2**63, 2**63 - 1)
        if isinstance(v, float):
            if not math.isfinite(v) or v != math.trunc(v):
                raise KilnError("fraction for an integer")
            if v < lo or v >= hi + 1:
                raise KilnError("beyond the range")
            v = int(v)
        if v < lo or v > hi:
            raise KilnError("beyond the range")
        return NP[dtype](v)
    if dtype == "f32" and isinstance(v, float) and math.isfinite(v) and abs(v) > np.finfo(np.float32).max:
        raise KilnError("beyond f32")
    return NP[dtype](v)


def trunc_divide(a, b):
    if np.any(b == 0):
        raise KilnError("integer division by zero")
    with np.errstate(all="ignore"):
        q = np.floor_divide(a, b)
        r = a - q * b
        q = q + ((r != 0) & ((a < 0) != (b < 0))).astype(q.dtype)
    return q


def ieee_extreme(a, b, is_max):
    with np.errstate(all="ignore"):
        r = np.maximum(a, b) if is_max else np.minimum(a, b)
    if np.issubdtype(r.dtype, np.floating):
        a, b = np.broadcast_arrays(a, b)
        zeros = (a == 0) & (b == 0)
        neg = np.signbit(a) & np.signbit(b) if is_max else np.signbit(a) | np.signbit(b)
        r = np.where(zeros, np.where(neg, -0.0, 0.0).astype(r.dtype), r)
    return r


def saturating_cast(x, to):
    if x.dtype.kind == "f" and to in ("i32", "i64"):
        info = np.iinfo(NP[to])
        y = np.where(np.isnan(x), 0, x).astype(np.float64)  # exact for f32 and f64
        top = 2.0 ** (31 if to == "i32" else 63)             # exactly representable
        big, small = y >= top, y <= -top
        inside = np.where(big | small, 0, np.trunc(y)).astype(NP[to])
        return np.where(big, info.max, np.where(small, info.min, inside)).astype(NP[to])
    with np.errstate(all="ignore"):
        return x.astype(NP[to])


def reference(op, x):
    """The exact value in long double (Python's math for erf/erfc, in f64)."""
    xl = x.astype(LD)
    with np.errstate(all="ignore"):
        if op == "exp": return np.exp(xl)
        if op == "log": return np.log(xl)
        if op == "sqrt": return np.sqrt(xl)
        if op == "rsqrt": return 1 / np.sqrt(xl)
        if op == "tanh": return np.tanh(xl)
        if op == "sigmoid": return 1 / (1 + np.exp(-xl))
        if op == "sin": return np.sin(xl)
        if op == "cos": return np.cos(xl)
        if op == "erf": return np.vectorize(math.erf, otypes=[float])(x.astype(np.float64)).astype(LD)
        if op == "gelu":
            # erfc(-x/sqrt2) with the argument in long double: math.erfc takes an f64, whose
            # rounding would cost 2z^2 ulp; the first-order correction takes it back.
            z = -xl / np.sqrt(LD(2))
            zd = z.astype(np.float64)
            dz = np.where(np.isfinite(z), z - zd.astype(LD), LD(0))
            erfc = np.vectorize(math.erfc, otypes=[float])(zd).astype(LD)
            slope = LD(2) / np.sqrt(LD(np.pi)) * np.exp(-zd.astype(LD) ** 2)
            return xl / 2 * (erfc - dz * slope)
    raise ValueError(op)


class Approx:
    """A floating result known only within a bound: the exact value and the op."""

    def __init__(self, exact, dtype, op):
        self.exact, self.dtype, self.op = exact, dtype, op


def evaluate(program, inputs):
    values = list(inputs)
    for node in program["nodes"]:
        op = node["op"]
        args = [values[a] for a in node["args"]]
        if any(isinstance(v, Approx) for v in args):
            raise Chained()
        x = args[0]
        dt = {np.dtype(v): k for k, v in NP.items()}[x.dtype]
        if "scalar" in node:
            s = scalar_for(node, dt)
            y = np.array(s, dtype=x.dtype)
            args = [y, x] if node["scalar_left"] else [x, y]
        a = args[0]
        b = args[1] if len(args) > 1 else None
        if b is not None and op != "where" and a.dtype != b.dtype:
            raise KilnError("dtypes differ")  # kiln never promotes
        with np.errstate(all="ignore"):
            if op in ("add", "subtract", "multiply", "divide", "pow", "maximum", "minimum") and dt == "boolean":
                raise KilnError("boolean arithmetic")
            if op == "add": r = a + b
            elif op == "subtract": r = a - b
            elif op == "multiply": r = a * b
            elif op == "divide": r = trunc_divide(a, b) if dt in ("i32", "i64") else a / b
            elif op == "pow":
                if dt in ("i32", "i64"):
                    if np.any(b < 0):
                        raise KilnError("negative integer power")
                    r = np.power(a, b)
                else:  # the C library's pow/powf (NumPy takes shortcuts: x**0.5 as sqrt...)
                    r = Approx(np.power(a.astype(LD), b.astype(LD)), dt, "pow")
            elif op == "maximum": r = ieee_extreme(a, b, True)
            elif op == "minimum": r = ieee_extreme(a, b, False)
            elif op == "equal": r = a == b
            elif op == "not_equal": r = a != b
            elif op == "less": r = a < b
            elif op == "less_equal": r = a <= b
            elif op == "greater": r = a > b
            elif op == "greater_equal": r = a >= b
            elif op in ("logical_and", "logical_or", "logical_not"):
                if dt != "boolean" or (b is not None and b.dtype != np.bool_):
                    raise KilnError("logical op of a non-boolean")
                r = a & b if op == "logical_and" else a | b if op == "logical_or" else ~a
            elif op == "negative":
                if dt == "boolean": raise KilnError("negative boolean")
                r = -a
            elif op == "abs":
                if dt == "boolean": raise KilnError("abs boolean")
                r = np.abs(a)
            elif op == "relu":
                if dt == "boolean": raise KilnError("relu boolean")
                r = np.where(a < 0, np.zeros((), a.dtype), a)
            elif op in ULP_BOUND_OPS:
                if dt not in ("f32", "f64"):
                    raise KilnError("floating op of " + dt)
                r = Approx(reference(op, a), dt, op)
            elif op == "where":
                if a.dtype != np.bool_ or args[1].dtype != args[2].dtype:
                    raise KilnError("where operands")
                r = np.where(a, args[1], args[2])
            elif op == "cast": r = saturating_cast(a, node["to"])
            else:
                raise ValueError("the oracle has no " + op)  # inexact kinds are skipped
        values.append(r if isinstance(r, Approx) else np.asarray(r))
    return [values[o] for o in program["outputs"]]


ULP_BOUND_OPS = {"exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "sin", "cos", "erf", "gelu"}


def ulp_distance(got, exact, dtype):
    """|got - exact| in ulps of dtype at exact (subnormal spacing below normal)."""
    info = np.finfo(NP[dtype])
    p = info.nmant + 1
    e = np.floor(np.log2(np.maximum(np.abs(exact), LD(info.tiny))))
    spacing = np.exp2(e - (p - 1))
    return np.abs(got.astype(LD) - exact) / spacing


def compare(got, want):
    """'' if kiln's result agrees with the oracle's."""
    if isinstance(want, Approx):
        if got.dtype != NP[want.dtype]:
            return "dtype %s, want %s" % (got.dtype, want.dtype)
        exact = np.broadcast_to(want.exact, got.shape)
        top = LD(np.finfo(NP[want.dtype]).max)
        g = got.astype(LD)
        nan_ok = np.isnan(g) == np.isnan(exact)
        overflow = np.abs(exact) > top
        inf_ok = np.where(np.isinf(g) | np.isinf(exact) | overflow,
                          (np.isinf(g) & (overflow | np.isinf(exact)) & (np.sign(g) == np.sign(exact))) |
                          (~np.isinf(g) & overflow & (np.abs(g) == top)), True)
        finite = ~np.isnan(exact) & ~np.isinf(exact) & ~overflow & ~np.isinf(g) & ~np.isnan(g)
        with np.errstate(all="ignore"):
            err = np.where(finite, ulp_distance(got, exact, want.dtype), 0)
        bound = ULP_BOUND[(want.op, want.dtype)]
        bad = ~nan_ok | ~inf_ok | (err > bound)
        if np.any(bad):
            i = int(np.argmax(bad.ravel()))
            return "%s: element %d: kiln %r, exact %r (%.3g ulp, bound %g)" % (
                want.op, i, float(got.ravel()[i]), float(exact.ravel()[i]), float(err.ravel()[i]), bound)
        return ""
    want = np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        return "shape/dtype %s %s, want %s %s" % (got.shape, got.dtype, want.shape, want.dtype)
    if got.dtype.kind == "f":
        same = (got.view(np.uint32 if got.dtype == np.float32 else np.uint64) ==
                want.view(np.uint32 if want.dtype == np.float32 else np.uint64)) | (np.isnan(got) & np.isnan(want))
    else:
        same = got == want
    if not np.all(same):
        i = int(np.argmin(same.ravel()))
        return "element %d: kiln %r, NumPy %r" % (i, got.ravel()[i], want.ravel()[i])
    return ""


def main(path):
    cases = agreed = refused_alike = skipped = chained = 0
    failures = []
    ops = Counter()
    for line in open(path):
        case = json.loads(line)
        program = case["program"]
        if any(n["op"] in ("sum", "mean", "max", "min", "softmax", "log_softmax", "layer_norm", "matmul")
               for n in program["nodes"]):
            skipped += 1  # the inexact kind: bounded against eager by the tester itself
            continue
        cases += 1
        for n in program["nodes"]:
            ops[n["op"]] += 1
        inputs = [decode(t) for t in case["inputs"]]
        try:
            want = evaluate(program, inputs)
            oracle_error = None
        except KilnError as e:
            want, oracle_error = None, str(e)
        except Chained:
            if "error" not in case:
                chained += 1
                continue
            want, oracle_error = None, "(a refusal after a transcendental)"
        if "error" in case or oracle_error:
            if "error" in case and oracle_error:
                refused_alike += 1
                continue
            failures.append("seed %d set %d: kiln %s, oracle %s" % (
                case["seed"], case["set"], case.get("error", "computed")[:120], oracle_error or "computed"))
            continue
        results = [decode(t) for t in case["results"]]
        problems = [compare(g, w) for g, w in zip(results, want)]
        problems = [p for p in problems if p]
        if problems:
            failures.append("seed %d set %d: %s" % (case["seed"], case["set"], problems[0]))
        else:
            agreed += 1
    print("numpy oracle: %d cases of the exact kind (%d of the inexact kind left to the tester): "
          "%d agree, %d refused by both, %d not comparable (a transcendental feeds another op), "
          "%d disagree" % (cases, skipped, agreed, refused_alike, chained, len(failures)))
    print("ops: " + " ".join("%s=%d" % kv for kv in sorted(ops.items())))
    for f in failures[:20]:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
