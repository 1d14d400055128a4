"""docs/core_concept/brainpy_dynamical_system: a LIF written as a bp.DynamicalSystem (odeint exp_auto, bp.share.load),
an `Exponential` bp.Projection wrapping ProjAlignPostMg1 (EventCSRLinear, Expon.desc, CUBA.desc), the E/I network
feeding the projections' outputs as currents; DSRunner.run(inputs=...) under bm.environment(dt=0.1)."""
import brainjit as bp
import brainjit.math as bm


class LIF_for_BrainSimulation(bp.DynamicalSystem):
    def __init__(self, size, V_rest=0., V_th=1., tau=5., mode=None):
        super().__init__(mode=mode)
        self.size = size
        self.num = size
        self.V_rest = V_rest
        self.V_th = V_th
        self.tau = tau
        self.V = bm.Variable(bm.ones(size) * V_rest)
        self.spike = bm.Variable(bm.zeros(size, dtype=bool))
        self.integral = bp.odeint(f=lambda V, t, I: (-V + V_rest + I) / tau, method='exp_auto')

    def update(self, x):
        t = bp.share.load('t')
        dt = bp.share.load('dt')
        V = self.integral(self.V, t, x, dt=dt)
        spike = V >= self.V_th
        self.V.value = bm.where(spike, self.V_rest, V)
        self.spike.value = spike
        return spike


class Exponential(bp.Projection):
    def __init__(self, num_pre, post, prob, g_max, tau):
        super(Exponential, self).__init__()
        self.proj = bp.dyn.ProjAlignPostMg1(
            comm=bp.dnn.EventCSRLinear(bp.conn.FixedProb(prob, pre=num_pre, post=post.num), g_max),
            syn=bp.dyn.Expon.desc(post.num, tau=tau),
            out=bp.dyn.CUBA.desc(),
            post=post
        )

    def update(self, x):
        return self.proj(x)


class EINet(bp.DynamicalSystem):
    def __init__(self, num_exc, num_inh, prob):
        super().__init__()
        self.E = LIF_for_BrainSimulation(num_exc, V_rest=-55, V_th=-50., tau=20.)
        self.I = LIF_for_BrainSimulation(num_inh, V_rest=-55, V_th=-50., tau=20.)
        self.E2E = Exponential(prob=prob, num_pre=num_exc, post=self.E, g_max=1.62, tau=5.)
        self.E2I = Exponential(prob=prob, num_pre=num_exc, post=self.I, g_max=1.62, tau=5.)
        self.I2E = Exponential(prob=prob, num_pre=num_inh, post=self.E, g_max=-9.0, tau=10.)
        self.I2I = Exponential(prob=prob, num_pre=num_inh, post=self.I, g_max=-9.0, tau=10.)

    def update(self, x):
        e2e = self.E2E(self.E.spike)
        e2i = self.E2I(self.E.spike)
        i2e = self.I2E(self.I.spike)
        i2i = self.I2I(self.I.spike)
        self.E(e2e + i2e + x)
        self.I(e2i + i2i + x)


with bm.environment(dt=0.1):
    net1 = EINet(800, 200, prob=0.02 * 4)  # a quarter of the tutorial's 3200/800, in-degree kept
    runner = bp.DSRunner(net1, monitors={'E.spike': net1.E.spike, 'I.spike': net1.I.spike}, progress_bar=False)
    runner.run(inputs=bm.ones(1000) * 20.)

observed = dict(ts=runner.mon['ts'], E_spike=runner.mon['E.spike'], I_spike=runner.mon['I.spike'])
