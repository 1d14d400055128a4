"""Runs the BrainPy 2.4+-style scripts in bp_scripts/ unchanged under brainjit and compares what they observe with
what BrainPy 2.8.2 observed (bp_scripts/brainpy_2_8_2.json.gz, written by bp_scripts/record_brainpy.py)."""
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "bp_scripts")
with open(os.path.join(SCRIPTS, "brainpy_2_8_2.json.gz"), "rb") as f:
    RECORD = json.loads(gzip.decompress(f.read()))["scripts"]
NAMES = sorted(RECORD)

# Each script runs in its own interpreter: scripts set the global dt (s11, s18), the default RNG and share, which
# must not leak into each other or into the rest of the suite. The child saves the script's `observed` dict (and any
# globals a test asks for, prefixed "x__"); with x64 it first calls bm.enable_x64(), as a BrainPy user would.
CHILD = r"""
import runpy, sys
import numpy as np
import brainjit.math as bm
script, out, seed, x64 = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
if x64:
    bm.enable_x64()
bm.random.seed(seed)
np.random.seed(seed)
g = runpy.run_path(script, run_name="__main__")
obs = {k: np.asarray(bm.as_numpy(v)) for k, v in g["observed"].items()}
obs.update({"x__" + k: np.asarray(bm.as_numpy(g[k])) for k in sys.argv[5:]})
np.savez(out, **obs)
"""
EXTRA_GLOBALS = {"s22_reset_state_linear": ("t_after",)}
SEED = 0  # brainjit's seed for the random scripts (BrainPy's runs used seeds 0..7: a different generator anyway)

# Deterministic float arrays, as fractions of the array's largest |expected| value. XLA and our C code round float32
# differently (XLA contracts a*b+c into fused multiply-adds, has its own exp/log/pow), a few ulps (~1e-7) per op that
# accumulate to ~1e-6 over hundreds of steps: the median sample must stay within 1e-6 and 95% within 2e-5. In spike
# upstrokes (ExpIF's exponential, HH's sodium activation, Izhikevich's quadratic, rk2/rk4 stages of it) the local
# Jacobian amplifies such differences by 1e2-1e4 over a few steps, so the other 5% (s06's bursting Izhikevich cells
# spend about that long in upstrokes) may reach 1e-3 (0.07 mV on a 70 mV scale); a wrong equation, parameter or
# update order moves most samples and misses these bounds by orders of magnitude. The same scripts in float64 agree
# with BrainPy to ~1e-11 (test_script_matches_brainpy_float64), so the float32 differences are rounding,
# not formulas. Small arrays (final states) are held to the 2e-5 bound everywhere.
MEDIAN_TOL, Q95_TOL, MAX_TOL = 1e-6, 2e-5, 1e-3
# The same deterministic scripts in float64 (recorded every n-th value): rounding of 1e-16 per op, amplified as above,
# stays below 1e-11 of the scale (measured: 5e-12 for s06's Izhikevich cells, <1e-13 elsewhere); 1e-9 leaves room
# and still fails on any change of a parameter or formula beyond its 9th digit. Spikes must be the same steps.
X64_TOL = 1e-9
# Random scripts: brainjit's generator differs from JAX's, and bp.conn.FixedProb draws each pair independently from
# the C core's generator where BrainPy draws a fixed number per row, so its network is another draw from (nearly) the
# same distribution, never BrainPy's network. A statistic must lie within BAND_K sample standard deviations of the
# mean of BrainPy's 8 seeds: one new draw falls outside with probability ~1% (t distribution, 7 degrees of freedom,
# predictive factor sqrt(1 + 1/8)). Spike counts and rates of recurrent networks vary multiplicatively and are skewed
# to the right (a seed that ignites fires 1.5x the median), so they are compared as log(1 + x). BAND_FLOOR (1%) keeps
# statistics that hardly vary between seeds (s20's counts: 0.06%) from demanding more than a network of the same
# distribution gives: FixedProb's independent pairs make the number of synapses binomial (BrainPy's is fixed), which
# alone moves s20's counts by ~0.3% between brainjit's seeds.
BAND_K, BAND_FLOOR = 4.0, 0.01


_cache = {}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """run(name, x64=False) -> dict of the script's observations under brainjit (each runs once per session)."""
    tmp = tmp_path_factory.mktemp("bp_scripts")

    def go(name, x64=False):
        if (name, x64) not in _cache:
            out = str(tmp / f"{name}{'_x64' if x64 else ''}.npz")
            env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
            p = subprocess.run([sys.executable, "-c", CHILD, os.path.join(SCRIPTS, name + ".py"), out, str(SEED),
                                str(int(x64)), *EXTRA_GLOBALS.get(name, ())],
                               env=env, capture_output=True, text=True, timeout=300)
            if p.returncode != 0:
                _cache[name, x64] = RuntimeError(f"{name} failed under brainjit:\n{p.stderr[-3000:]}")
            else:
                with np.load(out) as z:
                    _cache[name, x64] = {k: z[k] for k in z.files}
        if isinstance(_cache[name, x64], Exception):
            raise _cache[name, x64]
        return _cache[name, x64]
    return go


def spike_trains(raster_or_rec):
    """Per column, the steps at which it spikes (from a [T, N] raster or a recorded summary's events)."""
    if isinstance(raster_or_rec, dict):
        shape, ev = raster_or_rec["shape"], np.asarray(raster_or_rec["events"], dtype=np.int64).reshape(-1, 2)
        return [ev[ev[:, 1] == j, 0] for j in range(shape[1])]
    return [np.flatnonzero(raster_or_rec[:, j]) for j in range(raster_or_rec.shape[1])]


def compare_spikes(name, key, got, rec):
    """Same number of spikes per column and each within one step (a float tie at threshold may move one); returns
    the first step at which the rasters differ (len(got) when they are equal)."""
    if "events" not in rec:  # too many to record: only their count and per-step counts
        assert int(got.sum()) == rec["count"], f"{name}: {key}"
        return len(got)
    mine, theirs = spike_trains(got), spike_trains(rec)
    first = len(got)
    for j, (a, b) in enumerate(zip(mine, theirs)):
        assert len(a) == len(b), f"{name}: {key}[:, {j}] spikes at {a.tolist()}, BrainPy at {b.tolist()}"
        assert np.all(np.abs(a - b) <= 1), f"{name}: {key}[:, {j}] spikes at {a.tolist()}, BrainPy at {b.tolist()}"
        if np.any(a != b):
            first = min(first, int(np.minimum(a, b)[a != b][0]))
    return first


def compare_values(name, key, got, rec, upto):
    """Values within the float32 bounds above; after a spike moved by a step (upto), trajectories are a step apart
    and are not compared."""
    if got.dtype.kind in "iub":
        assert got.tolist() == np.asarray(rec["values"]).reshape(rec["shape"]).astype(got.dtype).tolist(), \
            f"{name}: {key}"
        return
    if "values" not in rec:
        assert got.mean() == pytest.approx(rec["mean"], rel=Q95_TOL, abs=1e-6), f"{name}: {key} mean"
        assert got.std() == pytest.approx(rec["std"], rel=1e-3, abs=1e-6), f"{name}: {key} std"
        return
    want = np.asarray(rec["values"], dtype=np.float64).reshape(rec["shape"])
    have = got.astype(np.float64)
    if have.ndim and upto < len(have):
        have, want = have[:upto], want[:upto]
    scale = float(np.abs(want).max()) if want.size else 1.
    err = np.abs(have - want).ravel() / (scale or 1.)
    if err.size == 0:
        return
    where = np.unravel_index(int(err.argmax()), want.shape)
    detail = f"{name}: {key} at {tuple(int(i) for i in where)}: {have[where]} vs BrainPy {want[where]} (scale {scale})"
    if err.size < 100:
        assert err.max() <= Q95_TOL, detail
        return
    assert np.median(err) <= MEDIAN_TOL, detail + f", median error {np.median(err):.2g}"
    assert np.quantile(err, 0.95) <= Q95_TOL, detail + f", 95% quantile {np.quantile(err, 0.95):.2g}"
    assert err.max() <= MAX_TOL, detail


def statistic(got, rec):
    """The random scripts' statistic of one array: spike count, or the mean of a float array."""
    if got.dtype == bool:
        return float(got.sum()), float(rec["count"])
    return float(got.astype(np.float64).mean()), float(rec["mean"])


def compare_band(name, key, got, runs):
    """brainjit's statistic within the band around BrainPy's seeds (see BAND_K)."""
    values = np.array([statistic(got, r)[1] for r in runs])
    mine = statistic(got, runs[0])[0]
    log = got.dtype == bool or key.endswith("rate")
    f = np.log1p if log else (lambda x: x)
    m, s = f(values).mean(), f(values).std(ddof=1)
    half = max(BAND_K * s, BAND_FLOOR if log else BAND_FLOOR * abs(m))
    scale = "log1p " if log else ""
    assert abs(f(mine) - m) <= half, (f"{name}: {key}: brainjit {mine:.6g}, BrainPy's seeds "
                                      f"{np.round(values, 6).tolist()} ({scale}{m:.6g} +- {half:.3g})")


def constant_across_seeds(runs):
    return all(r == runs[0] for r in runs[1:])


def check_script(name, obs):
    """Layouts exactly; what all of BrainPy's seeds observed alike (everything in a deterministic script, ts or dt in
    a random one) as a deterministic observation; the rest in a band."""
    runs_of = RECORD[name]["observed"]
    assert sorted(k for k in obs if not k.startswith("x__")) == sorted(runs_of), f"{name}: observed keys"
    for key, runs in runs_of.items():
        got = obs[key]
        assert list(got.shape) == runs[0]["shape"], f"{name}: {key} shape {got.shape}, BrainPy {runs[0]['shape']}"
        assert got.dtype.name == runs[0]["dtype"], f"{name}: {key} dtype {got.dtype}, BrainPy {runs[0]['dtype']}"
    same = {k: r[0] for k, r in runs_of.items() if constant_across_seeds(r)}
    upto = min([compare_spikes(name, k, obs[k], r) for k, r in same.items() if r["dtype"] == "bool"],
               default=10 ** 9)
    for key, r in same.items():
        if r["dtype"] != "bool":
            compare_values(name, key, obs[key], r, upto)
    for key, runs in runs_of.items():
        if key not in same:
            compare_band(name, key, obs[key], runs)


DELAYED = {"s13_full_proj_align_post_delay", "s15_full_proj_align_pre_sd_ds", "s24_decision_making_lite",
           "s25_delays_deterministic"}
XFAIL = {}  # name -> reason: real gaps in brainjit, requested in /work/notes/requests12.md
# s26 checks the DSRunner's step count (a deliberate difference): its own test below (float32 only).
GENERIC = [n for n in NAMES if n != "s26_runner_duration_steps"]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=XFAIL[n]))
                                  if n in XFAIL else n for n in GENERIC])
def test_script_matches_brainpy(run, name):
    """Layouts exactly; deterministic values within float32 bounds and spikes within a step; random networks in a
    band around BrainPy's seeds. Scripts with delays > 0 (s13, s15, s24, s25) were recorded with BrainPy's delay
    steps patched to d + 2 (record_brainpy.py: BrainPy 2.4-2.8 lags an entry of d >= 1 steps max(d - 2, 0) steps,
    brainpy/BrainPy#709; brainjit lags d, the corrected semantics)."""
    assert RECORD[name].get("delay_fixed", False) == (name in DELAYED)
    check_script(name, run(name))


X64_NAMES = [n for n in GENERIC if "x64" in RECORD[n]]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=XFAIL[n]))
                                  if n in XFAIL else n for n in X64_NAMES])
def test_script_matches_brainpy_float64(run, name):
    """The deterministic scripts after bm.enable_x64(): same layouts, the same spike steps, values within X64_TOL."""
    obs, rec = run(name, x64=True), RECORD[name]["x64"]
    assert sorted(k for k in obs if not k.startswith("x__")) == sorted(rec), f"{name}: observed keys"
    for key, r in rec.items():
        got = obs[key]
        assert list(got.shape) == r["shape"] and got.dtype.name == r["dtype"], \
            f"{name}: {key} {got.shape} {got.dtype}, BrainPy {r['shape']} {r['dtype']}"
        if got.dtype == bool:
            assert [a.tolist() for a in spike_trains(got)] == [b.tolist() for b in spike_trains(r)], f"{name}: {key}"
        elif "stride" not in r:
            assert got.ravel().tolist() == r["values"], f"{name}: {key}"
        else:
            have, want = got.astype(np.float64).ravel()[::r["stride"]], np.asarray(r["values"])
            scale = float(np.abs(want).max()) or 1.
            err = np.abs(have - want) / scale
            assert err.max() <= X64_TOL, f"{name}: {key}: float64 error {err.max():.2g} of the scale {scale}"


def test_every_script_is_recorded():
    on_disk = sorted(f[:-3] for f in os.listdir(SCRIPTS) if f[0] == "s" and f[1:3].isdigit() and f.endswith(".py"))
    assert on_disk == NAMES


def test_delay_latency_is_corrected_not_brainpys(run):
    """s25, the deliberate difference spelled out: an entry of d steps lags exactly d steps behind no delay in
    brainjit; unpatched BrainPy 2.8 lags max(d - 2, 0) steps, and a 1-step entry of a buffer of L rows lags L - 1."""
    name = "s25_delays_deterministic"
    obs, as_is = run(name), RECORD[name]["as_is"]
    spike = int(np.flatnonzero(obs["pre_spike"][:, 0])[0])
    steps = [0, 1, 2, 5]  # the VarDelay's entries none, 0.1, 0.2, 0.5 ms; its buffer has L = 5 rows
    seen = obs["vdelay_seen"]
    assert [int(np.flatnonzero(seen[:, j])[0]) - spike - 1 for j in range(4)] == steps
    theirs = np.asarray(as_is["vdelay_seen"]["values"]).reshape(as_is["vdelay_seen"]["shape"])
    assert [int(np.flatnonzero(theirs[:, j])[0]) - spike - 1 for j in range(4)] == [0, 5 - 1, 0, 5 - 2]


def test_runner_duration_whole_steps(run):
    """s26: DSRunner.run(duration) runs round(duration / dt) steps when that is a whole number up to floating point
    (0.3 ms at dt = 0.1 is 3 steps), where BrainPy 2.8 runs int(duration / dt) (2 steps): a deliberate difference.
    The steps both run agree within the float32 bounds."""
    name = "s26_runner_duration_steps"
    obs, rec = run(name), RECORD[name]["observed"]
    steps = {"d0_3": (3, 2), "d0_7": (7, 6), "d2_3": (23, 22), "d0_15": (1, 1), "d10": (100, 100)}  # ours, BrainPy
    assert sorted(obs) == sorted(rec)
    for tag, (ours, theirs) in steps.items():
        for key in ("V_" + tag, "ts_" + tag):
            r = rec[key][0]
            assert r["shape"][0] == theirs and obs[key].shape[0] == ours, key
            assert list(obs[key].shape[1:]) == r["shape"][1:] and obs[key].dtype.name == r["dtype"], key
            common = dict(r, shape=[theirs] + r["shape"][1:])
            compare_values(name, key, obs[key][:theirs], common, theirs)


def test_share_after_run_holds_the_last_step(run):
    """s22: after a DSRunner run, bp.share holds numbers, t of the last step (BrainPy 2.8.2 leaves a tracer there)."""
    t_after = run("s22_reset_state_linear")["x__t_after"]
    assert t_after.shape == () and float(t_after) == pytest.approx(599 * 0.1)


def test_ou_process_moments(run):
    """s18 against the Ornstein-Uhlenbeck process's exact moments at t = 4 (theta 0.5, mu 1, sigma 0.8, x0 = 0):
    mean mu (1 - e^{-theta t}), variance sigma^2 / (2 theta) (1 - e^{-2 theta t}); 2000 independent paths give the
    mean to within 4 standard errors and the variance to within 4 of its standard errors (sqrt(2 / n) of it); the
    Euler-Maruyama bias at dt = 0.01 is ~0.3% of either, far inside."""
    obs = run("s18_sdeint_ou")
    t, theta, mu, sigma, n = 4., 0.5, 1.0, 0.8, 2000
    mean, var = mu * (1 - np.exp(-theta * t)), sigma ** 2 / (2 * theta) * (1 - np.exp(-2 * theta * t))
    assert abs(float(obs["x_end_mean"]) - mean) <= 4 * np.sqrt(var / n)
    assert abs(float(obs["x_end_var"]) - var) <= 4 * var * np.sqrt(2 / n)
