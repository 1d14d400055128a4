"""dyn_bench.py — the modelling layer's benchmark rows (issue 12): the Python networks of examples/python (COBA at
4,000 and 40,000 neurons, COBA-HH at 4,000) built with bp.dyn and run by bp.DSRunner, wall time per simulated
second and compile time, side by side with the C examples (build/examples/<net>) and, with --venv-compare, with
BrainPy running the very same scripts in a throwaway venv (its best configuration of those tried: stored or
procedural connectivity).

usage: python bench/dyn_bench.py [--venv-compare] [--python PATH] [--rounds R] [--quick] [--only NAME] [--json FILE]

Protocol, the same for every framework: build the network, one run of --sim ms with an empty compile cache (trace,
compile and run: "first"), then R rounds of a run of --sim ms and one of 2 x --sim ms. Wall time per simulated
second is the slope between the two (medians); what a run() costs besides (per run: tracing the step again, as
BrainPy does, and the compile-cache lookup; for the C examples their trace and cache hit) is the rest; compile =
first - per run - the simulation. The monitor is each population's spike count per step (a lambda monitor), as the
C examples record. Each framework runs in its own process; nothing here is a test.
"""
import argparse
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_VENV = os.environ.get("BJ_BENCH_VENV", "/work/venv-bp/bin/python")
ROWS = [("coba", 4000), ("coba", 40000), ("coba_hh", 4000)]
CLASSES = {"coba": "COBA", "cuba": "CUBA", "coba_hh": "COBAHH"}


def load_script(name, bp, bm):
    """examples/python/<name>.py with the given front end bound to its `brainjit` imports."""
    saved = {k: sys.modules.get(k) for k in ("brainjit", "brainjit.math")}
    sys.modules["brainjit"], sys.modules["brainjit.math"] = bp, bm
    try:
        spec = importlib.util.spec_from_file_location(f"ex_{name}", os.path.join(ROOT, "examples", "python",
                                                                                 name + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return mod


def run_one(bp, bm, name, n, comm, a):
    mod = load_script(name, bp, bm)
    bm.random.seed(42)
    t0 = time.perf_counter()
    net = getattr(mod, CLASSES[name])(n, prob=min(1., 80. / n), seed=42, comm=comm)
    build = time.perf_counter() - t0
    ne = net.ne
    mons = {"E.count": lambda: bm.sum(net.N.spike[:ne]), "I.count": lambda: bm.sum(net.N.spike[ne:])}
    runner = bp.DSRunner(net, monitors=mons, progress_bar=False)
    t0 = time.perf_counter()
    runner.run(a.sim)
    first = time.perf_counter() - t0
    rounds = 1 if (a.framework == "brainpy" and n > 4000) else a.rounds
    w1, w2, spikes = [], [], []
    for _ in range(rounds):
        for dur, walls in ((a.sim, w1), (2 * a.sim, w2)):
            t0 = time.perf_counter()
            runner.run(dur)
            walls.append(time.perf_counter() - t0)
        spikes.append(int(sum(int(runner.mon[k].sum()) for k in ("E.count", "I.count"))))
    sec = a.sim / 1000.
    # the slope of wall time over simulated time, and what a run() costs besides (tracing, the compile cache)
    slope = (statistics.median(w2) - statistics.median(w1)) / sec
    fixed = max(0., statistics.median(w1) - slope * sec)
    return {"build_s": build, "first_s": first, "compile_s": max(0., first - fixed - slope * sec),
            "per_run_s": fixed, "wall_per_sim_s": slope, "rate_hz": statistics.median(spikes) / n / (2 * sec)}


def child(a):
    if a.framework == "brainjit":
        sys.path.insert(0, os.path.join(ROOT, "python"))
        import brainjit as bp
        import brainjit.math as bm
        comms = ["csr"]
    else:
        import brainpy as bp
        import brainpy.math as bm
        comms = ["csr", "jit"]  # BrainPy's best of its stored and procedural event kernels
    out = {}
    for name, n in ROWS:
        if a.only and a.only != name:
            continue
        if a.quick and n > 4000:
            continue
        best = None
        for comm in comms:
            try:
                r = run_one(bp, bm, name, n, comm, a)
            except Exception as e:  # a failing configuration is reported, not fatal
                r = {"error": f"{type(e).__name__}: {e}"}
            r["comm"] = comm
            if best is None or ("error" in best) or ("error" not in r and r["wall_per_sim_s"] < best["wall_per_sim_s"]):
                best = r
        out[f"{name}_{n}"] = best
    return out


def c_example(name, n, rounds, cold_cache):
    """The C example's simulation wall time per simulated second (its trace and compile excluded, which it reports
    apart: the first run compiles into the empty cache cold_cache, the others find it there)."""
    path = os.path.join(ROOT, "build", "examples", name)
    if not os.path.exists(path):
        return None
    walls, comp = [], []
    for _ in range(rounds + 1):
        p = subprocess.run([path, "--quiet", "--n", str(n)], capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, BJ_CACHE_DIR=cold_cache))
        m = re.search(r"wall_s=([0-9.]+) compile_s=([0-9.]+)", p.stdout)
        if m:
            walls.append(float(m.group(1)))
            comp.append(float(m.group(2)))
    return {"wall_per_sim_s": statistics.median(walls[1:]), "compile_s": comp[0],
            "per_run_s": statistics.median(comp[1:])} if len(walls) > 1 else None


def fmt(v, unit=""):
    return "-" if v is None else f"{v:.4g}{unit}"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--framework", choices=("brainjit", "brainpy"), help="run one front end here (a child)")
    ap.add_argument("--venv-compare", action="store_true", help="also BrainPy, in --python")
    ap.add_argument("--python", default=DEFAULT_VENV, help="interpreter that has brainpy")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sim", type=float, default=1000., help="simulated ms per run (default 1000)")
    ap.add_argument("--quick", action="store_true", help="4,000 neurons only, 1 round of 200 ms")
    ap.add_argument("--only", choices=sorted(CLASSES), help="one network")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    if a.quick:
        a.rounds, a.sim = 1, 200.
    if a.framework:
        print("RESULT " + json.dumps(child(a)))
        return 0
    jobs = [("brainjit", sys.executable)] + ([("brainpy", a.python)] if a.venv_compare else [])
    res = {}
    cold = tempfile.mkdtemp(prefix="dyn_bench_cache_")  # compiles are measured cold: an empty brainjit cache
    for fw, py in jobs:
        cmd = [py, os.path.abspath(__file__), "--framework", fw, "--rounds", str(a.rounds), "--sim", str(a.sim)]
        cmd += ["--quick"] if a.quick else []
        cmd += ["--only", a.only] if a.only else []
        print(f"dyn_bench: {fw} ({py}) ...", file=sys.stderr, flush=True)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, BJ_CACHE_DIR=cold))
        except OSError as e:
            p = subprocess.CompletedProcess(cmd, 127, "", f"cannot run {py}: {e}")
        line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
        res[fw] = json.loads(line[-1][7:]) if line and not p.returncode else \
            {"error": (p.stderr.strip().splitlines() or ["no output"])[-1]}
    print(f"{'network':16s}{'brainjit s/sim-s':>18s}{'C s/sim-s':>12s}{'ratio':>8s}{'BrainPy s/sim-s':>17s}"
          f"{'speed-up':>10s}{'compile bj/C/BP (s)':>24s}{'per run() bj/C/BP (s)':>26s}{'rate Hz bj/BP':>16s}")
    c_rounds = 1 if a.quick else 3
    for name, n in ROWS:
        key = f"{name}_{n}"
        if (a.only and a.only != name) or (a.quick and n > 4000):
            continue
        bj = res["brainjit"].get(key) or {}
        bp_ = res.get("brainpy", {}).get(key) or {}
        c = c_example(name, n, c_rounds, tempfile.mkdtemp(prefix="dyn_bench_c_")) or {}
        w, cw, pw = bj.get("wall_per_sim_s"), c.get("wall_per_sim_s"), bp_.get("wall_per_sim_s")
        ratio = f"{w / cw:.2f}x" if w and cw else "-"
        speed = f"{pw / w:.1f}x" if w and pw else "-"
        comp = f"{fmt(bj.get('compile_s'))}/{fmt(c.get('compile_s'))}/{fmt(bp_.get('compile_s'))}"
        rates = f"{fmt(bj.get('rate_hz'))}/{fmt(bp_.get('rate_hz'))}"
        per = f"{fmt(bj.get('per_run_s'))}/{fmt(c.get('per_run_s'))}/{fmt(bp_.get('per_run_s'))}"
        print(f"{key:16s}{fmt(w):>18s}{fmt(cw):>12s}{ratio:>8s}{fmt(pw):>17s}{speed:>10s}{comp:>24s}{per:>26s}"
              f"{rates:>16s}")
        for fw, r in (("brainjit", bj), ("brainpy", bp_)):
            if "error" in r:
                print(f"  {fw}: {r['error']}")
        if bp_.get("comm"):
            print(f"  BrainPy's best configuration: comm={bp_['comm']}")
    for fw in res:
        if "error" in res[fw]:
            print(f"{fw}: error: {res[fw]['error']}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
