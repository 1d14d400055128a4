"""COBA.py run4: bm.set(dt=0.5) before building, EICOBA_PostAlign with ProjAlignPostMg2 (EventCSRLinear,
Expon.desc, COBA.desc) on LifRefLTC; a tenth of the size, in-degree kept at 80."""
import brainjit as bp
import brainjit.math as bm

neu_pars = dict(V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                V_initializer=bp.init.Normal(-55., 2.))


class EICOBA_PostAlign(bp.DynamicalSystem):
    def __init__(self, num_exc, num_inh, inp=20., ltc=True):
        super().__init__()
        self.inp = inp
        if ltc:
            self.E = bp.dyn.LifRefLTC(num_exc, **neu_pars)
            self.I = bp.dyn.LifRefLTC(num_inh, **neu_pars)
        else:
            self.E = bp.dyn.LifRef(num_exc, **neu_pars)
            self.I = bp.dyn.LifRef(num_inh, **neu_pars)
        prob = 80. / (num_exc + num_inh)

        def proj(pre, post, w, tau, E):
            return bp.dyn.ProjAlignPostMg2(
                pre=pre, delay=None,
                comm=bp.dnn.EventCSRLinear(bp.conn.FixedProb(prob, pre=pre.num, post=post.num), w),
                syn=bp.dyn.Expon.desc(post.varshape, tau=tau),
                out=bp.dyn.COBA.desc(E=E), post=post)

        self.E2E = proj(self.E, self.E, 0.6, 5., 0.)
        self.E2I = proj(self.E, self.I, 0.6, 5., 0.)
        self.I2E = proj(self.I, self.E, 6.7, 10., -80.)
        self.I2I = proj(self.I, self.I, 6.7, 10., -80.)

    def update(self):
        self.E2I()
        self.I2I()
        self.I2E()
        self.E2E()
        self.E(self.inp)
        self.I(self.inp)


bm.set(dt=0.5)
net = EICOBA_PostAlign(320, 80, ltc=True)
runner = bp.DSRunner(net, monitors={'E.spike': net.E.spike}, progress_bar=False)
runner.run(100.)

observed = dict(dt=bm.get_dt(), ts=runner.mon.ts, E_spike=runner.mon['E.spike'])
