"""Kinetic synapses: AMPA (ProjAlignPreMg2, COBA), GABAa (ProjAlignPreMg1, COBA E=-80), NMDA with MgBlock
(FullProjAlignPreDSMg) and Expon with CUBA (HalfProjAlignPostMg), all from one regularly firing neuron.
tau_ref = 4.95 and T_dur = 0.55 / 1.05 (BrainPy's docstrings: 5, 0.5, 1) keep t - t_spike off exact ties with
dt = 0.1, which XLA's fused multiply-adds decide one way and exact rounding the other (see s08)."""
import numpy as np

import brainjit as bp
import brainjit.math as bm

lif = dict(V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=4.95, V_initializer=bp.init.Constant(-60.))


def one2one():
    return bp.conn.FixedProb(1., pre=1, post=1)


class KineticNet(bp.DynSysGroup):
    def __init__(self):
        super().__init__()
        self.pre = bp.dyn.LifRef(1, **lif)
        self.p_ampa = bp.dyn.LifRef(1, **lif)
        self.p_gaba = bp.dyn.LifRef(1, **lif)
        self.p_nmda = bp.dyn.LifRef(1, **lif)
        self.p_cuba = bp.dyn.LifRef(1, **lif)
        self.ampa = bp.dyn.ProjAlignPreMg2(
            pre=self.pre, delay=None,
            syn=bp.dyn.AMPA.desc(1, alpha=0.98, beta=0.18, T=0.5, T_dur=0.55),
            comm=bp.dnn.CSRLinear(one2one(), 1.),
            out=bp.dyn.COBA(E=0.), post=self.p_ampa)
        self.gaba = bp.dyn.ProjAlignPreMg1(
            pre=self.pre, syn=bp.dyn.GABAa.desc(1, alpha=0.53, beta=0.18, T=1., T_dur=1.05), delay=None,
            comm=bp.dnn.CSRLinear(one2one(), 1.),
            out=bp.dyn.COBA(E=-80.), post=self.p_gaba)
        self.nmda = bp.dyn.FullProjAlignPreDSMg(
            pre=self.pre, delay=None,
            syn=bp.dyn.NMDA.desc(1, a=0.5, tau_decay=100., tau_rise=2.),
            comm=bp.dnn.CSRLinear(one2one(), 0.5),
            out=bp.dyn.MgBlock(E=0., cc_Mg=1.2), post=self.p_nmda)
        self.cuba = bp.dyn.HalfProjAlignPostMg(
            comm=bp.dnn.EventCSRLinear(one2one(), 2.),
            syn=bp.dyn.Expon.desc(1, tau=5.),
            out=bp.dyn.CUBA.desc(), post=self.p_cuba)

    def update(self):
        self.ampa()
        self.gaba()
        self.nmda()
        self.cuba(self.pre.spike.value)
        self.pre(25.)
        self.p_ampa(7.)
        self.p_gaba(7.)
        self.p_nmda(7.)
        self.p_cuba(7.)
        g = bm.concatenate([self.ampa.refs['syn'].g, self.gaba.refs['syn'].g, self.nmda.refs['syn'].g,
                            self.cuba.refs['syn'].g])
        v = bm.concatenate([self.p_ampa.V, self.p_gaba.V, self.p_nmda.V, self.p_cuba.V])
        spk = bm.concatenate([self.p_ampa.spike, self.p_gaba.spike, self.p_nmda.spike, self.p_cuba.spike])
        return self.pre.spike.value, g, v, spk


net = KineticNet()
pre_spikes, conductances, potentials, post_spikes = bm.for_loop(net.step_run, np.arange(1500))  # 150 ms

observed = dict(pre_spike=bm.as_numpy(pre_spikes), g=bm.as_numpy(conductances), V=bm.as_numpy(potentials),
                post_spike=bm.as_numpy(post_spikes))
