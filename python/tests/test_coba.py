"""test_coba.py — the COBA network written in Python with bm only (examples/coba.py: Variables, bm.event.csrmv,
bm.for_loop under bm.jit): its rates in the C network's band (tests/test_net.c: 15-25 Hz on 0.3 s runs), one trace
for the whole run, the same spikes as a numpy reference of the same step, and the script's output and usage errors."""
import importlib.util
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "coba.py")


def load_example():
    spec = importlib.util.spec_from_file_location("coba_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


coba = load_example()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coba_rate_in_band(seed):
    r = coba.simulate(n=4000, duration=0.3, seed=seed)
    assert r["n"] == 4000 and r["n_exc"] == 3200 and r["steps"] == 3000 and abs(r["p"] - 0.02) < 1e-12
    assert math.isfinite(r["rate_hz"]) and 15 <= r["rate_hz"] <= 25, r
    assert r["rate_e_hz"] > 0 and r["rate_i_hz"] > 0
    assert r["traces"] == 1  # three calls of 1,000 steps: one trace


def test_coba_procedural_rate_in_band():
    r = coba.simulate(n=4000, duration=0.2, seed=7, procedural=True)
    assert math.isfinite(r["rate_hz"]) and 15 <= r["rate_hz"] <= 25, r
    assert r["traces"] == 1


def test_coba_is_a_brainpy_object():
    net = coba.COBA(n=100, seed=3)
    assert isinstance(net, bp.BrainPyObject)
    k = net.name
    assert set(net.vars().keys()) == {f"{k}.V", f"{k}.g_e", f"{k}.g_i", f"{k}.t_last", f"{k}.spike"}
    assert str(np.asarray(net.t_last).dtype) == "float32" and str(np.asarray(net.spike).dtype) == "bool"
    assert str(np.asarray(net.V).dtype) == "float32"


def reference(v0, conn, n, ne, steps):
    """The same step in float32 numpy, in the association order of the example's step."""
    f = np.float32
    v, ge, gi = v0.astype(f), np.zeros(n, f), np.zeros(n, f)
    t_last, spk = np.full(n, -1e7, f), np.zeros(n, bool)
    (ipe, ixe), (ipi, ixi) = conn
    ke, ki, km = f(coba.K_E), f(coba.K_I), f(coba.K_M)
    out = np.zeros((steps, n), bool)

    def event(indptr, indices, events, w):
        acc = np.zeros(n, f)
        for pre in np.nonzero(events)[0]:
            np.add.at(acc, indices[indptr[pre]:indptr[pre + 1]], f(w))
        return acc

    for s in range(steps):
        t = f(s) * f(coba.DT)
        ge = ge + ke * (-ge / f(coba.TAU_E)) + event(ipe, ixe, spk[:ne], coba.W_E)
        gi = gi + ki * (-gi / f(coba.TAU_I)) + event(ipi, ixi, spk[ne:], coba.W_I)
        cur = f(coba.I_BIAS) + ge * (f(coba.E_E) - v) + gi * (f(coba.E_I) - v)
        v_new = np.where(t - t_last <= f(coba.T_REF), v, v + km * ((-v + f(coba.V_REST) + cur) / f(coba.TAU_M)))
        fired = v_new >= f(coba.V_TH)
        v = np.where(fired, f(coba.V_RESET), v_new)
        t_last = np.where(fired, t, t_last)
        spk = fired
        out[s] = fired
    return out, v


def test_coba_spikes_match_numpy_reference():
    """A small network (400 neurons, p = 0.2) for 300 steps: the raster of the bm program is the numpy one (up to
    a handful of spikes, should float rounding ever differ near the threshold)."""
    net = coba.COBA(n=400, seed=11, record=True)
    v0 = np.asarray(net.V).copy()
    conn = ((np.asarray(net.e_indptr), np.asarray(net.e_indices)), (np.asarray(net.i_indptr),
                                                                    np.asarray(net.i_indices)))
    steps = 300
    run = bm.jit(lambda idx: bm.for_loop(net.step, idx))
    got = np.asarray(run(bm.arange(steps)))
    want, v_end = reference(v0, conn, net.n, net.ne, steps)
    assert got.shape == (steps, 400) and got.dtype == np.bool_
    assert want.sum() > 100  # the reference network fires
    first = np.nonzero((got != want).any(axis=1))[0]
    assert first.size == 0 or first[0] > 100, f"rasters differ from step {first[0]}"
    assert (got != want).sum() <= max(5, want.sum() // 100)
    if first.size == 0:
        np.testing.assert_allclose(np.asarray(net.V), v_end, rtol=1e-5, atol=1e-4)


def test_coba_example_script():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, EXAMPLE, "--duration", "0.1", "--quiet"], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "coba: 4000 neurons (3200 E, 800 I), p = 0.02, stored connectivity, float32, backend cpu"
    assert lines[1].startswith("rates: E ") and "(1000 steps of 0.1 ms)" in lines[1]
    assert lines[2].startswith("time: connectivity ") and "per simulated second)" in lines[2]
    assert lines[-1].startswith("result model=coba n=4000 rate_hz=")
    rate = float(lines[-1].split("rate_hz=")[1].split()[0])
    assert 10 <= rate <= 30


@pytest.mark.parametrize("args,msg", [
    (["--n", "5"], "--n must be an integer in [10, 2147483647], got '5'"),
    (["--duration", "-1"], "--duration must be a number of seconds in (0, 1e+06], got '-1'"),
    (["--seed", "0"], "--seed must be an integer in [1, 18446744073709551615], got '0'"),
    (["--bogus"], "unknown option '--bogus'"),
    (["--n", "100", "--n", "200"], "--n is given twice"),
    (["--seed"], "--seed needs a value"),
    (["--backend", "nope", "--duration", "0.01"], "nope"),
])
def test_coba_example_usage_errors(args, msg):
    p = subprocess.run([sys.executable, EXAMPLE] + args, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python")))
    assert p.returncode == 2 and msg in p.stderr and p.stdout == ""
