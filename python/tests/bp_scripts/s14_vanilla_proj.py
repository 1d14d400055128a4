"""ei_nets.py vanalla_proj and model3: VanillaProj with CSRLinear(conn, weight=...) and JitFPHomoLinear, Expon
synapses called directly (syn(spk)), bp.VarDelay with a zero-delay entry (half the size)."""
import brainjit as bp
import brainjit.math as bm


class EINet(bp.DynSysGroup):
    def __init__(self, ne=1600, ni=400, jit_conn=False):
        super().__init__()
        num = ne + ni
        self.ne = ne
        p = 80. / num
        self.N = bp.dyn.LifRefLTC(num, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                  V_initializer=bp.init.Normal(-55., 1.))
        self.delay = bp.VarDelay(self.N.spike, entries={'delay': 0.})
        self.syn1 = bp.dyn.Expon(size=ne, tau=5.)
        self.syn2 = bp.dyn.Expon(size=ni, tau=10.)
        if jit_conn:
            ce = bp.dnn.JitFPHomoLinear(ne, num, prob=p, weight=0.6)
            ci = bp.dnn.JitFPHomoLinear(ni, num, prob=p, weight=6.7)
        else:
            ce = bp.dnn.CSRLinear(bp.conn.FixedProb(p, pre=ne, post=num), weight=0.6)
            ci = bp.dnn.CSRLinear(bp.conn.FixedProb(p, pre=ni, post=num), weight=6.7)
        self.E = bp.dyn.VanillaProj(comm=ce, out=bp.dyn.COBA(E=0.), post=self.N)
        self.I = bp.dyn.VanillaProj(comm=ci, out=bp.dyn.COBA(E=-80.), post=self.N)

    def update(self, input):
        spk = self.delay.at('delay')
        self.E(self.syn1(spk[:self.ne]))
        self.I(self.syn2(spk[self.ne:]))
        self.delay(self.N(input))
        return self.N.spike.value


indices = bm.arange(1000)
model = EINet()
spks = bm.for_loop(lambda i: model.step_run(i, 20.), indices)
model_jit = EINet(jit_conn=True)
spks_jit = bm.for_loop(lambda i: model_jit.step_run(i, 20.), indices)

observed = dict(spike=bm.as_numpy(spks), spike_jitconn=bm.as_numpy(spks_jit))
