"""A reduced decision-making network (examples/dynamics_simulation/decision_making_network.py): LifRef groups A, B,
N, I with R/tau_ref per group, AMPA-like Expon projections through FullProjAlignPostMg (COBA.desc), NMDA through
FullProjAlignPreDSMg with MgBlock, GABAa-like inhibition; the stimulus is a Variable set by a function input that
reads bp.share['i'] (the example's give_input); PoissonGroup noise replaced by a constant drive added with
add_inp_fun; the group's default update order (projections, then neurons); rates by bp.measure.firing_rate."""
import numpy as np

import brainjit as bp
import brainjit.math as bm


class ExpSyn(bp.Projection):
    def __init__(self, pre, post, prob, delay, g_max, tau, E):
        super().__init__()
        self.proj = bp.dyn.FullProjAlignPostMg(
            pre=pre, delay=delay,
            comm=bp.dnn.EventCSRLinear(bp.conn.FixedProb(prob, pre=pre.num, post=post.num), g_max),
            syn=bp.dyn.Expon.desc(post.num, tau=tau), out=bp.dyn.COBA.desc(E=E), post=post)


class NMDA(bp.Projection):
    def __init__(self, pre, post, prob, delay, g_max):
        super().__init__()
        self.proj = bp.dyn.FullProjAlignPreDSMg(
            pre=pre, delay=delay, syn=bp.dyn.NMDA.desc(pre.num, a=0.5, tau_decay=100., tau_rise=2.),
            comm=bp.dnn.CSRLinear(bp.conn.FixedProb(prob, pre=pre.num, post=post.num), g_max),
            out=bp.dyn.MgBlock(E=0., cc_Mg=1.0), post=post)


class DecisionMakingNet(bp.DynSysGroup):
    def __init__(self, scale=0.25, f=0.15):
        super().__init__()
        num_exc = int(1600 * scale)
        num_I, num_A, num_B = int(400 * scale), int(f * num_exc), int(f * num_exc)
        num_N = num_exc - num_A - num_B
        w_pos = 1.7
        w_neg = 1. - f * (w_pos - 1.) / (1. - f)
        g_E2E_AMPA, g_E2I_AMPA = 0.05 / scale, 0.04 / scale
        g_E2E_NMDA, g_E2I_NMDA = 0.165 / scale, 0.13 / scale
        g_I2E_GABAa, g_I2I_GABAa = 1.3 / scale, 1.0 / scale

        neu_par = dict(V_rest=-70., V_reset=-55., V_th=-50., V_initializer=bp.init.Uniform(-70., -50.))
        self.A = bp.dyn.LifRef(num_A, tau=20., R=0.04, tau_ref=2., **neu_par)
        self.B = bp.dyn.LifRef(num_B, tau=20., R=0.04, tau_ref=2., **neu_par)
        self.N = bp.dyn.LifRef(num_N, tau=20., R=0.04, tau_ref=2., **neu_par)
        self.I = bp.dyn.LifRef(num_I, tau=10., R=0.05, tau_ref=1., **neu_par)
        self.stim = bm.Variable(bm.zeros(2))

        E = [('A', self.A), ('B', self.B), ('N', self.N)]
        for pn, pre in E:
            for qn, post in E:
                w = 1. if qn == 'N' else (w_pos if pn == qn else w_neg)  # the example's weights
                setattr(self, f'{pn}2{qn}_AMPA', ExpSyn(pre, post, 1., 0.5, g_E2E_AMPA * w, tau=2., E=0.))
                setattr(self, f'{pn}2{qn}_NMDA', NMDA(pre, post, 1., 0.5, g_E2E_NMDA * w))
            setattr(self, f'{pn}2I_AMPA', ExpSyn(pre, self.I, 1., 0.5, g_E2I_AMPA, tau=2., E=0.))
            setattr(self, f'{pn}2I_NMDA', NMDA(pre, self.I, 1., 0.5, g_E2I_NMDA))
            setattr(self, f'I2{pn}', ExpSyn(self.I, pre, 1., 0.5, g_I2E_GABAa, tau=5., E=-70.))
        self.I2I = ExpSyn(self.I, self.I, 1., 0.5, g_I2I_GABAa, tau=5., E=-70.)

        # a constant drive (pA; R in GOhm) stands in for the example's Poisson noise; the stimulus adds to A and B
        self.A.add_inp_fun('drive', lambda V: 640. + self.stim[0])
        self.B.add_inp_fun('drive', lambda V: 640. + self.stim[1])
        self.N.add_inp_fun('drive', lambda V: 640.)
        self.I.add_inp_fun('drive', lambda V: 450.)


net = DecisionMakingNet()
IA = bm.asarray(np.concatenate([np.zeros(200), np.full(800, 60.)]))
IB = bm.asarray(np.concatenate([np.zeros(200), np.full(800, 20.)]))


def give_input():
    i = bp.share['i']
    net.stim[0] = IA[i]
    net.stim[1] = IB[i]


runner = bp.DSRunner(net, inputs=give_input, monitors=['A.spike', 'B.spike', 'I.spike', 'N.spike'],
                     progress_bar=False)
runner.run(100.)

observed = dict(A_spike=runner.mon['A.spike'], B_spike=runner.mon['B.spike'], I_spike=runner.mon['I.spike'],
                N_spike=runner.mon['N.spike'],
                A_rate=bp.measure.firing_rate(runner.mon['A.spike'], width=10.),
                B_rate=bp.measure.firing_rate(runner.mon['B.spike'], width=10.))
