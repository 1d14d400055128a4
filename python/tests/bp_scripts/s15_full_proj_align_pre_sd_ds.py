"""ei_nets.py model4 and model5: FullProjAlignPreSDMg and FullProjAlignPreDSMg (Expon.desc, delay 0.1 ms,
JitFPHomoLinear, COBA) between LifRefLTC populations, bm.for_loop over step_run (half the size)."""
import brainjit as bp
import brainjit.math as bm


class EINet(bp.DynSysGroup):
    def __init__(self, proj, ne=1600, ni=400):
        super().__init__()
        p = 80. / (ne + ni)
        self.E = bp.dyn.LifRefLTC(ne, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                  V_initializer=bp.init.Normal(-55., 2.))
        self.I = bp.dyn.LifRefLTC(ni, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                  V_initializer=bp.init.Normal(-55., 2.))
        self.E2E = proj(pre=self.E, syn=bp.dyn.Expon.desc(size=ne, tau=5.), delay=0.1,
                        comm=bp.dnn.JitFPHomoLinear(ne, ne, prob=p, weight=0.6),
                        out=bp.dyn.COBA(E=0.), post=self.E)
        self.E2I = proj(pre=self.E, syn=bp.dyn.Expon.desc(size=ne, tau=5.), delay=0.1,
                        comm=bp.dnn.JitFPHomoLinear(ne, ni, prob=p, weight=0.6),
                        out=bp.dyn.COBA(E=0.), post=self.I)
        self.I2E = proj(pre=self.I, syn=bp.dyn.Expon.desc(size=ni, tau=10.), delay=0.1,
                        comm=bp.dnn.JitFPHomoLinear(ni, ne, prob=p, weight=6.7),
                        out=bp.dyn.COBA(E=-80.), post=self.E)
        self.I2I = proj(pre=self.I, syn=bp.dyn.Expon.desc(size=ni, tau=10.), delay=0.1,
                        comm=bp.dnn.JitFPHomoLinear(ni, ni, prob=p, weight=6.7),
                        out=bp.dyn.COBA(E=-80.), post=self.I)

    def update(self, inp):
        self.E2E()
        self.E2I()
        self.I2E()
        self.I2I()
        self.E(inp)
        self.I(inp)
        return self.E.spike


indices = bm.arange(1000)
sd = EINet(bp.dyn.FullProjAlignPreSDMg)
spks_sd = bm.for_loop(lambda i: sd.step_run(i, 20.), indices)
ds = EINet(bp.dyn.FullProjAlignPreDSMg)
spks_ds = bm.for_loop(lambda i: ds.step_run(i, 20.), indices)

observed = dict(spike_sd=bm.as_numpy(spks_sd), spike_ds=bm.as_numpy(spks_ds))
