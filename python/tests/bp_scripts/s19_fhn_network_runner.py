"""docs/tutorial_building/customize_dynamical_systems: a FitzHugh-Nagumo bp.DynamicalSystem with an input Variable
`I`, run by DSRunner with inputs=('I', 1.5); two of them in a bp.Network with inputs [('f1.I', ..), ('f2.I', ..)]
and monitors 'f1.v', 'f2.v' (new-style update reading bp.share)."""
import brainjit as bp
import brainjit.math as bm


class FitzHughNagumoModel(bp.DynamicalSystem):
    def __init__(self, a=0.8, b=0.7, tau=12.5, **kwargs):
        super(FitzHughNagumoModel, self).__init__(**kwargs)
        self.a = a
        self.b = b
        self.tau = tau
        self.v = bm.Variable([0.])
        self.w = bm.Variable([0.])
        self.I = bm.Variable([0.])

    def update(self):
        dt = bp.share.load('dt')
        self.w += (self.v + self.a - self.b * self.w) / self.tau * dt
        self.v += (self.v - self.v ** 3 / 3 - self.w + self.I) * dt
        self.I[:] = 0.


fhn = FitzHughNagumoModel()
runner = bp.DSRunner(fhn, monitors=['v', 'w'], inputs=('I', 1.5), progress_bar=False)
runner.run(100.)
single_v, single_w = runner.mon.v, runner.mon.w

f1, f2 = FitzHughNagumoModel(), FitzHughNagumoModel(b=0.8)
fhn_net = bp.Network(f1=f1, f2=f2)
runner2 = bp.DSRunner(fhn_net, monitors=['f1.v', 'f2.v'], inputs=[('f1.I', 1.5), ('f2.I', 1.0)], progress_bar=False)
runner2.run(100.)

observed = dict(v=single_v, w=single_w, f1_v=runner2.mon['f1.v'], f2_v=runner2.mon['f2.v'])
