"""docs/tutorial_toolbox/state_resetting with a deterministic network: LifRef groups coupled by VanillaProj with
bp.dnn.Linear (fixed weight matrix) and Expon; DSRunner run, bp.reset_state(net), run again (same spikes),
net.reset_state() and a bm.for_loop over step_run (same spikes again); bp.share after a run."""
import numpy as np

import brainjit as bp
import brainjit.math as bm


class Net(bp.DynSysGroup):
    def __init__(self):
        super().__init__()
        self.pre = bp.dyn.LifRef(4, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                 V_initializer=bp.init.Constant(-60.))
        self.post = bp.dyn.LifRef(3, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                                  V_initializer=bp.init.Constant(-60.))
        self.syn = bp.dyn.Expon(4, tau=5.)
        w = bm.asarray(np.linspace(2.5, 15., 12).reshape(4, 3))
        self.proj = bp.dyn.VanillaProj(comm=bp.dnn.Linear(4, 3, W_initializer=w, b_initializer=None),
                                       out=bp.dyn.CUBA(), post=self.post)

    def update(self, inp):
        self.proj(self.syn(self.pre.spike.value))
        self.pre(inp)
        self.post(2.)
        return self.post.spike.value


net = Net()
currents = bm.ones((600, 4)) * bm.asarray([12., 15., 20., 25.])
runner = bp.DSRunner(net, monitors=['pre.spike', 'post.spike', 'post.V'], progress_bar=False)
runner.run(inputs=currents)
first = runner.mon['post.spike'].copy()
t_after = bp.share.load('t')

bp.reset_state(net)
runner2 = bp.DSRunner(net, monitors=['post.spike'], progress_bar=False)
runner2.run(inputs=currents)

net.reset_state()
spks = bm.for_loop(lambda i: net.step_run(i, bm.asarray([12., 15., 20., 25.])), bm.arange(600))

observed = dict(pre_spike=runner.mon['pre.spike'], post_spike=first, post_V=runner.mon['post.V'],
                post_spike_after_reset=runner2.mon['post.spike'], post_spike_for_loop=bm.as_numpy(spks))
# BrainPy 2.8.2 leaves a tracer in bp.share after a run; brainjit saves the last step's t (the test checks it)
