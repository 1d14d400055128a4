"""hh_neuron.py — one Hodgkin-Huxley neuron (bp.dyn.HH) driven by a step current from bp.inputs.section_input, run
by bp.DSRunner with the membrane potential and spikes monitored, as BrainPy's HH tutorial does. Prints the spike
times; with matplotlib installed, --plot shows V(t).

usage: python examples/python/hh_neuron.py [--method exp_auto|rk4|euler|...] [--dt MS] [--plot]
"""
import argparse
import os
import sys

try:
    import brainjit as bp
    import brainjit.math as bm
except ImportError:  # run from a checkout without installing: <root>/python holds the package
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'python'))
    import brainjit as bp
    import brainjit.math as bm


def main(argv=None):
    ap = argparse.ArgumentParser(description='one HH neuron under a step current')
    ap.add_argument('--method', default='exp_auto')
    ap.add_argument('--dt', type=float, default=0.01)
    ap.add_argument('--plot', action='store_true')
    a = ap.parse_args(argv)
    bm.set_dt(a.dt)
    neu = bp.dyn.HH(1, method=a.method)
    current = bp.inputs.section_input(values=[0., 10., 0.], durations=[20., 100., 30.])
    runner = bp.DSRunner(neu, monitors=['V', 'spike'], progress_bar=False)
    runner.run(inputs=current)  # the run lasts as long as the input; step k passes current[k] to neu.update
    ts, spk = runner.mon.ts, runner.mon['spike'][:, 0]
    times = [round(float(t), 3) for t in ts[spk]]
    print(f'HH ({a.method}, dt {a.dt} ms): {len(times)} spikes at {times} ms; '
          f'V in [{runner.mon["V"].min():.1f}, {runner.mon["V"].max():.1f}] mV')
    if a.plot:
        bp.visualize.line_plot(ts, runner.mon['V'], ylabel='V (mV)', show=True)


if __name__ == '__main__':
    main()
