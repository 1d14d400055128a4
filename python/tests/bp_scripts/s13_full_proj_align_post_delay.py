"""ei_nets.py model2: E/I LifRefLTC with FullProjAlignPost (delay=0.1 ms, EventJitFPHomoLinear, Expon, COBA),
bm.for_loop over step_run with a constant input; also the delay=None variant (half the size)."""
import brainjit as bp
import brainjit.math as bm


class EINet(bp.DynSysGroup):
    def __init__(self, ne=1600, ni=400, delay=0.1):
        super().__init__()
        p = 80. / (ne + ni)
        self.E = bp.dyn.LifRefLTC(ne, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                  V_initializer=bp.init.Normal(-55., 2.))
        self.I = bp.dyn.LifRefLTC(ni, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                  V_initializer=bp.init.Normal(-55., 2.))
        self.E2E = bp.dyn.FullProjAlignPost(pre=self.E, delay=delay,
                                            comm=bp.dnn.EventJitFPHomoLinear(ne, ne, prob=p, weight=0.6),
                                            syn=bp.dyn.Expon(size=ne, tau=5.),
                                            out=bp.dyn.COBA(E=0.), post=self.E)
        self.E2I = bp.dyn.FullProjAlignPost(pre=self.E, delay=delay,
                                            comm=bp.dnn.EventJitFPHomoLinear(ne, ni, prob=p, weight=0.6),
                                            syn=bp.dyn.Expon(size=ni, tau=5.),
                                            out=bp.dyn.COBA(E=0.), post=self.I)
        self.I2E = bp.dyn.FullProjAlignPost(pre=self.I, delay=delay,
                                            comm=bp.dnn.EventJitFPHomoLinear(ni, ne, prob=p, weight=6.7),
                                            syn=bp.dyn.Expon(size=ne, tau=10.),
                                            out=bp.dyn.COBA(E=-80.), post=self.E)
        self.I2I = bp.dyn.FullProjAlignPost(pre=self.I, delay=delay,
                                            comm=bp.dnn.EventJitFPHomoLinear(ni, ni, prob=p, weight=6.7),
                                            syn=bp.dyn.Expon(size=ni, tau=10.),
                                            out=bp.dyn.COBA(E=-80.), post=self.I)

    def update(self, inp):
        self.E2E()
        self.E2I()
        self.I2E()
        self.I2I()
        self.E(inp)
        self.I(inp)
        return self.E.spike


model = EINet(delay=0.1)
indices = bm.arange(1000)
spks = bm.for_loop(lambda i: model.step_run(i, 20.), indices)

model2 = EINet(delay=None)
spks2 = bm.for_loop(lambda i: model2.step_run(i, 20.), indices)

observed = dict(spike=bm.as_numpy(spks), spike_no_delay=bm.as_numpy(spks2))
