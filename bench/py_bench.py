"""py_bench.py — the Python front end's benchmark rows (issue 11): call overhead of a jitted function with 3 small
arrays and 2 Variables, eager exp on 4 elements, trace time of the COBA chunk, and COBA (4,000 neurons) wall time
per simulated second — for brainjit, and with --venv-compare also for jax.jit and BrainPy's bm.jit (run in a
separate interpreter that has them, e.g. a throwaway venv; they are never dependencies of brainjit).

usage: python bench/py_bench.py [--framework brainjit|jax|brainpy] [--venv-compare] [--python PATH]
                                [--calls N] [--rounds R] [--quick] [--c-coba PATH] [--json FILE]

Each framework runs in its own process (the parent starts one per framework when --venv-compare is given), prints
its rows, and the parent prints one table. Times are medians over rounds (batches); nothing here is a test.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_VENV = os.environ.get("BJ_BENCH_VENV", "/work/venv-bp/bin/python")
TARGETS = {"call_3arr_2var_us": ("<=", 1.5), "eager_exp4_us": ("<=", 3.0), "coba_trace_ms": ("<=", 5.0)}


def median_per_call(fn, calls, rounds, sync=lambda r: r):
    """Median over `rounds` batches of the time per call (us); calls in all, a warm-up batch first."""
    batch = max(1, calls // rounds)
    r = None
    for _ in range(min(batch, 1000)):
        r = fn()
    sync(r)
    per = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(batch):
            r = fn()
        sync(r)
        per.append((time.perf_counter_ns() - t0) / batch / 1e3)
    return statistics.median(per)


def load_coba(bp, bm):
    """examples/coba.py with the given front end bound to its `brainjit` imports."""
    import importlib.util
    saved = {k: sys.modules.get(k) for k in ("brainjit", "brainjit.math")}
    sys.modules["brainjit"], sys.modules["brainjit.math"] = bp, bm
    try:
        spec = importlib.util.spec_from_file_location("coba_example", os.path.join(ROOT, "examples", "coba.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return mod


# ---------------------------------------------------------------- bm front ends (brainjit, BrainPy)

def bench_bm(name, bp, bm, a, sync, trace_fn):
    rows = {}
    v1 = bm.Variable(bm.zeros(4))
    v2 = bm.Variable(bm.ones(4))

    def f(x, y, z):
        v1.value = v1 * 0.5 + x * y
        v2.value = v2 * 0.5 + z
        return v1.value

    jf = bm.jit(f)
    x, y, z = bm.ones(4), bm.ones(4) * 2.0, bm.ones(4) * 3.0
    rows["call_3arr_2var_us"] = median_per_call(lambda: jf(x, y, z), a.calls, a.rounds, sync)
    e = bm.asarray([0.5, 1.0, 1.5, 2.0])
    rows["eager_exp4_us"] = median_per_call(lambda: bm.exp(e), a.calls, a.rounds, sync)

    coba = load_coba(bp, bm)
    net = coba.COBA(n=4000, seed=42)
    idx = bm.arange(0, coba.CHUNK)
    traces = []
    for _ in range(a.trace_rounds):
        traces.append(trace_fn(lambda ix: bm.for_loop(net.step, ix), idx))
    rows["coba_trace_ms"] = statistics.median(t[0] for t in traces) * 1e3
    rows["coba_trace_first_ms"] = traces[0][0] * 1e3
    if traces[0][1] is not None:
        rows["coba_trace_compile_ms"] = statistics.median(t[1] for t in traces) * 1e3

    run = bm.jit(lambda ix: bm.for_loop(net.step, ix))
    t0 = time.perf_counter()
    sync(run(idx))
    rows["coba_first_call_s"] = time.perf_counter() - t0
    per_sim_s = []
    for _ in range(a.coba_rounds):
        t0 = time.perf_counter()
        for k in range(a.coba_chunks):
            out = run(bm.arange(k * coba.CHUNK, (k + 1) * coba.CHUNK))
        sync(out)
        per_sim_s.append((time.perf_counter() - t0) / (a.coba_chunks * coba.CHUNK * coba.DT / 1000.0))
    rows["coba_wall_per_sim_s"] = statistics.median(per_sim_s)
    return rows


def run_brainjit(a):
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import brainjit as bp
    import brainjit.math as bm

    def trace(fn, idx):
        j = bm.jit(fn)
        t0 = time.perf_counter()
        j(idx)
        total = time.perf_counter() - t0
        st = j.stats() if callable(getattr(j, "stats", None)) else {}
        if "trace_s" in st:
            return float(st["trace_s"]), float(st["trace_s"]) + float(st.get("compile_s", 0.0))
        return total, None

    return bench_bm("brainjit", bp, bm, a, lambda r: r, trace)


def _jax_sync(r):
    import jax
    jax.block_until_ready(r)
    return r


def run_brainpy(a):
    import brainpy as bp
    import brainpy.math as bm
    import brainstate

    def trace(fn, idx):
        t0 = time.perf_counter()
        brainstate.transform.StatefulFunction(fn).make_jaxpr(idx)
        return time.perf_counter() - t0, None

    rows = bench_bm("brainpy", bp, bm, a, _jax_sync, trace)
    rows["version"] = bp.__version__
    return rows


# ---------------------------------------------------------------- plain JAX (state passed explicitly)

def run_jax(a):
    import jax
    import jax.numpy as jnp
    rows = {"version": jax.__version__}

    def f(x, y, z, s1, s2):
        s1 = s1 * 0.5 + x * y
        s2 = s2 * 0.5 + z
        return s1, s2, s1

    jf = jax.jit(f)
    x, y, z = jnp.ones(4), jnp.ones(4) * 2.0, jnp.ones(4) * 3.0
    st = [jnp.zeros(4), jnp.ones(4)]

    def call():
        st[0], st[1], out = jf(x, y, z, st[0], st[1])
        return out

    rows["call_3arr_2var_us"] = median_per_call(call, a.calls, a.rounds, _jax_sync)
    e = jnp.asarray([0.5, 1.0, 1.5, 2.0])
    rows["eager_exp4_us"] = median_per_call(lambda: jnp.exp(e), a.calls, a.rounds, _jax_sync)

    # the COBA chunk in plain JAX (event input as a segment sum over the synapses), traced only
    import numpy as np
    n, ne, p = 4000, 3200, 0.02
    rng = np.random.default_rng(1)
    pre_e, post_e = np.nonzero(rng.random((ne, n)) < p)
    pre_i, post_i = np.nonzero(rng.random((n - ne, n)) < p)
    conn = tuple(jnp.asarray(c.astype(np.int32)) for c in (pre_e, post_e, pre_i, post_i))

    def make_chunk():  # a new function each round, so JAX's trace caches cannot serve it
        def chunk(state, idx, conn):
            pe, qe, pi, qi = conn

            def step(s, _):
                v, ge, gi, ref, spk = s
                ge = ge * math.exp(-0.1 / 5.0) + jax.ops.segment_sum(0.6 * spk[:ne][pe], qe, n)
                gi = gi * math.exp(-0.1 / 10.0) + jax.ops.segment_sum(6.7 * spk[ne:][pi], qi, n)
                drive = (-60.0 - v) + ge * (0.0 - v) + gi * (-80.0 - v) + 20.0
                active = ref <= 0
                v_new = jnp.where(active, v + drive * (0.1 / 20.0), v)
                fired = active & (v_new >= -50.0)
                s = (jnp.where(fired, -60.0, v_new), ge, gi, jnp.where(fired, 50, jnp.maximum(ref - 1, 0)),
                     fired.astype(jnp.float32))
                return s, (jnp.sum(fired[:ne]), jnp.sum(fired[ne:]))

            return jax.lax.scan(step, state, idx)

        return chunk

    state = (jnp.full(n, -55.0), jnp.zeros(n), jnp.zeros(n), jnp.zeros(n, jnp.int32), jnp.zeros(n))
    idx = jnp.arange(1000)
    times = []
    for _ in range(a.trace_rounds):
        t0 = time.perf_counter()
        jax.make_jaxpr(make_chunk())(state, idx, conn)
        times.append(time.perf_counter() - t0)
    rows["coba_trace_ms"] = statistics.median(times) * 1e3
    rows["coba_trace_first_ms"] = times[0] * 1e3
    return rows


# ---------------------------------------------------------------- the C reference and the table

def c_coba(path, rounds):
    if not path or not os.path.exists(path):
        return None
    walls = []
    for _ in range(rounds):
        out = subprocess.run([path, "--quiet"], capture_output=True, text=True, timeout=300).stdout
        m = re.search(r"wall_s=([0-9.]+)", out)
        if m:
            walls.append(float(m.group(1)))
    return statistics.median(walls) if walls else None


def find_c_coba():
    import glob
    for p in [os.path.join(ROOT, "build", "examples", "coba")] + sorted(glob.glob(os.path.join(ROOT, "build*",
                                                                                               "examples", "coba"))):
        if os.path.exists(p):
            return p
    return None


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--framework", choices=("brainjit", "jax", "brainpy"), help="run one front end here (a child)")
    ap.add_argument("--venv-compare", action="store_true", help="also jax.jit and BrainPy, in --python")
    ap.add_argument("--python", default=DEFAULT_VENV, help="interpreter that has jax and brainpy")
    ap.add_argument("--calls", type=int, default=100000, help="calls per row (default 100000)")
    ap.add_argument("--rounds", type=int, default=20, help="batches per row; the median is reported")
    ap.add_argument("--quick", action="store_true", help="few calls and rounds (a smoke run)")
    ap.add_argument("--c-coba", default=None, help="examples/coba binary for the reference row")
    ap.add_argument("--json", default=None, help="write the results as JSON")
    a = ap.parse_args(argv)
    a.trace_rounds, a.coba_rounds, a.coba_chunks = 5, 5, 10
    if a.quick:
        a.calls, a.rounds, a.trace_rounds, a.coba_rounds, a.coba_chunks = 2000, 5, 2, 1, 2
    if a.framework:  # a child: one front end, one JSON line
        res = {"brainjit": run_brainjit, "jax": run_jax, "brainpy": run_brainpy}[a.framework](a)
        print("RESULT " + json.dumps(res))
        return 0
    results = {}
    jobs = [("brainjit", sys.executable)]
    if a.venv_compare:
        jobs += [("jax", a.python), ("brainpy", a.python)]
    for fw, py in jobs:
        cmd = [py, os.path.abspath(__file__), "--framework", fw, "--calls", str(a.calls), "--rounds", str(a.rounds)]
        if a.quick:
            cmd.append("--quick")
        print(f"py_bench: {fw} ({py}) ...", file=sys.stderr, flush=True)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as e:  # no such interpreter
            p = subprocess.CompletedProcess(cmd, 127, "", f"cannot run {py}: {e}")
        line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
        if p.returncode or not line:
            err = (p.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"py_bench: {fw} failed: {err}", file=sys.stderr)
            results[fw] = {"error": err}
        else:
            results[fw] = json.loads(line[-1][7:])
    c = c_coba(a.c_coba or find_c_coba(), 1 if a.quick else 5)
    names = [fw for fw, _ in jobs]
    print(f"{'row':28s}" + "".join(f"{n:>14s}" for n in names) + "   target (brainjit)")
    for row in ("call_3arr_2var_us", "eager_exp4_us", "coba_trace_ms", "coba_trace_first_ms", "coba_trace_compile_ms",
                "coba_first_call_s",
                "coba_wall_per_sim_s"):
        vals = [results[n].get(row) for n in names]
        tgt = ""
        if row in TARGETS and isinstance(vals[0], float):
            op, lim = TARGETS[row]
            tgt = f"{op}{lim:g} {'met' if vals[0] <= lim else 'NOT met'}"
        if row == "coba_wall_per_sim_s" and c:
            tgt = f"C examples/coba {c:.4f} s; <=1.1x " + (
                ("met" if vals[0] <= 1.1 * c else "NOT met") + f" ({vals[0] / c:.2f}x)" if isinstance(vals[0], float)
                else "-")
        print(f"{row:28s}" + "".join(f"{fmt(v):>14s}" for v in vals) + ("   " + tgt if tgt else ""))
    for n in names:
        if "error" in results[n]:
            print(f"{n}: error: {results[n]['error']}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"results": results, "c_coba_wall_s": c}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
