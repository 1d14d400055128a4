"""coba_hh.py — the COBA-HH network (Brette et al. 2007, benchmark 3, as Brian2's example): Hodgkin-Huxley neurons
with Traub-Miles kinetics written as BrainPy's tutorials write a neuron model (a bp.dyn.NeuDyn subclass whose
equations are one bp.JointEq integrated by bp.odeint with exponential Euler), exponential conductances with COBA
outputs through HalfProjAlignPost, run by bp.DSRunner. Units: mV, ms, nS, pF.

usage: python examples/python/coba_hh.py [--n N] [--duration MS] [--seed K] [--backend cpu|interp] [--f64] [--quiet]
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

Cm, gl, El = 200., 10., -60.           # pF, nS, mV
g_Na, ENa, g_Kd, EK = 20000., 50., 6000., -90.
VT, V_spike = -63., -20.


def comm_layer(comm, n_pre, n_post, prob, weight, seed):
    """The communication of one projection: stored CSR rows (EventCSRLinear on FixedProb) or the same network
    generated on the fly in the kernel (EventJitFPHomoLinear)."""
    if comm == 'jit':
        return bp.dnn.EventJitFPHomoLinear(n_pre, n_post, prob=prob, weight=weight, seed=seed)
    return bp.dnn.EventCSRLinear(bp.conn.FixedProb(prob, pre=n_pre, post=n_post, seed=seed), weight)


class HH(bp.dyn.NeuDyn):
    def __init__(self, size, method='exp_auto'):
        super().__init__(size)
        self.V = bm.Variable(El + (bm.random.randn(self.num) * 5. - 5.))
        self.m = bm.Variable(bm.zeros(self.num))
        self.h = bm.Variable(bm.zeros(self.num))
        self.n = bm.Variable(bm.zeros(self.num))
        self.spike = bm.Variable(bm.zeros(self.num, dtype=bool))
        self.integral = bp.odeint(bp.JointEq(self.dV, self.dm, self.dh, self.dn), method=method)

    def dV(self, V, t, m, h, n, I):
        I = self.sum_current_inputs(V, init=I)
        g_na = g_Na * m * m * m * h
        g_kd = g_Kd * n * n * n * n
        return (gl * (El - V) - g_na * (V - ENa) - g_kd * (V - EK) + I) / Cm

    def dm(self, m, t, V):
        a = 13. - V + VT
        b = V - VT - 40.
        alpha = 0.32 * 4. / bm.exprel(a / 4.)
        beta = 0.28 * 5. / bm.exprel(b / 5.)
        return alpha * (1. - m) - beta * m

    def dh(self, h, t, V):
        alpha = 0.128 * bm.exp((17. - V + VT) / 18.)
        beta = 4. / (1. + bm.exp(-(V - VT - 40.) / 5.))
        return alpha * (1. - h) - beta * h

    def dn(self, n, t, V):
        c = 15. - V + VT
        alpha = 0.032 * 5. / bm.exprel(c / 5.)
        beta = .5 * bm.exp((10. - V + VT) / 40.)
        return alpha * (1. - n) - beta * n

    def update(self, x=0.):
        t, dt = bp.share.load('t'), bp.share.load('dt')
        V, m, h, n = self.integral(self.V.value, self.m.value, self.h.value, self.n.value, t, x, dt)
        self.spike.value = bm.logical_and(self.V < V_spike, V >= V_spike)
        self.V.value, self.m.value, self.h.value, self.n.value = V, m, h, n
        return self.spike.value

    def return_info(self):  # what projections read from this population (through their delay)
        return self.spike


class COBAHH(bp.DynSysGroup):
    """One population of HH neurons, the first 80% excitatory; each group's spikes reach every neuron through its
    own connectivity, exponential conductance and COBA output (examples/coba_hh.c's network and seeds)."""

    def __init__(self, num, prob=0.02, seed=None, comm='csr'):
        super().__init__()
        self.ne = num * 4 // 5
        self.N = HH(num)
        self.delay = bp.VarDelay(self.N.spike, entries={'I': None})
        s_e, s_i = (None, None) if seed is None else (seed * 8 + 1, seed * 8 + 2)
        self.E = bp.dyn.HalfProjAlignPost(comm=comm_layer(comm, self.ne, num, prob, 6., s_e),
                                          syn=bp.dyn.Expon(size=num, tau=5.), out=bp.dyn.COBA(E=0.), post=self.N)
        self.I = bp.dyn.HalfProjAlignPost(comm=comm_layer(comm, num - self.ne, num, prob, 67., s_i),
                                          syn=bp.dyn.Expon(size=num, tau=10.), out=bp.dyn.COBA(E=-80.), post=self.N)

    def update(self):
        spk = self.delay.at('I')  # the last step's spikes act now
        self.E(spk[:self.ne])
        self.I(spk[self.ne:])
        self.delay(self.N())


def main(argv=None):
    ap = argparse.ArgumentParser(description='COBA-HH network through bp.DSRunner')
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
    net = COBAHH(a.n, prob=min(1., 80. / a.n), seed=a.seed, comm=a.comm)
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
    print(f'COBA-HH {a.n} neurons, {a.duration:g} ms: E {se.sum() / ne / sec:.1f} Hz, '
          f'I {si.sum() / (a.n - ne) / sec:.1f} Hz; build {build:.3f} s, run {wall:.3f} s '
          f'({wall / sec:.4f} s per simulated s, compile included)')


if __name__ == '__main__':
    main()
