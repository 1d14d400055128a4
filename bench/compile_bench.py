#!/usr/bin/env python3
"""compile_bench.py — cold and cached first calls (`make bench-compile`): the seed's selu (bench/first_call.c: its
first call, trace to result) and the COBA and COBA-HH networks of examples/ (4,000 neurons: "trace + compile" of
their init and run functions), each in a fresh process, with an empty cache directory (cold) or one holding the
entries (cached). Prints the median and range of --reps runs per row, in ms.

usage: compile_bench.py [--build DIR] [--reps N] [--only selu,coba,coba_hh]"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile


def run_once(cmd, cache):
    env = dict(os.environ, BJ_CACHE_DIR=cache)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    m = re.search(r"first_call_ms ([0-9.]+)", out) or re.search(r"compile_s=([0-9.]+)", out)
    if not m:
        sys.exit("compile_bench: no timing in the output of %s:\n%s" % (" ".join(cmd), out))
    return float(m.group(1)) * (1 if "first_call_ms" in m.group(0) else 1000)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="the build directory (default build)")
    ap.add_argument("--reps", type=int, default=5, help="runs per row (default 5)")
    ap.add_argument("--only", default="selu,coba,coba_hh", help="rows, comma-separated")
    a = ap.parse_args()
    cmds = {
        "selu": [os.path.join(a.build, "bench", "first_call")],
        "coba": [os.path.join(a.build, "examples", "coba"), "--quiet", "--duration", "0.001"],
        "coba_hh": [os.path.join(a.build, "examples", "coba_hh"), "--quiet", "--duration", "0.001"],
    }
    root = tempfile.mkdtemp(prefix="bj-compile-bench-")
    print("%-10s %-7s %10s %21s" % ("function", "cache", "median ms", "range ms"))
    try:
        for name in a.only.split(","):
            cache = os.path.join(root, name)
            for kind in ("cold", "cached"):
                ts = []
                for _ in range(a.reps):
                    if kind == "cold":
                        shutil.rmtree(cache, ignore_errors=True)
                    ts.append(run_once(cmds[name], cache))
                print("%-10s %-7s %10.1f %10.1f - %8.1f" % (name, kind, statistics.median(ts), min(ts), max(ts)),
                      flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
