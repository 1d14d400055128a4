"""docs/tutorial_building/customize_neuron_models: HH and LIF written as bp.dyn.NeuDyn subclasses with one
bp.odeint(method='exp_auto') per variable, reading bp.share['t'] / ['dt']; run by DSRunner(inputs=numpy array).
Initial states are fixed here (the tutorial draws V at random) so that the run is deterministic."""
import numpy as np

import brainjit as bp
import brainjit.math as bm


class HH(bp.dyn.NeuDyn):
    def __init__(self, size, ENa=50., gNa=120., EK=-77., gK=36., EL=-54.387, gL=0.03,
                 V_th=20., C=1.0, **kwargs):
        super(HH, self).__init__(size=size, **kwargs)
        self.ENa, self.EK, self.EL = ENa, EK, EL
        self.gNa, self.gK, self.gL = gNa, gK, gL
        self.C = C
        self.V_th = V_th

        self.V = bm.Variable(bm.ones(self.num) * -70.)
        self.m = bm.Variable(0.5 * bm.ones(self.num))
        self.h = bm.Variable(0.6 * bm.ones(self.num))
        self.n = bm.Variable(0.32 * bm.ones(self.num))
        self.spike = bm.Variable(bm.zeros(self.num, dtype=bool))
        self.t_last_spike = bm.Variable(bm.ones(self.num) * -1e7)

        self.int_V = bp.odeint(f=self.dV, method='exp_auto')
        self.int_m = bp.odeint(f=self.dm, method='exp_auto')
        self.int_h = bp.odeint(f=self.dh, method='exp_auto')
        self.int_n = bp.odeint(f=self.dn, method='exp_auto')

    def dV(self, V, t, m, h, n, Iext):
        I_Na = (self.gNa * m ** 3.0 * h) * (V - self.ENa)
        I_K = (self.gK * n ** 4.0) * (V - self.EK)
        I_leak = self.gL * (V - self.EL)
        return (- I_Na - I_K - I_leak + Iext) / self.C

    def dm(self, m, t, V):
        alpha = 0.1 * (V + 40) / (1 - bm.exp(-(V + 40) / 10))
        beta = 4.0 * bm.exp(-(V + 65) / 18)
        return alpha * (1 - m) - beta * m

    def dh(self, h, t, V):
        alpha = 0.07 * bm.exp(-(V + 65) / 20.)
        beta = 1 / (1 + bm.exp(-(V + 35) / 10))
        return alpha * (1 - h) - beta * h

    def dn(self, n, t, V):
        alpha = 0.01 * (V + 55) / (1 - bm.exp(-(V + 55) / 10))
        beta = 0.125 * bm.exp(-(V + 65) / 80)
        return alpha * (1 - n) - beta * n

    def update(self, x=None):
        _t = bp.share['t']
        _dt = bp.share['dt']
        x = 0. if x is None else x
        V = self.int_V(self.V, _t, self.m, self.h, self.n, x, dt=_dt)
        self.h.value = self.int_h(self.h, _t, self.V, dt=_dt)
        self.m.value = self.int_m(self.m, _t, self.V, dt=_dt)
        self.n.value = self.int_n(self.n, _t, self.V, dt=_dt)
        self.spike.value = bm.logical_and(self.V < self.V_th, V >= self.V_th)
        self.t_last_spike.value = bm.where(self.spike, _t, self.t_last_spike)
        self.V.value = V


class LIF(bp.dyn.NeuDyn):
    def __init__(self, size, V_rest=0., V_reset=-5., V_th=20., R=1., tau=10., t_ref=5., **kwargs):
        super(LIF, self).__init__(size=size, **kwargs)
        self.V_rest, self.V_reset, self.V_th = V_rest, V_reset, V_th
        self.R, self.tau, self.t_ref = R, tau, t_ref

        self.V = bm.Variable(bm.ones(self.num) * V_reset)
        self.t_last_spike = bm.Variable(bm.ones(self.num) * -1e7)
        self.refractory = bm.Variable(bm.zeros(self.num, dtype=bool))
        self.spike = bm.Variable(bm.zeros(self.num, dtype=bool))
        self.integral = bp.odeint(f=self.derivative, method='exp_auto')

    def derivative(self, V, t, Iext):
        return (-V + self.V_rest + self.R * Iext) / self.tau

    def update(self, x=None):
        _t = bp.share['t']
        _dt = bp.share['dt']
        x = 0. if x is None else x
        refractory = (_t - self.t_last_spike) <= self.t_ref
        V = self.integral(self.V, _t, x, dt=_dt)
        V = bm.where(refractory, self.V, V)
        spike = self.V_th <= V
        self.spike.value = spike
        self.t_last_spike.value = bm.where(spike, _t, self.t_last_spike)
        self.V.value = bm.where(spike, self.V_reset, V)
        self.refractory.value = bm.logical_or(refractory, spike)


neu = HH(2)
runner = bp.DSRunner(neu, monitors=['V', 'spike'], progress_bar=False)
runner.run(inputs=np.ones(int(50. / bm.get_dt())) * 6.)  # 50 ms

group = LIF(2)
runner2 = bp.DSRunner(group, monitors=['V', 'spike'], progress_bar=False)
runner2.run(inputs=np.ones(int(100. / bm.get_dt())) * 22.)  # 100 ms

observed = dict(hh_V=runner.mon.V, hh_spike=runner.mon.spike, lif_V=runner2.mon.V, lif_spike=runner2.mon.spike)
