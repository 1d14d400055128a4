"""examples/dynamics_simulation/COBA.py, EICOBA_PreAlign at a tenth of the size (in-degree kept at 80): LifRefLTC,
ProjAlignPreMg1 with CSRLinear and COBA, a DynamicalSystem with update(), DSRunner with a dict monitor."""
import brainjit as bp
import brainjit.math as bm

neu_pars = dict(V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                V_initializer=bp.init.Normal(-55., 2.))


class EICOBA_PreAlign(bp.DynamicalSystem):
    def __init__(self, num_exc, num_inh, inp=20.):
        super().__init__()
        self.inp = inp
        self.E = bp.dyn.LifRefLTC(num_exc, **neu_pars)
        self.I = bp.dyn.LifRefLTC(num_inh, **neu_pars)
        prob = 80. / (num_exc + num_inh)

        self.E2I = bp.dyn.ProjAlignPreMg1(
            pre=self.E, syn=bp.dyn.Expon.desc(self.E.varshape, tau=5.), delay=None,
            comm=bp.dnn.CSRLinear(bp.conn.FixedProb(prob, pre=self.E.num, post=self.I.num), 0.6),
            out=bp.dyn.COBA(E=0.), post=self.I)
        self.E2E = bp.dyn.ProjAlignPreMg1(
            pre=self.E, syn=bp.dyn.Expon.desc(self.E.varshape, tau=5.), delay=None,
            comm=bp.dnn.CSRLinear(bp.conn.FixedProb(prob, pre=self.E.num, post=self.E.num), 0.6),
            out=bp.dyn.COBA(E=0.), post=self.E)
        self.I2E = bp.dyn.ProjAlignPreMg1(
            pre=self.I, syn=bp.dyn.Expon.desc(self.I.varshape, tau=10.), delay=None,
            comm=bp.dnn.CSRLinear(bp.conn.FixedProb(prob, pre=self.I.num, post=self.E.num), 6.7),
            out=bp.dyn.COBA(E=-80.), post=self.E)
        self.I2I = bp.dyn.ProjAlignPreMg1(
            pre=self.I, syn=bp.dyn.Expon.desc(self.I.varshape, tau=10.), delay=0.,
            comm=bp.dnn.CSRLinear(bp.conn.FixedProb(prob, pre=self.I.num, post=self.I.num), 6.7),
            out=bp.dyn.COBA(E=-80.), post=self.I)

    def update(self):
        self.E2I()
        self.I2I()
        self.I2E()
        self.E2E()
        self.E(self.inp)
        self.I(self.inp)


net = EICOBA_PreAlign(320, 80)
runner = bp.DSRunner(net, monitors={'E.spike': net.E.spike, 'I.spike': net.I.spike}, progress_bar=False)
runner.run(100.)

observed = dict(ts=runner.mon.ts, E_spike=runner.mon['E.spike'], I_spike=runner.mon['I.spike'],
                E_rate=bp.measure.firing_rate(runner.mon['E.spike'], 10.))
