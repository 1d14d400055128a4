"""docs/tutorial_simulation/monitor_per_multiple_steps: ProjAlignPostMg1 with EventJitFPHomoLinear onto one
LifRef population behind a bp.VarDelay; a run(ids, inputs) method saving bp.share itself and looping over ten steps,
given to bm.for_loop; then the Python loop over jit_step_run monitoring V every ten steps (half the size)."""
import numpy as np

import brainjit as bp
import brainjit.math as bm


class EINet(bp.DynSysGroup):
    def __init__(self, ne=1600, ni=400):
        super().__init__()
        num = ne + ni
        self.ne = ne
        p = 80. / num
        self.N = bp.dyn.LifRef(num, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                               V_initializer=bp.init.Normal(-55., 2.))
        self.delay = bp.VarDelay(self.N.spike, entries={'I': None})
        self.E = bp.dyn.ProjAlignPostMg1(comm=bp.dnn.EventJitFPHomoLinear(ne, num, prob=p, weight=0.6),
                                         syn=bp.dyn.Expon.desc(size=num, tau=5.),
                                         out=bp.dyn.COBA.desc(E=0.),
                                         post=self.N)
        self.I = bp.dyn.ProjAlignPostMg1(comm=bp.dnn.EventJitFPHomoLinear(ni, num, prob=p, weight=6.7),
                                         syn=bp.dyn.Expon.desc(size=num, tau=10.),
                                         out=bp.dyn.COBA.desc(E=-80.),
                                         post=self.N)

    def update(self, input):
        spk = self.delay.at('I')
        self.E(spk[:self.ne])
        self.I(spk[self.ne:])
        self.delay(self.N(input))
        return self.N.spike.value

    def run(self, ids, inputs):
        for i, inp in zip(ids, inputs):
            bp.share.save(i=i, t=bm.get_dt() * i)
            self.update(inp)
        return self.N.spike.value


n_step_per_monitor = 10
indices = np.arange(1000).reshape(-1, n_step_per_monitor)
inputs = np.ones(indices.shape) * 20.
model = EINet()
spks = bm.for_loop(model.run, (indices, inputs))

model2 = EINet()
indices2 = np.arange(100)
spks2, mems = [], []
for i in indices2:
    model2.jit_step_run(i, 20.)
    if i % n_step_per_monitor == 0:
        mems.append(model2.N.V.value)
    spks2.append(model2.N.spike.value)
spks2 = bm.as_numpy(spks2)
mems = bm.as_numpy(mems)

observed = dict(spike_every10=bm.as_numpy(spks), spike_py=spks2, V_every10_shape=np.asarray(mems.shape),
                V_every10_mean=mems.mean(axis=1))
