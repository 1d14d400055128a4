"""bp.dyn's synapse models (BrainPy 2.4+): the abstract kinetics (Expon, DualExpon, DualExponV2, Alpha, NMDA,
STD, STP) and the transmitter-pulse ones (AMPA, GABAa, BioNMDA), with BrainPy's parameters, state and update order.
Each update reads t and dt from bp.share and is traced into the compiled loop."""

import math

from .. import math as bm
from ..context import share
from ..initialize import parameter
from ..integrators import odeint, JointEq
from ..mixin import AlignPost, ReturnInfo
from .base import SynDyn

__all__ = ['Expon', 'DualExpon', 'DualExponV2', 'Alpha', 'NMDA', 'STD', 'STP', 'AMPA', 'GABAa', 'BioNMDA']


def _t_dt():
    return share.load('t'), share.load('dt')


class Expon(SynDyn, AlignPost):
    """Exponential decay: dg/dt = -g / tau; an input x is added to g after the decay (add_current, so it can
    be the post-aligned synapse of a projection)."""

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None, tau=8.0):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.tau = self.init_param(tau)
        self.integral = odeint(self.derivative, method=method)
        self._current = None
        self.reset_state(self.mode)

    def derivative(self, g, t):
        return -g / self.tau

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.g = self.init_variable(bm.zeros, batch_or_mode)

    def update(self, x=None):
        t, dt = _t_dt()
        self.g.value = self.integral(self.g.value, t, dt)
        if x is not None:
            self.add_current(x)
        return self.g.value

    def add_current(self, x):
        self.g.value = self.g.value + x

    def return_info(self):
        return self.g


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _power(x, y):
    """x ** y in floating point (BrainPy's float_power) for parameters, numbers or arrays."""
    if _is_number(x) and _is_number(y):
        return float(x) ** float(y)
    return bm.power(bm.asarray(x, dtype=bm.float_), y)


def _dual_exp_peak(tau_rise, tau_decay):
    """BrainPy's normaliser A making the dual exponential's peak 1 (undefined when the taus are equal)."""
    return tau_decay / (tau_decay - tau_rise) * _power(tau_rise / tau_decay, tau_rise / (tau_rise - tau_decay))


def _any_equal(a, b):
    eq = a == b
    return bool(eq) if isinstance(eq, bool) else bool(bm.any(eq))


class DualExpon(SynDyn):
    """Dual exponential: dh/dt = -h / tau_rise, dg/dt = -g / tau_decay + h; an input x adds a * x to h, where a
    normalises the peak of g to A (default: a peak of 1 per unit input). Equal time constants are the alpha
    function's limit (a = e / tau)."""

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None,
                 tau_decay=10.0, tau_rise=1., A=None):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.tau_rise = self.init_param(tau_rise)
        self.tau_decay = self.init_param(tau_decay)
        self.a = self._coef(A)
        self.integral = odeint(JointEq(self.dg, self.dh), method=method)
        self.reset_state(self.mode)

    def _coef(self, A):
        A = parameter(A, sizes=self.varshape, allow_none=True, sharding=self.sharding)
        tr, td = self.tau_rise, self.tau_decay
        if A is not None:
            return (td - tr) / tr / td * A
        if _is_number(tr) and _is_number(td):
            if tr == td:
                return math.e / tr
            return _power(tr / td, tr / (tr - td)) / tr
        equal = tr == td
        exponent = tr / bm.where(equal, bm.ones_like(td), tr - td)
        return bm.where(equal, bm.exp(bm.ones_like(tr)) / tr, _power(tr / td, exponent) / tr)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.h = self.init_variable(bm.zeros, batch_or_mode)
        self.g = self.init_variable(bm.zeros, batch_or_mode)

    def dh(self, h, t):
        return -h / self.tau_rise

    def dg(self, g, t, h):
        return -g / self.tau_decay + h

    def update(self, x):
        t, dt = _t_dt()
        self.g.value, self.h.value = self.integral(self.g.value, self.h.value, t, dt=dt)
        self.h.value = self.h.value + self.a * x
        return self.g.value

    def return_info(self):
        return self.g


class DualExponV2(SynDyn, AlignPost):
    """Dual exponential as the difference of two decays: g = a (g_decay - g_rise), each decaying with its own
    time constant; an input is added to both (add_current: usable as a post-aligned synapse)."""

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None,
                 tau_decay=10.0, tau_rise=1., A=None):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.tau_rise = self.init_param(tau_rise)
        self.tau_decay = self.init_param(tau_decay)
        A = parameter(A, sizes=self.varshape, allow_none=True, sharding=self.sharding)
        if A is None:
            if _any_equal(self.tau_rise, self.tau_decay):
                raise ValueError('The dual-exponential peak normalizer "A" is undefined when "tau_rise == '
                                 'tau_decay". Use Alpha for a single-time-constant synapse, or pass an explicit "A".')
            A = _dual_exp_peak(self.tau_rise, self.tau_decay)
        self.a = A
        self.integral = odeint(lambda g, t, tau: -g / tau, method=method)
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.g_rise = self.init_variable(bm.zeros, batch_or_mode)
        self.g_decay = self.init_variable(bm.zeros, batch_or_mode)

    def update(self, x=None):
        t, dt = _t_dt()
        self.g_rise.value = self.integral(self.g_rise.value, t, self.tau_rise, dt)
        self.g_decay.value = self.integral(self.g_decay.value, t, self.tau_decay, dt)
        if x is not None:
            self.add_current(x)
        return self.a * (self.g_decay.value - self.g_rise.value)

    def add_current(self, inp):
        self.g_rise.value = self.g_rise.value + inp
        self.g_decay.value = self.g_decay.value + inp

    def return_info(self):
        return ReturnInfo(self.varshape, self.sharding, self.mode,
                          lambda shape: self.a * (self.g_decay.value - self.g_rise.value))


class Alpha(SynDyn):
    """Alpha function: dh/dt = -h / tau_decay, dg/dt = (h - g) / tau_decay (written -g/tau + h/tau as BrainPy);
    an input x is added to h."""

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None,
                 tau_decay=10.0):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.tau_decay = self.init_param(tau_decay)
        self.integral = odeint(JointEq(self.dg, self.dh), method=method)
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.h = self.init_variable(bm.zeros, batch_or_mode)
        self.g = self.init_variable(bm.zeros, batch_or_mode)

    def dh(self, h, t):
        return -h / self.tau_decay

    def dg(self, g, t, h):
        return -g / self.tau_decay + h / self.tau_decay

    def update(self, x):
        t, dt = _t_dt()
        self.g.value, self.h.value = self.integral(self.g.value, self.h.value, t, dt=dt)
        self.h.value = self.h.value + x
        return self.g.value

    def return_info(self):
        return self.g


class NMDA(SynDyn):
    """NMDA kinetics: dg/dt = -g / tau_decay + a x (1 - g), dx/dt = -x / tau_rise; a presynaptic spike adds 1 to
    x (the Mg block is the output's job: MgBlock)."""

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None, a=0.5,
                 tau_decay=100., tau_rise=2.):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.tau_decay = self.init_param(tau_decay)
        self.tau_rise = self.init_param(tau_rise)
        self.a = self.init_param(a)
        self.integral = odeint(method=method, f=JointEq(self.dg, self.dx))
        self.reset_state(self.mode)

    def dg(self, g, t, x):
        return -g / self.tau_decay + self.a * x * (1 - g)

    def dx(self, x, t):
        return -x / self.tau_rise

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.g = self.init_variable(bm.zeros, batch_or_mode)
        self.x = self.init_variable(bm.zeros, batch_or_mode)

    def update(self, pre_spike):
        t, dt = _t_dt()
        self.g.value, self.x.value = self.integral(self.g.value, self.x.value, t, dt=dt)
        self.x.value = self.x.value + pre_spike
        return self.g.value

    def return_info(self):
        return self.g


class STD(SynDyn):
    """Short-term depression: dx/dt = (1 - x) / tau; a spike uses U x of the resources."""

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None, tau=200.,
                 U=0.07):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.tau = self.init_param(tau)
        self.U = self.init_param(U)
        self.integral = odeint(lambda x, t: (1 - x) / self.tau, method=method)
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.x = self.init_variable(bm.ones, batch_or_mode)

    def update(self, pre_spike):
        t, dt = _t_dt()
        x = self.integral(self.x.value, t, dt)
        self.x.value = x - pre_spike * self.U * self.x.value
        return self.x.value

    def return_info(self):
        return self.x


class STP(SynDyn):
    """Short-term plasticity (Tsodyks-Markram): du/dt = -u / tau_f, dx/dt = (1 - x) / tau_d; a spike raises u by
    U (1 - u) and then uses u x of x; the efficacy is u x."""

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None, U=0.15,
                 tau_f=1500., tau_d=200.):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.tau_f = self.init_param(tau_f)
        self.tau_d = self.init_param(tau_d)
        self.U = self.init_param(U)
        self.method = method
        self.integral = odeint(self.derivative, method=self.method)
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.x = self.init_variable(bm.ones, batch_or_mode)
        self.u = self.init_variable(bm.ones, batch_or_mode)
        self.u.value = self.u.value * self.U

    @property
    def derivative(self):
        du = lambda u, t: -u / self.tau_f  # noqa: E731
        dx = lambda x, t: (1 - x) / self.tau_d  # noqa: E731
        return JointEq(du, dx)

    def update(self, pre_spike):
        t, dt = _t_dt()
        u, x = self.integral(self.u.value, self.x.value, t, dt)
        u = u + pre_spike * self.U * (1 - u)
        x = x - pre_spike * u * x
        self.x.value = x
        self.u.value = u
        return u * x

    def return_info(self):
        return ReturnInfo(self.varshape, self.sharding, self.mode, lambda shape: self.u.value * self.x.value)


class AMPA(SynDyn):
    """AMPA receptor kinetics: dg/dt = alpha T (1 - g) - beta g, with transmitter T for T_dur ms after the last
    presynaptic spike (Destexhe et al. 1994)."""

    supported_modes = (bm.NonBatchingMode, bm.BatchingMode)

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None, alpha=0.98,
                 beta=0.18, T=0.5, T_dur=0.5):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.alpha = self.init_param(alpha)
        self.beta = self.init_param(beta)
        self.T = self.init_param(T)
        self.T_duration = self.init_param(T_dur)
        self.integral = odeint(method=method, f=self.dg)
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.g = self.init_variable(bm.zeros, batch_or_mode)
        self.spike_arrival_time = self.init_variable(bm.ones, batch_or_mode)
        self.spike_arrival_time.fill(-1e7)

    def dg(self, g, t, TT):
        return self.alpha * TT * (1 - g) - self.beta * g

    def update(self, pre_spike):
        t, dt = _t_dt()
        self.spike_arrival_time.value = bm.where(pre_spike, t, self.spike_arrival_time.value)
        TT = ((t - self.spike_arrival_time.value) < self.T_duration) * self.T
        self.g.value = self.integral(self.g.value, t, TT, dt)
        return self.g.value

    def return_info(self):
        return self.g


class GABAa(AMPA):
    """GABA_A receptor kinetics: AMPA's equations with GABA_A's rates (alpha 0.53, T 1 mM for 1 ms)."""

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None, alpha=0.53,
                 beta=0.18, T=1., T_dur=1.):
        super().__init__(alpha=alpha, beta=beta, T=T, T_dur=T_dur, method=method, name=name, mode=mode, size=size,
                         keep_size=keep_size, sharding=sharding)


class BioNMDA(SynDyn):
    """Second-order NMDA kinetics: dg/dt = alpha1 x (1 - g) - beta1 g, dx/dt = alpha2 T (1 - x) - beta2 x, with
    transmitter T for T_dur ms after the last presynaptic spike."""

    supported_modes = (bm.NonBatchingMode, bm.BatchingMode)

    def __init__(self, size, keep_size=False, sharding=None, method='exp_auto', name=None, mode=None, alpha1=2.,
                 beta1=0.01, alpha2=1., beta2=0.5, T=1., T_dur=0.5):
        super().__init__(name=name, mode=mode, size=size, keep_size=keep_size, sharding=sharding)
        self.beta1 = self.init_param(beta1)
        self.beta2 = self.init_param(beta2)
        self.alpha1 = self.init_param(alpha1)
        self.alpha2 = self.init_param(alpha2)
        self.T = self.init_param(T)
        self.T_dur = self.init_param(T_dur)
        self.integral = odeint(method=method, f=JointEq([self.dg, self.dx]))
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.g = self.init_variable(bm.zeros, batch_or_mode)
        self.x = self.init_variable(bm.zeros, batch_or_mode)
        self.spike_arrival_time = self.init_variable(bm.ones, batch_or_mode)
        self.spike_arrival_time.fill(-1e7)

    def dg(self, g, t, x):
        return self.alpha1 * x * (1 - g) - self.beta1 * g

    def dx(self, x, t, T):
        return self.alpha2 * T * (1 - x) - self.beta2 * x

    def update(self, pre_spike):
        t, dt = _t_dt()
        self.spike_arrival_time.value = bm.where(pre_spike, t, self.spike_arrival_time.value)
        T = ((t - self.spike_arrival_time.value) < self.T_dur) * self.T
        self.g.value, self.x.value = self.integral(self.g.value, self.x.value, t, T, dt)
        return self.g.value

    def return_info(self):
        return self.g
