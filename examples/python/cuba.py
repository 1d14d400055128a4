"""cuba.py — the CUBA network (Vogels and Abbott 2005, as Brian2's example and Brette et al. 2007) written as
BrainPy's 2.4+ examples write networks: LifRef neurons (resting level above threshold drives them), Expon synapses
with CUBA outputs through HalfProjAlignPost and EventCSRLinear, run by bp.DSRunner. Only the import lines differ from
a BrainPy script.

usage: python examples/python/cuba.py [--n N] [--duration MS] [--seed K] [--backend cpu|interp] [--f64] [--quiet]
N neurons (80% excitatory), about 80 inputs per neuron (prob = 80 / N, as examples/cuba.c), weights 1.62 and -9 mV.
"""
import argparse
import os
import sys
import time

try:
    import brainjit as bp
    import brainjit.math as bm
except ImportError:  # run from a checkout without installing: <root>/python holds the package
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'python'))
    import brainjit as bp
    import brainjit.math as bm

neu_pars = dict(V_rest=-49., V_th=-50., V_reset=-60., tau=20., tau_ref=5.)


def comm_layer(comm, n_pre, n_post, prob, weight, seed):
    """The communication of one projection: stored CSR rows (EventCSRLinear on FixedProb) or the same network
    generated on the fly in the kernel (EventJitFPHomoLinear)."""
    if comm == 'jit':
        return bp.dnn.EventJitFPHomoLinear(n_pre, n_post, prob=prob, weight=weight, seed=seed)
    return bp.dnn.EventCSRLinear(bp.conn.FixedProb(prob, pre=n_pre, post=n_post, seed=seed), weight)


class CUBA(bp.DynSysGroup):
    """One population of LifRef neurons, the first 80% excitatory; each group's spikes reach every neuron through
    its own connectivity, exponential synapse and CUBA output (examples/cuba.c's network and seeds)."""

    def __init__(self, num, prob=0.02, seed=None, comm='csr'):
        super().__init__()
        self.ne = num * 4 // 5
        self.N = bp.dyn.LifRef(num, V_initializer=bp.init.Uniform(-60., -50., seed=seed), **neu_pars)
        self.delay = bp.VarDelay(self.N.spike, entries={'I': None})
        s_e, s_i = (None, None) if seed is None else (seed * 8 + 1, seed * 8 + 2)
        self.E = bp.dyn.HalfProjAlignPost(comm=comm_layer(comm, self.ne, num, prob, 1.62, s_e),
                                          syn=bp.dyn.Expon(size=num, tau=5.), out=bp.dyn.CUBA(), post=self.N)
        self.I = bp.dyn.HalfProjAlignPost(comm=comm_layer(comm, num - self.ne, num, prob, -9., s_i),
                                          syn=bp.dyn.Expon(size=num, tau=10.), out=bp.dyn.CUBA(), post=self.N)

    def update(self):
        spk = self.delay.at('I')  # the last step's spikes act now
        self.E(spk[:self.ne])
        self.I(spk[self.ne:])
        self.delay(self.N())


def main(argv=None):
    ap = argparse.ArgumentParser(description='CUBA network through bp.DSRunner')
    ap.add_argument('--n', type=int, default=4000)
    ap.add_argument('--duration', type=float, default=1000., help='simulated ms')
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--backend', default='cpu', choices=['cpu', 'interp'])
    ap.add_argument('--f64', action='store_true')
    ap.add_argument('--quiet', action='store_true')
    ap.add_argument('--comm', default='csr', choices=['csr', 'jit'], help='stored or procedural connectivity')
    a = ap.parse_args(argv)
    if a.f64:
        bm.enable_x64()
    bm.random.seed(a.seed)
    t0 = time.perf_counter()
    net = CUBA(a.n, prob=min(1., 80. / a.n), seed=a.seed, comm=a.comm)
    build = time.perf_counter() - t0
    ne = net.ne
    mons = {'E.spike': lambda: net.N.spike[:ne], 'I.spike': lambda: net.N.spike[ne:]}
    runner = bp.DSRunner(net, monitors=mons, progress_bar=not a.quiet,
                         **({} if a.backend == 'cpu' else {'backend': a.backend}))
    t0 = time.perf_counter()
    runner.run(a.duration)
    wall = time.perf_counter() - t0
    sec = a.duration / 1000.
    se, si = runner.mon['E.spike'], runner.mon['I.spike']
    print(f'CUBA {a.n} neurons, {a.duration:g} ms: E {se.sum() / ne / sec:.1f} Hz, I {si.sum() / (a.n - ne) / sec:.1f} Hz; '
          f'build {build:.3f} s, run {wall:.3f} s ({wall / sec:.4f} s per simulated s, compile included)')


if __name__ == '__main__':
    main()
