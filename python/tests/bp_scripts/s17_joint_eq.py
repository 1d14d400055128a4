"""docs/tutorial_toolbox/joint_equations: Izhikevich's equations as bp.JointEq(dV, du) and as one function
returning (dV, du), both with bp.odeint(method='rk2'); the Jansen-Rit model as a bp.dyn.NeuDyn whose derivative is
bp.JointEq([...six equations]) with method 'rk4', stepped by bm.for_loop over step_run."""
import brainjit as bp
import brainjit.math as bm

a, b = 0.02, 0.20
dV = lambda V, t, u, Iext: 0.04 * V * V + 5 * V + 140 - u + Iext
du = lambda u, t, V: a * (b * V - u)
itg_joint = bp.odeint(bp.JointEq(dV, du), method='rk2')


def diff(V, u, t, Iext):
    dV = 0.04 * V * V + 5 * V + 140 - u + Iext
    du = a * (b * V - u)
    return dV, du


itg_pair = bp.odeint(diff, method='rk2')


class Izh(bp.DynamicalSystem):
    def __init__(self, integral):
        super().__init__()
        self.integral = integral
        self.V = bm.Variable(bm.ones(2) * -65.)
        self.u = bm.Variable(bm.ones(2) * -13.)

    def update(self, inp):
        V, u = self.integral(self.V, self.u, bp.share['t'], inp, bp.share['dt'])
        spike = V >= 30.
        self.V.value = bm.where(spike, -65., V)
        self.u.value = bm.where(spike, u + 8., u)
        return self.V.value, spike


class JansenRitModel(bp.dyn.NeuDyn):
    def __init__(self, size=1, A=3.25, te=10, B=22, ti=20, C=135, e0=2.5, r=0.56, v0=6, method='rk4', **kwargs):
        super().__init__(size=size, **kwargs)
        self.A, self.te, self.B, self.ti, self.C = A, te, B, ti, C
        self.e0, self.r, self.v0 = e0, r, v0
        self.y0 = bm.Variable(bm.zeros(self.num))
        self.y1 = bm.Variable(bm.zeros(self.num))
        self.y2 = bm.Variable(bm.zeros(self.num))
        self.y3 = bm.Variable(bm.zeros(self.num))
        self.y4 = bm.Variable(bm.zeros(self.num))
        self.y5 = bm.Variable(bm.zeros(self.num))
        self.integral = bp.odeint(f=self.derivative, method=method)

    def dy0(self, y0, t, y3):
        return y3 / 1000

    def dy1(self, y1, t, y4):
        return y4 / 1000

    def dy2(self, y2, t, y5):
        return y5 / 1000

    def dy3(self, y3, t, y0, y1, y2):
        Sp = 2 * self.e0 / (1 + bm.exp(self.r * (self.v0 - y1 + y2)))
        return (self.A * Sp - 2 * y3 - y0 / self.te * 1000) / self.te

    def dy4(self, y4, t, y0, y1, inp=0.):
        Se = 2 * self.e0 / (1 + bm.exp(self.r * (self.v0 - self.C * y0)))
        return (self.A * (inp + 0.8 * self.C * Se) - 2 * y4 - y1 / self.te * 1000) / self.te

    def dy5(self, y5, t, y0, y2):
        Si = 2 * self.e0 / (1 + bm.exp(self.r * (self.v0 - 0.25 * self.C * y0)))
        return (self.B * 0.25 * self.C * Si - 2 * y5 - y2 / self.ti * 1000) / self.ti

    @property
    def derivative(self):
        return bp.JointEq([self.dy0, self.dy1, self.dy2, self.dy3, self.dy4, self.dy5])

    def update(self, inp=0.):
        y0, y1, y2, y3, y4, y5 = self.integral(self.y0, self.y1, self.y2, self.y3, self.y4, self.y5,
                                               bp.share['t'], inp, bp.share['dt'])
        self.y0.value, self.y1.value, self.y2.value = y0, y1, y2
        self.y3.value, self.y4.value, self.y5.value = y3, y4, y5
        return y1 - y2


inp = bm.asarray([5., 10.])
joint = Izh(itg_joint)
vs_joint, sp_joint = bm.for_loop(lambda i: joint.step_run(i, inp), bm.arange(1000))
pair = Izh(itg_pair)
vs_pair, sp_pair = bm.for_loop(lambda i: pair.step_run(i, inp), bm.arange(1000))

jr = JansenRitModel(size=2)
eeg = bm.for_loop(lambda i: jr.step_run(i, bm.asarray([120., 200.])), bm.arange(2000))

observed = dict(V_joint=bm.as_numpy(vs_joint), spike_joint=bm.as_numpy(sp_joint), V_pair=bm.as_numpy(vs_pair),
                spike_pair=bm.as_numpy(sp_pair), jr=bm.as_numpy(eeg))
