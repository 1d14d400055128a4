"""Expon (align-post), DualExpon and Alpha (align-pre) synapses from one regularly firing neuron onto three post
neurons, in BrainPy's docstring style (SimpleNet, refs['syn'].g, bm.for_loop over step_run).
tau_ref is 4.95, not 5: with dt = 0.1 the refractory test t - t_last_spike <= 5 is an exact tie whose outcome XLA
decides by contracting i * dt - t_last into a fused multiply-add (the period then alternates 152/153 steps in BrainPy
depending on fusion), while the exactly rounded result is 5.0 (brainjit)."""
import numpy as np

import brainjit as bp
import brainjit.math as bm

lif = dict(V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=4.95, V_initializer=bp.init.Constant(-60.))


class SimpleNet(bp.DynSysGroup):
    def __init__(self):
        super().__init__()
        self.pre = bp.dyn.LifRef(1, **lif)
        self.post_e = bp.dyn.LifRef(1, **lif)
        self.post_d = bp.dyn.LifRef(1, **lif)
        self.post_a = bp.dyn.LifRef(1, **lif)
        self.expon = bp.dyn.ProjAlignPostMg2(
            pre=self.pre, delay=None,
            comm=bp.dnn.EventCSRLinear(bp.conn.FixedProb(1., pre=1, post=1), 2.),
            syn=bp.dyn.Expon.desc(1, tau=5.),
            out=bp.dyn.COBA.desc(E=0.),
            post=self.post_e)
        self.dual = bp.dyn.ProjAlignPreMg2(
            pre=self.pre, delay=None,
            syn=bp.dyn.DualExpon.desc(1, tau_decay=5., tau_rise=1.),
            comm=bp.dnn.CSRLinear(bp.conn.FixedProb(1., pre=1, post=1), 2.),
            out=bp.dyn.COBA(E=0.),
            post=self.post_d)
        self.alpha = bp.dyn.ProjAlignPreMg1(
            pre=self.pre, syn=bp.dyn.Alpha.desc(1, tau_decay=5.), delay=None,
            comm=bp.dnn.CSRLinear(bp.conn.FixedProb(1., pre=1, post=1), 2.),
            out=bp.dyn.COBA(E=0.),
            post=self.post_a)

    def update(self):
        self.pre(25.)
        self.expon()
        self.dual()
        self.alpha()
        self.post_e()
        self.post_d()
        self.post_a()
        g = bm.concatenate([self.expon.refs['syn'].g, self.dual.refs['syn'].g, self.alpha.refs['syn'].g])
        v = bm.concatenate([self.post_e.V, self.post_d.V, self.post_a.V])
        spk = bm.concatenate([self.post_e.spike, self.post_d.spike, self.post_a.spike])
        return self.pre.spike.value, g, v, spk


net = SimpleNet()
indices = np.arange(1000)  # 100 ms
pre_spikes, conductances, potentials, post_spikes = bm.for_loop(net.step_run, indices)

observed = dict(pre_spike=bm.as_numpy(pre_spikes), g=bm.as_numpy(conductances), V=bm.as_numpy(potentials),
                post_spike=bm.as_numpy(post_spikes))
