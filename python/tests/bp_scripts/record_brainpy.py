"""Records what each script in this folder observes when run under BrainPy 2.8.2 (brainjit bound to brainpy), into
brainpy_2_8_2.json.gz, which test_bp_scripts.py compares brainjit's runs against. Run it with BrainPy's interpreter:
    /work/venv-bp/bin/python python/tests/bp_scripts/record_brainpy.py [script names...]
A script whose observations differ between seeds 0 and 1 is random: it is then run with seeds 0..7 and every seed's
summary is kept, so the test can draw its band from BrainPy's own seed-to-seed spread.
Scripts in DELAY_FIXED use delays > 0. BrainPy 2.4-2.8's ring buffer gives an entry of d >= 1 steps a latency of
max(d - 2, 0) steps over no delay when read before the delay is written, as projections do (brainpy/BrainPy#709);
brainjit gives d. Those scripts are recorded with BrainPy's delay steps patched to d + 2 (so its latency is d), and
seed 0 once more unpatched ("as_is") to document the difference.
A deterministic script is also run in float64 (bm.enable_x64() before it, "x64"): all its spikes and X64_VALUES
evenly strided values of each float array (full precision) are kept, for a test far tighter than float32 allows."""
import glob
import gzip
import json
import os
import pickle
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "brainpy_2_8_2.json.gz")  # gzip (mtime 0: the same bytes for the same record)
MAX_EVENTS = 3000   # spike rasters with more events keep only their counts
MAX_VALUES = 12000  # float arrays larger than this keep only summaries
N_SEEDS = 8         # runs of a random script (the test's band is drawn from their spread)
X64_VALUES = 400    # float64 values kept per array (evenly strided)
DELAY_FIXED = {"s13_full_proj_align_post_delay", "s15_full_proj_align_pre_sd_ds", "s24_decision_making_lite",
               "s25_delays_deterministic"}


def fix_delays():
    """Patches BrainPy's time-to-steps conversion so an entry of d >= 1 steps is stored as d + 2 steps: read before
    the write, as projections do, it then lags exactly d steps (the semantics brainjit implements)."""
    import brainpy.delay
    steps_of = brainpy.delay._get_delay

    def patched(delay_time, delay_step):
        delay_time, delay_step = steps_of(delay_time, delay_step)
        return delay_time, (delay_step + 2 if delay_step else delay_step)
    brainpy.delay._get_delay = patched


def child(script, seed, dump, fixed, x64):
    """Runs one script with the names bound to BrainPy; pickles its `observed` dict as numpy arrays."""
    import brainpy
    import brainpy.math
    if x64:
        brainpy.math.enable_x64()
    if fixed:
        fix_delays()
    sys.modules["brainjit"] = brainpy
    sys.modules["brainjit.math"] = brainpy.math
    import runpy
    brainpy.math.random.seed(seed)
    np.random.seed(seed)
    g = runpy.run_path(script, run_name="__main__")
    obs = {k: np.asarray(brainpy.math.as_numpy(v)) for k, v in g["observed"].items()}
    with open(dump, "wb") as f:
        pickle.dump(obs, f)


def summarise(a, keep_events=True):
    """Layout; spikes' count, per-step counts and (deterministic runs) events; floats' mean, std and values."""
    d = {"shape": list(a.shape), "dtype": a.dtype.name}
    if a.dtype == bool:
        ev = np.argwhere(a)
        d["count"] = int(ev.shape[0])
        if a.ndim == 2:
            d["count_per_step"] = None if a.shape[0] > MAX_VALUES else a.sum(1).tolist()
        if keep_events and ev.shape[0] <= MAX_EVENTS:
            d["events"] = ev.tolist()
    else:
        f = a.astype(np.float64)
        d["mean"] = float(f.mean()) if f.size else 0.0
        d["std"] = float(f.std()) if f.size else 0.0
        if f.size <= MAX_VALUES:
            d["values"] = [float("%.7g" % v) for v in f.ravel()]
    return d


def summarise_x64(a):
    """Float64 run: layout, spikes as summarise() keeps them, every stride-th float value in full precision."""
    if a.dtype == bool or a.dtype.kind in "iu":
        return summarise(a)
    stride = max(1, -(-a.size // X64_VALUES))
    return {"shape": list(a.shape), "dtype": a.dtype.name, "stride": stride,
            "values": [float(v) for v in a.astype(np.float64).ravel()[::stride]]}


def run_once(script, seed, fixed=False, x64=False):
    dump = os.path.join("/tmp", f"bp_obs_{os.getpid()}_{seed}.pkl")
    p = subprocess.run([sys.executable, __file__, "--child", script, str(seed), dump, str(int(fixed)), str(int(x64))],
                       capture_output=True, text=True, timeout=1200)
    if p.returncode != 0:
        raise RuntimeError(f"{script} (seed {seed}) failed under BrainPy:\n{p.stderr[-4000:]}")
    with open(dump, "rb") as f:
        obs = pickle.load(f)
    os.remove(dump)
    return obs


def same(a, b):
    return a.keys() == b.keys() and all(a[k].shape == b[k].shape and np.array_equal(a[k], b[k]) for k in a)


def record(script, name):
    fixed = name in DELAY_FIXED
    first, second = run_once(script, 0, fixed), run_once(script, 1, fixed)
    runs = [first] if same(first, second) else [first, second] + [run_once(script, s, fixed) for s in range(2, N_SEEDS)]
    rec = {"random": len(runs) > 1, "delay_fixed": fixed,
           "observed": {k: [summarise(r[k], keep_events=len(runs) == 1) for r in runs] for k in first}}
    if fixed:
        as_is = run_once(script, 0)
        rec["as_is"] = {k: summarise(v) for k, v in as_is.items()}
    if not rec["random"]:
        rec["x64"] = {k: summarise_x64(v) for k, v in run_once(script, 0, fixed, x64=True).items()}
    return rec


def main(names):
    import brainpy
    data = {"brainpy": brainpy.__version__, "scripts": {}}
    if os.path.exists(OUT):
        with open(OUT, "rb") as f:
            data["scripts"] = json.loads(gzip.decompress(f.read()))["scripts"]
    scripts = sorted(glob.glob(os.path.join(HERE, "s[0-9]*.py")))
    for s in scripts:
        name = os.path.splitext(os.path.basename(s))[0]
        if names and name not in names:
            continue
        print("recording", name, flush=True)
        try:
            data["scripts"][name] = record(s, name)
        except RuntimeError as e:
            print(e, flush=True)
    data["scripts"] = {k: data["scripts"][k] for k in sorted(data["scripts"])}
    with open(OUT, "wb") as f:
        f.write(gzip.compress((json.dumps(data, separators=(",", ":")) + "\n").encode(), 9, mtime=0))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1", sys.argv[6] == "1")
    else:
        main(sys.argv[1:])
