"""bp.sdeint (Euler-Maruyama, Ito, scalar Wiener) for an Ornstein-Uhlenbeck process of 2000 paths inside a
DynamicalSystem, stepped by bm.for_loop; the statistics at the end are random (band from BrainPy's seeds)."""
import brainjit as bp
import brainjit.math as bm

theta, mu, sigma = 0.5, 1.0, 0.8


def ou_f(x, t):
    return theta * (mu - x)


def ou_g(x, t):
    return sigma


class OU(bp.DynamicalSystem):
    def __init__(self, num):
        super().__init__()
        self.x = bm.Variable(bm.zeros(num))
        self.integral = bp.sdeint(f=ou_f, g=ou_g, method='euler')

    def update(self):
        self.x.value = self.integral(self.x, bp.share['t'], bp.share['dt'])
        return self.x.value.mean()


bm.set_dt(0.01)
ou = OU(2000)
means = bm.for_loop(ou.step_run, bm.arange(400))  # 4 time units: mean 1 - exp(-2) ~ 0.865
x_end = bm.as_numpy(ou.x.value)

observed = dict(mean_path=bm.as_numpy(means), x_end_mean=x_end.mean(), x_end_var=x_end.var())
