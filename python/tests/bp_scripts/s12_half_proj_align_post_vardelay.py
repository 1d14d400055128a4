"""ei_nets.py model1: one LifRefLTC population, bp.VarDelay of its spikes, HalfProjAlignPost with
EventJitFPHomoLinear and Expon called by the network's update, bm.for_loop over step_run (half the size)."""
import brainjit as bp
import brainjit.math as bm


class EINet(bp.DynSysGroup):
    def __init__(self, ne=1600, ni=400):
        super().__init__()
        num = ne + ni
        self.ne = ne
        prob = 80. / num
        self.N = bp.dyn.LifRefLTC(num, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                  V_initializer=bp.init.Normal(-55., 2.))
        self.delay = bp.VarDelay(self.N.spike, entries={'I': None})
        self.E = bp.dyn.HalfProjAlignPost(comm=bp.dnn.EventJitFPHomoLinear(ne, num, prob=prob, weight=0.6),
                                          syn=bp.dyn.Expon(size=num, tau=5.),
                                          out=bp.dyn.COBA(E=0.),
                                          post=self.N)
        self.I = bp.dyn.HalfProjAlignPost(comm=bp.dnn.EventJitFPHomoLinear(ni, num, prob=prob, weight=6.7),
                                          syn=bp.dyn.Expon(size=num, tau=10.),
                                          out=bp.dyn.COBA(E=-80.),
                                          post=self.N)

    def update(self, input):
        spk = self.delay.at('I')
        self.E(spk[:self.ne])
        self.I(spk[self.ne:])
        self.delay(self.N(input))
        return self.N.spike.value


model = EINet()
indices = bm.arange(1000)
spks = bm.for_loop(lambda i: model.step_run(i, 20.), indices)

observed = dict(spike=bm.as_numpy(spks))
