"""coba.py — the COBA network of examples/coba.c (src/sim/coba.c) written in Python with brainjit.math only, as a
BrainPy user writes it: state in Variables, input through bm.event.csrmv (or bm.jitconn), the steps in bm.for_loop
under bm.jit. Prints the rates and times as `make demo` does.

usage: python examples/coba.py [--n N] [--duration S] [--seed K] [--backend cpu|interp] [--f64] [--procedural]
                               [--npy FILE] [--quiet] [--help]

The model (BrainPy's LifRef, Expon synapses and COBA outputs, as src/sim/coba.c): 4,000 LIF neurons (80%
excitatory), exponential conductances in units of the leak conductance,
  tau_m dV/dt = (V_rest - V) + g_e (E_e - V) + g_i (E_i - V) + I_bias   (V held while t - t_last_spike <= 5 ms)
each variable stepped by exponential Euler (BrainPy's exp_auto: exact for these linear equations); a spike adds w_e
(w_i) to the conductances of its targets, acting on the next step; V0 ~ N(-55, 2) mV. About 80 inputs per neuron
(p = 80 / N), self-connections allowed. The connectivity is drawn with numpy (from the seed), so the network is
the C one in distribution, not spike for spike (examples/python/coba.py is the same network as bp.dyn classes,
spike for spike the C one).
"""
import math
import os
import sys
import time

import numpy as np

try:
    import brainjit as bp
    import brainjit.math as bm
except ImportError:  # run from a checkout without installing: <root>/python holds the package
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import brainjit as bp
    import brainjit.math as bm

# parameters (ms, mV), as src/sim/coba.c
DT = 0.1
TAU_M, V_REST, V_TH, V_RESET, T_REF = 20.0, -60.0, -50.0, -60.0, 5.0
TAU_E, TAU_I, E_E, E_I = 5.0, 10.0, 0.0, -80.0
W_E, W_I, I_BIAS = 0.6, 6.7, 20.0
CHUNK = 1000  # steps per jitted call, as bj_net_run's default chunk
# exponential Euler's factor dt exprel(dt a) for dx/dt = a x + b (a = -1/tau), as BrainPy's exp_auto computes it
K_E, K_I, K_M = (DT * float(bm.exprel(DT * (-1.0 / tau))) for tau in (TAU_E, TAU_I, TAU_M))

USAGE = """usage: coba.py [--n N] [--duration S] [--seed K] [--backend cpu|interp] [--f64] [--procedural]
       [--npy FILE] [--quiet]
  --n N          neurons, an integer in [10, 2147483647] (default 4000)
  --duration S   simulated seconds, a number in (0, 1e6] (default 1)
  --seed K       initial state and connectivity, an integer in [1, 18446744073709551615] (default 42)
  --backend B    cpu (default) or interp
  --f64          float64 state; --procedural: connectivity generated in the kernels; --quiet: no progress
  --npy FILE     write every spike as bool [steps, n]
"""


def fixed_prob_csr(n_pre, n_post, p, seed):
    """CSR rows of a random n_pre x n_post connectivity, each pair connected with probability p."""
    rng = np.random.default_rng(seed)
    counts, cols = [], []
    for lo in range(0, n_pre, 256):  # blocks keep the random matrix small
        mask = rng.random((min(256, n_pre - lo), n_post)) < p
        counts.append(mask.sum(axis=1))
        cols.append(np.nonzero(mask)[1])
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(counts))]).astype(np.int32)
    return indptr, np.concatenate(cols).astype(np.int32)


class COBA(bp.BrainPyObject):
    def __init__(self, n=4000, seed=42, procedural=False, record=False):
        super().__init__()
        self.n = n
        self.ne = n // 5 * 4 + n % 5 * 4 // 5
        self.p = 80.0 / n if n > 80 else 1.0
        self.seed = seed
        self.procedural, self.record = procedural, record
        self.traces = 0  # how many times the step was traced (a retrace would show here)
        t0 = time.perf_counter()
        if not procedural:
            ip, ix = fixed_prob_csr(self.ne, n, self.p, seed * 8 + 1)
            self.e_indptr, self.e_indices = bm.asarray(ip), bm.asarray(ix)
            ip, ix = fixed_prob_csr(n - self.ne, n, self.p, seed * 8 + 2)
            self.i_indptr, self.i_indices = bm.asarray(ip), bm.asarray(ix)
        self.build_s = time.perf_counter() - t0
        bm.random.seed(seed)
        self.V = bm.Variable(bm.random.randn(n) * 2.0 - 55.0)
        self.g_e = bm.Variable(bm.zeros(n))
        self.g_i = bm.Variable(bm.zeros(n))
        self.t_last = bm.Variable(bm.full(n, -1e7))
        self.spike = bm.Variable(bm.zeros(n, dtype=bool))

    def input(self, spikes, w, n_pre, pop):
        if self.procedural:
            return bm.jitconn.event_mv_prob_homo(spikes, w, self.p, self.seed * 8 + 1 + pop,
                                                 shape=(n_pre, self.n), transpose=True)
        indptr, indices = (self.e_indptr, self.e_indices) if pop == 0 else (self.i_indptr, self.i_indices)
        return bm.event.csrmv(w, indices, indptr, spikes, shape=(n_pre, self.n), transpose=True)

    def step(self, i):
        self.traces += 1
        spk = self.spike.value  # the last step's spikes act now
        t = i * DT
        ge = self.g_e + K_E * (-self.g_e / TAU_E) + self.input(spk[:self.ne], W_E, self.ne, 0)
        gi = self.g_i + K_I * (-self.g_i / TAU_I) + self.input(spk[self.ne:], W_I, self.n - self.ne, 1)
        v, t_last = self.V.value, self.t_last.value
        current = I_BIAS + ge * (E_E - v) + gi * (E_I - v)
        v_new = bm.where(t - t_last <= T_REF, v, v + K_M * ((-v + V_REST + current) / TAU_M))
        fired = v_new >= V_TH
        self.g_e.value = ge
        self.g_i.value = gi
        self.V.value = bm.where(fired, V_RESET, v_new)
        self.t_last.value = bm.where(fired, t, t_last)
        self.spike.value = fired
        if self.record:
            return fired
        return bm.sum(fired[:self.ne]), bm.sum(fired[self.ne:])


def simulate(n=4000, duration=1.0, seed=42, backend="cpu", f64=False, procedural=False, record=False,
             quiet=True):
    """Builds and runs the network; returns a dict of rates, counts and times (and the spikes if record)."""
    if f64:
        bm.enable_x64()
    try:
        return _simulate(n, duration, seed, backend, f64, procedural, record, quiet)
    finally:
        if f64:  # a library call leaves the default dtypes as it found them
            bm.disable_x64()


def _simulate(n, duration, seed, backend, f64, procedural, record, quiet):
    net = COBA(n, seed, procedural, record)
    opts = {} if backend == "cpu" else {"backend": backend}
    run = bm.jit(lambda idx: bm.for_loop(net.step, idx), **opts)
    total = int(round(duration * 1000.0 / DT))
    if total < 1:
        raise ValueError(f"duration {duration} s is less than half a step ({DT} ms): nothing to simulate")
    spikes_e = spikes_i = 0
    rec = np.zeros((total, n), bool) if record else None
    done, first_s, wall = 0, 0.0, 0.0
    while done < total:
        k = min(CHUNK, total - done)
        t0 = time.perf_counter()
        out = run(bm.arange(done, done + k))
        if record:
            rec[done:done + k] = np.asarray(out)
            counts_e = int(rec[done:done + k, :net.ne].sum())
            counts_i = int(rec[done:done + k, net.ne:].sum())
        else:
            counts_e, counts_i = int(np.asarray(out[0]).sum()), int(np.asarray(out[1]).sum())
        dt = time.perf_counter() - t0
        first_s = dt if done == 0 else first_s
        wall += dt
        spikes_e, spikes_i, done = spikes_e + counts_e, spikes_i + counts_i, done + k
        if not quiet:
            sim = done * DT / 1000.0
            print(f"\rcoba: {sim:.3f} / {total * DT / 1000.0:.3f} s simulated, "
                  f"{(spikes_e + spikes_i) / n / sim:.2f} Hz", end="", file=sys.stderr, flush=True)
    if not quiet:
        print(file=sys.stderr)
    stats = getattr(run, "stats", None)
    if callable(stats):  # brainjit: the handle's own trace and compile time
        st = stats()
        compile_s = float(st.get("trace_s", 0.0)) + float(st.get("compile_s", 0.0))
    else:  # another front end: the first call's excess over a later one of the same size
        compile_s = first_s - (wall - first_s) / max(1, (total - 1) // CHUNK) if total > CHUNK else 0.0
        compile_s = max(compile_s, 0.0)
    sim_s = total * DT / 1000.0
    return {"n": n, "n_exc": net.ne, "p": net.p, "steps": total, "dt_ms": DT, "sim_s": sim_s,
            "spikes_e": spikes_e, "spikes_i": spikes_i,
            "rate_e_hz": spikes_e / net.ne / sim_s, "rate_i_hz": spikes_i / max(1, n - net.ne) / sim_s,
            "rate_hz": (spikes_e + spikes_i) / n / sim_s, "build_s": net.build_s, "compile_s": compile_s,
            "wall_s": max(wall - compile_s, 0.0), "traces": net.traces, "spikes": rec,
            "procedural": procedural, "f64": f64, "backend": backend}


def _usage_error(msg):
    print(f"coba.py: {msg} (coba.py --help lists the options)", file=sys.stderr)
    return 2


def _number(v):
    return v[:1].isdigit() or v[:1] == "."


def main(argv):
    o = {"n": 4000, "duration": 1.0, "seed": 42, "backend": "cpu", "f64": False, "procedural": False,
         "quiet": False}
    npy, seen, i = None, set(), 0
    while i < len(argv):
        a = argv[i]
        if a in ("--help", "-h"):
            print(USAGE, end="")
            return 0
        if a in ("--f64", "--procedural", "--quiet"):
            o[a[2:]] = True
            i += 1
            continue
        if a not in ("--n", "--duration", "--seed", "--backend", "--npy"):
            return _usage_error(f"unknown option '{a}'" if a.startswith("-") else f"unexpected argument '{a}'")
        if a in seen:
            return _usage_error(f"{a} is given twice")
        seen.add(a)
        if i + 1 == len(argv):
            return _usage_error(f"{a} needs a value")
        v = argv[i + 1]
        i += 2
        if a == "--n":
            if not (v.isdigit() and 10 <= int(v) <= 2147483647):
                return _usage_error(f"--n must be an integer in [10, 2147483647], got '{v}'")
            o["n"] = int(v)
        elif a == "--duration":
            try:
                x = float(v) if _number(v) else math.nan
            except ValueError:
                x = math.nan
            if not (0 < x <= 1e6):
                return _usage_error(f"--duration must be a number of seconds in (0, 1e+06], got '{v}'")
            o["duration"] = x
        elif a == "--seed":
            if not (v.isdigit() and 1 <= int(v) <= 18446744073709551615):
                return _usage_error(f"--seed must be an integer in [1, 18446744073709551615], got '{v}'")
            o["seed"] = int(v)
        elif not v or v.startswith("--"):
            return _usage_error(f"{a} needs a value, got '{v}'")
        elif a == "--backend":
            o["backend"] = v
        else:
            npy = v
    try:
        r = simulate(record=npy is not None, **o)
    except (ValueError, TypeError, NotImplementedError) as e:  # refused options (a backend name, ...): usage
        print(f"coba.py: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 — any other failure: its message, status 1, as examples/coba
        print(f"coba.py: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"coba: {r['n']} neurons ({r['n_exc']} E, {r['n'] - r['n_exc']} I), p = {r['p']:.4g}, "
          f"{'procedural' if r['procedural'] else 'stored'} connectivity, {'float64' if r['f64'] else 'float32'}, "
          f"backend {r['backend']}")
    print(f"rates: E {r['rate_e_hz']:.2f} Hz, I {r['rate_i_hz']:.2f} Hz, all {r['rate_hz']:.2f} Hz; "
          f"{r['spikes_e'] + r['spikes_i']} spikes in {r['sim_s']:.3f} s simulated ({r['steps']} steps of "
          f"{r['dt_ms']:g} ms)")
    print(f"time: connectivity {r['build_s']:.3f} s, trace + compile {r['compile_s']:.3f} s, simulation "
          f"{r['wall_s']:.3f} s ({r['wall_s'] / r['sim_s']:.3f} s per simulated second)")
    rc = 0
    if npy is not None:
        try:
            np.save(npy, r["spikes"])
            print(f"spikes: {npy} (bool [{r['steps']} steps, {r['n']} neurons])")
        except OSError as e:
            print(f"coba.py: {e}", file=sys.stderr)
            rc = 1
    print(f"result model=coba n={r['n']} rate_hz={r['rate_hz']:.3f} sim_s={r['sim_s']:.3f} "
          f"wall_s={r['wall_s']:.4f} compile_s={r['compile_s']:.3f}")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
