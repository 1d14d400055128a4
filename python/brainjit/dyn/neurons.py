"""bp.dyn's point-neuron models (BrainPy 2.4+): IF, LIF, ExpIF, QuaIF, AdExIF, AdQuaIF, Gif, Izhikevich (each with
its Ref and LTC variants) and Hodgkin-Huxley, with BrainPy's parameters, defaults, state Variables and update order.

Every update is traced into the compiled loop: it reads t and dt from bp.share, integrates with the model's
integral (exp_auto by default) and resets with bm.where; nothing branches on traced values.

The *LTC classes ("liquid time constant") sum the input currents inside the derivative, so exp_auto linearises
through them (a conductance input shortens the time constant); the plain classes sum them once per step in
update(), before integrating, exactly where BrainPy does — the two differ numerically and both are kept."""

from functools import partial

from .. import math as bm
from ..context import share
from ..initialize import ZeroInit, OneInit, Uniform, noise as _init_noise
from ..integrators import odeint, sdeint, JointEq
from .base import NeuDyn, GradNeuDyn, is_initializer, _is_zero, _stop_gradient

__all__ = [
    'IF', 'IFLTC', 'Lif', 'LifLTC', 'LifRef', 'LifRefLTC', 'ExpIF', 'ExpIFLTC', 'ExpIFRef', 'ExpIFRefLTC',
    'QuaIF', 'QuaIFLTC', 'QuaIFRef', 'QuaIFRefLTC', 'AdExIF', 'AdExIFLTC', 'AdExIFRef', 'AdExIFRefLTC',
    'AdQuaIF', 'AdQuaIFLTC', 'AdQuaIFRef', 'AdQuaIFRefLTC', 'Gif', 'GifLTC', 'GifRef', 'GifRefLTC',
    'Izhikevich', 'IzhikevichLTC', 'IzhikevichRef', 'IzhikevichRefLTC', 'HH', 'HHLTC',
]

def _integral(self, f):
    """odeint of f, or sdeint with the model's noise (BrainPy: `noise` given -> an SDE)."""
    if self.noise is not None:
        return sdeint(method=self.method, f=f, g=self.noise)
    return odeint(method=self.method, f=f)


class _InputsFirst:
    """update() of the plain (non-LTC) models: the current inputs are summed with this step's starting V and
    passed to the integral as a constant."""

    def update(self, x=None):
        x = 0. if x is None else x
        return super().update(self.sum_current_inputs(self.V.value, init=x))


class _Ref:
    """Refractory models' extra parameters (tau_ref, ref_var) and state (t_last_spike, refractory)."""

    _t_last_init = -1e7

    def _ref_params(self, tau_ref, ref_var):
        self.ref_var = ref_var
        self.tau_ref = self.init_param(tau_ref)

    def reset_state(self, batch_size=None, **kwargs):
        super().reset_state(batch_size, **kwargs)
        self._init_ref_state(batch_size, self._t_last_init)


class _OneVar(GradNeuDyn):
    """State V (and spike); a step integrates V, then V >= V_th spikes and resets V to V_reset."""

    def reset_state(self, batch_size=None, **kwargs):
        self.V = self.offset_scaling(self.init_variable(self._V_initializer, batch_size))
        self.spike = self.init_variable(partial(bm.zeros, dtype=self.spk_dtype), batch_size)

    def _step(self, x):
        V = self.integral(self.V.value, share.load('t'), 0. if x is None else x, share.load('dt'))
        return self._with_delta(V)

    def update(self, x=None):
        spike, _, V = self._fire(self._step(x), self.V_reset)
        self.V.value = V
        self.spike.value = spike
        return spike


class _OneVarRef(_Ref):
    """_OneVar's step with a refractory period: V is held while t - t_last_spike <= tau_ref."""

    def update(self, x=None):
        t = share.load('t')
        V = self._step(x)
        refractory = self._refractory(t)
        V = bm.where(refractory, self.V.value, V)
        spike, used, V = self._fire(V, self.V_reset)
        self._after_spike(t, refractory, used)
        self.V.value = V
        self.spike.value = spike
        return spike


class _Adaptive(GradNeuDyn):
    """State V, w (and spike); a step integrates both jointly, then a spike resets V to V_reset and adds b to w."""

    def reset_state(self, batch_size=None, **kwargs):
        self.V = self.offset_scaling(self.init_variable(self._V_initializer, batch_size))
        self.w = self.std_scaling(self.init_variable(self._w_initializer, batch_size))
        self.spike = self.init_variable(partial(bm.zeros, dtype=self.spk_dtype), batch_size)

    @property
    def derivative(self):
        return JointEq([self.dV, self.dw])

    def dw(self, w, t, V):
        return (self.a * (V - self.V_rest) - w) / self.tau_w

    def _step(self, x):
        V, w = self.integral(self.V.value, self.w.value, share.load('t'), 0. if x is None else x, share.load('dt'))
        return self._with_delta(V), w

    def _adapt(self, w, used):
        if isinstance(self.mode, bm.TrainingMode):
            return w + self.b * used
        return bm.where(used, w + self.b, w)

    def update(self, x=None):
        V, w = self._step(x)
        spike, used, V = self._fire(V, self.V_reset)
        self.V.value = V
        self.w.value = self._adapt(w, used)
        self.spike.value = spike
        return spike


class _AdaptiveRef(_Ref):
    """_Adaptive's step with a refractory period (w keeps evolving; V is held)."""

    def update(self, x=None):
        t = share.load('t')
        V, w = self._step(x)
        refractory = self._refractory(t)
        V = bm.where(refractory, self.V.value, V)
        spike, used, V = self._fire(V, self.V_reset)
        self._after_spike(t, refractory, used)
        self.V.value = V
        self.w.value = self._adapt(w, used)
        self.spike.value = spike
        return spike


# ---------------------------------------------------------------------------------------------------- IF (leaky)

class IFLTC(GradNeuDyn):
    """Leaky integrator tau dV/dt = -V + V_rest + R I (it never spikes; its output is V), inputs summed in the
    derivative."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', init_var=True, scaling=None,
                 V_rest=0., R=1., tau=10., V_initializer=ZeroInit()):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, sharding=sharding, spk_fun=spk_fun,
                         detach_spk=detach_spk, method=method, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         scaling=scaling)
        self.V_rest = self.offset_scaling(self.init_param(V_rest))
        self.tau = self.init_param(tau)
        self.R = self.init_param(R)
        self._V_initializer = is_initializer(V_initializer)
        self.integral = odeint(method=method, f=self.derivative)
        if init_var:
            self.reset_state(self.mode)

    def derivative(self, V, t, I):
        I = self.sum_current_inputs(V, init=I)
        return (-V + self.V_rest + self.R * I) / self.tau

    def reset_state(self, batch_size=None, **kwargs):
        self.V = self.offset_scaling(self.init_variable(self._V_initializer, batch_size))
        self.spike = self.init_variable(partial(bm.zeros, dtype=self.spk_dtype), batch_size)

    def update(self, x=None):
        t = share.load('t')
        dt = share.load('dt')
        x = 0. if x is None else x
        self.V.value = self._with_delta(self.integral(self.V.value, t, x, dt))
        return self.V.value

    def return_info(self):
        return self.V


class IF(_InputsFirst, IFLTC):
    """Leaky integrator tau dV/dt = -V + V_rest + R I (it never spikes; its output is V), inputs summed before
    integrating."""

    def derivative(self, V, t, I):
        return (-V + self.V_rest + self.R * I) / self.tau


# ---------------------------------------------------------------------------------------------------------- LIF

class LifLTC(_OneVar):
    """Leaky integrate-and-fire: tau dV/dt = -(V - V_rest) + R I; V >= V_th -> spike, V = V_reset."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', init_var=True, scaling=None,
                 V_rest=0., V_reset=-5., V_th=20., R=1., tau=10., V_initializer=ZeroInit(), noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, sharding=sharding, spk_fun=spk_fun,
                         detach_spk=detach_spk, method=method, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         scaling=scaling)
        self.V_rest = self.offset_scaling(self.init_param(V_rest))
        self.V_reset = self.offset_scaling(self.init_param(V_reset))
        self.V_th = self.offset_scaling(self.init_param(V_th))
        self.tau = self.init_param(tau)
        self.R = self.init_param(R)
        self._V_initializer = is_initializer(V_initializer)
        self.noise = _init_noise(noise, self.varshape)
        self.integral = _integral(self, self.derivative)
        if init_var:
            self.reset_state(self.mode)

    def derivative(self, V, t, I):
        I = self.sum_current_inputs(V, init=I)
        return (-V + self.V_rest + self.R * I) / self.tau


class Lif(_InputsFirst, LifLTC):
    __doc__ = LifLTC.__doc__ + ' Inputs summed before integrating.'

    def derivative(self, V, t, I):
        return (-V + self.V_rest + self.R * I) / self.tau


class LifRefLTC(_OneVarRef, LifLTC):
    """LIF with a refractory period tau_ref: V is held while t - t_last_spike <= tau_ref."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, spk_fun=None, spk_dtype=None,
                 detach_spk=False, spk_reset='soft', method='exp_auto', name=None, init_var=True, scaling=None,
                 V_rest=0., V_reset=-5., V_th=20., R=1., tau=10., V_initializer=ZeroInit(), tau_ref=0.,
                 ref_var=False, noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, method=method, sharding=sharding,
                         spk_fun=spk_fun, detach_spk=detach_spk, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         init_var=False, scaling=scaling, V_rest=V_rest, V_reset=V_reset, V_th=V_th, R=R, tau=tau,
                         V_initializer=V_initializer, noise=noise)
        self._ref_params(tau_ref, ref_var)
        if init_var:
            self.reset_state(self.mode)


class LifRef(_InputsFirst, LifRefLTC):
    __doc__ = LifRefLTC.__doc__ + ' Inputs summed before integrating.'

    derivative = Lif.derivative


# -------------------------------------------------------------------------------------------------------- ExpIF

class ExpIFLTC(_OneVar):
    """Exponential integrate-and-fire: tau dV/dt = -(V - V_rest) + delta_T exp((V - V_T)/delta_T) + R I."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', init_var=True, scaling=None,
                 V_rest=-65., V_reset=-68., V_th=-55., V_T=-59.9, delta_T=3.48, R=1., tau=10.,
                 V_initializer=ZeroInit(), noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, sharding=sharding, spk_fun=spk_fun,
                         detach_spk=detach_spk, method=method, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         scaling=scaling)
        self.V_rest = self.offset_scaling(self.init_param(V_rest))
        self.V_reset = self.offset_scaling(self.init_param(V_reset))
        self.V_th = self.offset_scaling(self.init_param(V_th))
        self.V_T = self.offset_scaling(self.init_param(V_T))
        self.delta_T = self.std_scaling(self.init_param(delta_T))
        self.tau = self.init_param(tau)
        self.R = self.init_param(R)
        self._V_initializer = is_initializer(V_initializer)
        self.noise = _init_noise(noise, self.varshape)
        self.integral = _integral(self, self.derivative)
        if init_var:
            self.reset_state(self.mode)

    def derivative(self, V, t, I):
        I = self.sum_current_inputs(V, init=I)
        exp_v = self.delta_T * bm.exp((V - self.V_T) / self.delta_T)
        return (- (V - self.V_rest) + exp_v + self.R * I) / self.tau


class ExpIF(_InputsFirst, ExpIFLTC):
    __doc__ = ExpIFLTC.__doc__ + ' Inputs summed before integrating.'

    def derivative(self, V, t, I):
        exp_v = self.delta_T * bm.exp((V - self.V_T) / self.delta_T)
        return (- (V - self.V_rest) + exp_v + self.R * I) / self.tau


class ExpIFRefLTC(_OneVarRef, ExpIFLTC):
    """ExpIF with a refractory period tau_ref."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, spk_fun=None, spk_dtype=None,
                 detach_spk=False, spk_reset='soft', method='exp_auto', name=None, init_var=True, scaling=None,
                 V_rest=-65., V_reset=-68., V_th=-55., V_T=-59.9, delta_T=3.48, R=1., tau=10.,
                 V_initializer=ZeroInit(), tau_ref=0., ref_var=False, noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, method=method, sharding=sharding,
                         spk_fun=spk_fun, detach_spk=detach_spk, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         init_var=False, scaling=scaling, V_rest=V_rest, V_reset=V_reset, V_th=V_th, V_T=V_T,
                         delta_T=delta_T, R=R, tau=tau, V_initializer=V_initializer, noise=noise)
        self._ref_params(tau_ref, ref_var)
        if init_var:
            self.reset_state(self.mode)


class ExpIFRef(_InputsFirst, ExpIFRefLTC):
    __doc__ = ExpIFRefLTC.__doc__ + ' Inputs summed before integrating.'

    derivative = ExpIF.derivative


# -------------------------------------------------------------------------------------------------------- QuaIF

class QuaIFLTC(_OneVar):
    """Quadratic integrate-and-fire: tau dV/dt = c (V - V_rest)(V - V_c) + R I."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', init_var=True, scaling=None,
                 V_rest=-65., V_reset=-68., V_th=-30., V_c=-50.0, c=0.07, R=1., tau=10., V_initializer=ZeroInit(),
                 noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, sharding=sharding, spk_fun=spk_fun,
                         detach_spk=detach_spk, method=method, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         scaling=scaling)
        self.V_rest = self.offset_scaling(self.init_param(V_rest))
        self.V_reset = self.offset_scaling(self.init_param(V_reset))
        self.V_th = self.offset_scaling(self.init_param(V_th))
        self.V_c = self.offset_scaling(self.init_param(V_c))
        self.c = self.inv_scaling(self.init_param(c))
        self.R = self.init_param(R)
        self.tau = self.init_param(tau)
        self._V_initializer = is_initializer(V_initializer)
        self.noise = _init_noise(noise, self.varshape)
        self.integral = _integral(self, self.derivative)
        if init_var:
            self.reset_state(self.mode)

    def derivative(self, V, t, I):
        I = self.sum_current_inputs(V, init=I)
        return (self.c * (V - self.V_rest) * (V - self.V_c) + self.R * I) / self.tau


class QuaIF(_InputsFirst, QuaIFLTC):
    __doc__ = QuaIFLTC.__doc__ + ' Inputs summed before integrating.'

    def derivative(self, V, t, I):
        return (self.c * (V - self.V_rest) * (V - self.V_c) + self.R * I) / self.tau


class QuaIFRefLTC(_OneVarRef, QuaIFLTC):
    """QuaIF with a refractory period tau_ref."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', name=None, init_var=True, scaling=None,
                 V_rest=-65., V_reset=-68., V_th=-30., V_c=-50.0, c=0.07, R=1., tau=10., V_initializer=ZeroInit(),
                 tau_ref=0., ref_var=False, noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, method=method, sharding=sharding,
                         spk_fun=spk_fun, detach_spk=detach_spk, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         init_var=False, scaling=scaling, V_rest=V_rest, V_reset=V_reset, V_th=V_th, V_c=V_c, c=c,
                         R=R, tau=tau, V_initializer=V_initializer, noise=noise)
        self._ref_params(tau_ref, ref_var)
        if init_var:
            self.reset_state(self.mode)


class QuaIFRef(_InputsFirst, QuaIFRefLTC):
    __doc__ = QuaIFRefLTC.__doc__ + ' Inputs summed before integrating.'

    derivative = QuaIF.derivative


# ------------------------------------------------------------------------------------------------------- AdExIF

class AdExIFLTC(_Adaptive):
    """Adaptive exponential integrate-and-fire: tau dV/dt = -V + V_rest + delta_T exp((V - V_T)/delta_T) - R w
    + R I, tau_w dw/dt = a (V - V_rest) - w; at a spike V = V_reset, w += b."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', init_var=True, scaling=None,
                 V_rest=-65., V_reset=-68., V_th=-55., V_T=-59.9, delta_T=3.48, a=1., b=1., tau=10., tau_w=30.,
                 R=1., V_initializer=ZeroInit(), w_initializer=ZeroInit(), noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, sharding=sharding, spk_fun=spk_fun,
                         detach_spk=detach_spk, method=method, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         scaling=scaling)
        self.V_rest = self.offset_scaling(self.init_param(V_rest))
        self.V_reset = self.offset_scaling(self.init_param(V_reset))
        self.V_th = self.offset_scaling(self.init_param(V_th))
        self.V_T = self.offset_scaling(self.init_param(V_T))
        self.a = self.init_param(a)
        self.b = self.std_scaling(self.init_param(b))
        self.R = self.init_param(R)
        self.delta_T = self.std_scaling(self.init_param(delta_T))
        self.tau = self.init_param(tau)
        self.tau_w = self.init_param(tau_w)
        self._V_initializer = is_initializer(V_initializer)
        self._w_initializer = is_initializer(w_initializer)
        self.noise = _init_noise(noise, self.varshape, num_vars=2)
        self.integral = _integral(self, self.derivative)
        if init_var:
            self.reset_state(self.mode)

    def dV(self, V, t, w, I):
        I = self.sum_current_inputs(V, init=I)
        exp = self.delta_T * bm.exp((V - self.V_T) / self.delta_T)
        return (- V + self.V_rest + exp - self.R * w + self.R * I) / self.tau


class AdExIF(_InputsFirst, AdExIFLTC):
    __doc__ = AdExIFLTC.__doc__ + ' Inputs summed before integrating.'

    def dV(self, V, t, w, I):
        exp = self.delta_T * bm.exp((V - self.V_T) / self.delta_T)
        return (- V + self.V_rest + exp - self.R * w + self.R * I) / self.tau


class AdExIFRefLTC(_AdaptiveRef, AdExIFLTC):
    """AdExIF with a refractory period tau_ref (t_last_spike starts at -1e8, as BrainPy's)."""

    _t_last_init = -1e8

    def __init__(self, size, sharding=None, keep_size=False, mode=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', name=None, init_var=True, scaling=None,
                 V_rest=-65., V_reset=-68., V_th=-55., V_T=-59.9, delta_T=3.48, a=1., b=1., tau=10., tau_w=30.,
                 R=1., V_initializer=ZeroInit(), w_initializer=ZeroInit(), tau_ref=0., ref_var=False, noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, method=method, sharding=sharding,
                         spk_fun=spk_fun, detach_spk=detach_spk, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         init_var=False, scaling=scaling, V_rest=V_rest, V_reset=V_reset, V_th=V_th, V_T=V_T,
                         delta_T=delta_T, a=a, b=b, R=R, tau=tau, tau_w=tau_w, V_initializer=V_initializer,
                         w_initializer=w_initializer, noise=noise)
        self._ref_params(tau_ref, ref_var)
        if init_var:
            self.reset_state(self.mode)


class AdExIFRef(_InputsFirst, AdExIFRefLTC):
    __doc__ = AdExIFRefLTC.__doc__ + ' Inputs summed before integrating.'

    dV = AdExIF.dV


# ------------------------------------------------------------------------------------------------------ AdQuaIF

class AdQuaIFLTC(_Adaptive):
    """Adaptive quadratic integrate-and-fire: tau dV/dt = c (V - V_rest)(V - V_c) - w + I, tau_w dw/dt
    = a (V - V_rest) - w; at a spike V = V_reset, w += b."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', init_var=True, scaling=None,
                 V_rest=-65., V_reset=-68., V_th=-30., V_c=-50.0, a=1., b=.1, c=.07, tau=10., tau_w=10.,
                 V_initializer=ZeroInit(), w_initializer=ZeroInit(), noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, sharding=sharding, spk_fun=spk_fun,
                         detach_spk=detach_spk, method=method, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         scaling=scaling)
        self.V_rest = self.offset_scaling(self.init_param(V_rest))
        self.V_reset = self.offset_scaling(self.init_param(V_reset))
        self.V_th = self.offset_scaling(self.init_param(V_th))
        self.V_c = self.offset_scaling(self.init_param(V_c))
        self.a = self.init_param(a)
        self.b = self.std_scaling(self.init_param(b))
        self.c = self.inv_scaling(self.init_param(c))
        self.tau = self.init_param(tau)
        self.tau_w = self.init_param(tau_w)
        self._V_initializer = is_initializer(V_initializer)
        self._w_initializer = is_initializer(w_initializer)
        self.noise = _init_noise(noise, self.varshape, num_vars=2)
        self.integral = _integral(self, self.derivative)
        if init_var:
            self.reset_state(self.mode)

    def dV(self, V, t, w, I):
        I = self.sum_current_inputs(V, init=I)
        return (self.c * (V - self.V_rest) * (V - self.V_c) - w + I) / self.tau


class AdQuaIF(_InputsFirst, AdQuaIFLTC):
    __doc__ = AdQuaIFLTC.__doc__ + ' Inputs summed before integrating.'

    def dV(self, V, t, w, I):
        return (self.c * (V - self.V_rest) * (V - self.V_c) - w + I) / self.tau


class AdQuaIFRefLTC(_AdaptiveRef, AdQuaIFLTC):
    """AdQuaIF with a refractory period tau_ref (t_last_spike starts at -1e8, as BrainPy's)."""

    _t_last_init = -1e8

    def __init__(self, size, sharding=None, keep_size=False, mode=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', name=None, init_var=True, scaling=None,
                 V_rest=-65., V_reset=-68., V_th=-30., V_c=-50.0, a=1., b=.1, c=.07, tau=10., tau_w=10.,
                 V_initializer=ZeroInit(), w_initializer=ZeroInit(), tau_ref=0., ref_var=False, noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, method=method, sharding=sharding,
                         spk_fun=spk_fun, detach_spk=detach_spk, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         init_var=False, scaling=scaling, V_rest=V_rest, V_reset=V_reset, V_th=V_th, V_c=V_c, a=a,
                         b=b, c=c, tau=tau, tau_w=tau_w, V_initializer=V_initializer, w_initializer=w_initializer,
                         noise=noise)
        self._ref_params(tau_ref, ref_var)
        if init_var:
            self.reset_state(self.mode)


class AdQuaIFRef(_InputsFirst, AdQuaIFRefLTC):
    __doc__ = AdQuaIFRefLTC.__doc__ + ' Inputs summed before integrating.'

    dV = AdQuaIF.dV


# ---------------------------------------------------------------------------------------------------------- Gif

class GifLTC(GradNeuDyn):
    """Generalized integrate-and-fire (Mihalas & Niebur 2009): dI1/dt = -k1 I1, dI2/dt = -k2 I2,
    dV_th/dt = a (V - V_rest) - b (V_th - V_th_inf), tau dV/dt = -(V - V_rest) + R (I + I1 + I2). V >= V_th (the
    step's starting threshold) spikes: V = V_reset, I1 = R1 I1 + A1, I2 = R2 I2 + A2, V_th = max(V_th_reset, V_th)."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', init_var=True, scaling=None,
                 V_rest=-70., V_reset=-70., V_th_inf=-50., V_th_reset=-60., R=20., tau=20., a=0., b=0.01, k1=0.2,
                 k2=0.02, R1=0., R2=1., A1=0., A2=0., V_initializer=OneInit(-70.), I1_initializer=ZeroInit(),
                 I2_initializer=ZeroInit(), Vth_initializer=OneInit(-50.), noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, sharding=sharding, spk_fun=spk_fun,
                         detach_spk=detach_spk, method=method, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         scaling=scaling)
        self.V_rest = self.offset_scaling(self.init_param(V_rest))
        self.V_reset = self.offset_scaling(self.init_param(V_reset))
        self.V_th_inf = self.offset_scaling(self.init_param(V_th_inf))
        self.V_th_reset = self.offset_scaling(self.init_param(V_th_reset))
        self.R = self.init_param(R)
        self.a = self.init_param(a)
        self.b = self.init_param(b)
        self.k1 = self.init_param(k1)
        self.k2 = self.init_param(k2)
        self.R1 = self.init_param(R1)
        self.R2 = self.init_param(R2)
        self.A1 = self.std_scaling(self.init_param(A1))
        self.A2 = self.std_scaling(self.init_param(A2))
        self.tau = self.init_param(tau)
        self._V_initializer = is_initializer(V_initializer)
        self._I1_initializer = is_initializer(I1_initializer)
        self._I2_initializer = is_initializer(I2_initializer)
        self._Vth_initializer = is_initializer(Vth_initializer)
        self.noise = _init_noise(noise, self.varshape, num_vars=4)
        self.integral = _integral(self, self.derivative)
        if init_var:
            self.reset_state(self.mode)

    def dI1(self, I1, t):
        return - self.k1 * I1

    def dI2(self, I2, t):
        return - self.k2 * I2

    def dVth(self, V_th, t, V):
        return self.a * (V - self.V_rest) - self.b * (V_th - self.V_th_inf)

    def dV(self, V, t, I1, I2, I):
        I = self.sum_current_inputs(V, init=I)
        return (- (V - self.V_rest) + self.R * (I + I1 + I2)) / self.tau

    @property
    def derivative(self):
        return JointEq(self.dI1, self.dI2, self.dVth, self.dV)

    def reset_state(self, batch_size=None, **kwargs):
        self.V = self.offset_scaling(self.init_variable(self._V_initializer, batch_size))
        self.V_th = self.offset_scaling(self.init_variable(self._Vth_initializer, batch_size))
        self.I1 = self.std_scaling(self.init_variable(self._I1_initializer, batch_size))
        self.I2 = self.std_scaling(self.init_variable(self._I2_initializer, batch_size))
        self.spike = self.init_variable(partial(bm.zeros, dtype=self.spk_dtype), batch_size)

    def _step(self, x):
        I1, I2, V_th, V = self.integral(self.I1.value, self.I2.value, self.V_th.value, self.V.value,
                                        share.load('t'), 0. if x is None else x, share.load('dt'))
        return I1, I2, V_th, self._with_delta(V)

    def _commit(self, V, I1, I2, V_th, spike, used):
        """The resets (the threshold test itself, _fire, compares with the Variable V_th: the starting value)."""
        if isinstance(self.mode, bm.TrainingMode):
            I1 = I1 + used * (self.R1 * I1 + self.A1 - I1)
            I2 = I2 + used * (self.R2 * I2 + self.A2 - I2)
            V_th = V_th + (bm.maximum(self.V_th_reset, V_th) - V_th) * used
        else:
            I1 = bm.where(used, self.R1 * I1 + self.A1, I1)
            I2 = bm.where(used, self.R2 * I2 + self.A2, I2)
            V_th = bm.where(used, bm.maximum(self.V_th_reset, V_th), V_th)
        self.spike.value = spike
        self.I1.value = I1
        self.I2.value = I2
        self.V_th.value = V_th
        self.V.value = V
        return spike

    def update(self, x=None):
        I1, I2, V_th, V = self._step(x)
        spike, used, V = self._fire(V, self.V_reset)
        return self._commit(V, I1, I2, V_th, spike, used)


class Gif(_InputsFirst, GifLTC):
    __doc__ = GifLTC.__doc__ + ' Inputs summed before integrating.'

    def dV(self, V, t, I1, I2, I):
        return (- (V - self.V_rest) + self.R * (I + I1 + I2)) / self.tau


class GifRefLTC(_Ref, GifLTC):
    """Gif with a refractory period tau_ref (t_last_spike starts at -1e8, as BrainPy's)."""

    _t_last_init = -1e8

    def __init__(self, size, sharding=None, keep_size=False, mode=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', name=None, init_var=True, scaling=None,
                 V_rest=-70., V_reset=-70., V_th_inf=-50., V_th_reset=-60., R=20., tau=20., a=0., b=0.01, k1=0.2,
                 k2=0.02, R1=0., R2=1., A1=0., A2=0., V_initializer=OneInit(-70.), I1_initializer=ZeroInit(),
                 I2_initializer=ZeroInit(), Vth_initializer=OneInit(-50.), tau_ref=0., ref_var=False, noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, method=method, sharding=sharding,
                         spk_fun=spk_fun, detach_spk=detach_spk, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         init_var=False, scaling=scaling, V_rest=V_rest, V_reset=V_reset, V_th_inf=V_th_inf,
                         V_th_reset=V_th_reset, R=R, tau=tau, a=a, b=b, k1=k1, k2=k2, R1=R1, R2=R2, A1=A1, A2=A2,
                         V_initializer=V_initializer, I1_initializer=I1_initializer, I2_initializer=I2_initializer,
                         Vth_initializer=Vth_initializer, noise=noise)
        self._ref_params(tau_ref, ref_var)
        if init_var:
            self.reset_state(self.mode)

    def update(self, x=None):
        t = share.load('t')
        I1, I2, V_th, V = self._step(x)
        refractory = self._refractory(t)
        V = bm.where(refractory, self.V.value, V)
        spike, used, V = self._fire(V, self.V_reset)
        self._after_spike(t, refractory, used)
        return self._commit(V, I1, I2, V_th, spike, used)


class GifRef(_InputsFirst, GifRefLTC):
    __doc__ = GifRefLTC.__doc__ + ' Inputs summed before integrating.'

    dV = Gif.dV


# --------------------------------------------------------------------------------------------------- Izhikevich

class IzhikevichLTC(GradNeuDyn):
    """Izhikevich: dV/dt = p1 V^2 + p2 V + p3 - u + I, du/dt = a (b V - u); V >= V_th -> V = c, u += d. u starts
    at b V unless u_initializer is given."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', init_var=True, scaling=None,
                 V_th=30., p1=0.04, p2=5., p3=140., a=0.02, b=0.20, c=-65., d=8., tau=10., R=1.,
                 V_initializer=OneInit(-70.), u_initializer=None, noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, sharding=sharding, spk_fun=spk_fun,
                         detach_spk=detach_spk, method=method, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         scaling=scaling)
        s = self.scaling
        self.V_th = self.offset_scaling(self.init_param(V_th))
        self.p1 = self.inv_scaling(self.init_param(p1))
        # p2 and p3 absorb the offset of a scaled V (both plain with the identity scaling)
        shifted = not _is_zero(s.bias)
        self.p2 = self._offset_by(self.init_param(p2), -p1 * 2 * s.bias if shifted else 0., 1.)
        self.p3 = self._offset_by(self.init_param(p3), p1 * s.bias ** 2 + b * s.bias - p2 * s.bias if shifted else 0.,
                                  s.scale)
        self.a = self.init_param(a)
        self.b = self.init_param(b)
        self.c = self.offset_scaling(self.init_param(c))
        self.d = self.std_scaling(self.init_param(d))
        self.R = self.init_param(R)
        self.tau = self.init_param(tau)
        self._V_initializer = is_initializer(V_initializer)
        self._u_initializer = is_initializer(u_initializer, allow_none=True)
        self.noise = _init_noise(noise, self.varshape, num_vars=2)
        self.integral = _integral(self, self.derivative)
        if init_var:
            self.reset_state(self.mode)

    def _offset_by(self, x, bias, scale):
        keep = self.scaling
        try:
            self.scaling = keep.clone(bias=bias, scale=scale)
            return self.offset_scaling(x)
        finally:
            self.scaling = keep

    def dV(self, V, t, u, I):
        I = self.sum_current_inputs(V, init=I)
        return self.p1 * V * V + self.p2 * V + self.p3 - u + I

    def du(self, u, t, V):
        return self.a * (self.b * V - u)

    @property
    def derivative(self):
        return JointEq([self.dV, self.du])

    def reset_state(self, batch_size=None, **kwargs):
        # BrainPy replaces u_initializer by OneInit(b * V) at the first reset, so later resets keep the first V's
        # u; here u = b * V at every reset when no u_initializer was given.
        self.V = self.init_variable(self._V_initializer, batch_size)
        if self._u_initializer is None:
            u = bm.Variable(self.b * self.V.value, batch_axis=self.V.batch_axis)
        else:
            u = self.init_variable(self._u_initializer, batch_size)
        self.V = self.offset_scaling(self.V)
        self.u = self.offset_scaling(u, bias=self.b * self.scaling.bias, scale=self.scaling.scale)
        self.spike = self.init_variable(partial(bm.zeros, dtype=self.spk_dtype), batch_size)

    def _step(self, x):
        V, u = self.integral(self.V.value, self.u.value, share.load('t'), 0. if x is None else x, share.load('dt'))
        return self._with_delta(V), u

    def _fire_izh(self, V, u):
        """(spike as stored, the spike the resets use, V, u) after Izhikevich's reset V = c, u += d."""
        if isinstance(self.mode, bm.TrainingMode):
            spike = self.spk_fun(V - self.V_th)
            used = _stop_gradient(spike) if self.detach_spk else spike
            return spike, used, V + used * (self.c - V), u + used * self.d
        spike = V >= self.V_th
        return spike, spike, bm.where(spike, self.c, V), bm.where(spike, u + self.d, u)

    def update(self, x=None):
        V, u = self._step(x)
        spike, _, V, u = self._fire_izh(V, u)
        self.V.value = V
        self.u.value = u
        self.spike.value = spike
        return spike


class Izhikevich(_InputsFirst, IzhikevichLTC):
    __doc__ = IzhikevichLTC.__doc__ + ' Inputs summed before integrating.'

    def dV(self, V, t, u, I):
        return self.p1 * V * V + self.p2 * V + self.p3 - u + I


class IzhikevichRefLTC(_Ref, IzhikevichLTC):
    """Izhikevich with a refractory period tau_ref."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, spk_fun=None, spk_dtype=None,
                 spk_reset='soft', detach_spk=False, method='exp_auto', name=None, init_var=True, scaling=None,
                 V_th=30., p1=0.04, p2=5., p3=140., a=0.02, b=0.20, c=-65., d=8., tau=10., R=1.,
                 V_initializer=OneInit(-70.), u_initializer=None, tau_ref=0., ref_var=False, noise=None):
        super().__init__(size=size, name=name, keep_size=keep_size, mode=mode, method=method, sharding=sharding,
                         spk_fun=spk_fun, detach_spk=detach_spk, spk_dtype=spk_dtype, spk_reset=spk_reset,
                         init_var=False, scaling=scaling, V_th=V_th, p1=p1, p2=p2, p3=p3, a=a, b=b, c=c, d=d, R=R,
                         tau=tau, V_initializer=V_initializer, u_initializer=u_initializer, noise=noise)
        self._ref_params(tau_ref, ref_var)
        if init_var:
            self.reset_state(self.mode)

    def update(self, x=None):
        t = share.load('t')
        V, u = self._step(x)
        refractory = self._refractory(t)
        V = bm.where(refractory, self.V.value, V)
        spike, used, V, u = self._fire_izh(V, u)
        self._after_spike(t, refractory, used)
        self.V.value = V
        self.u.value = u
        self.spike.value = spike
        return spike


class IzhikevichRef(_InputsFirst, IzhikevichRefLTC):
    __doc__ = IzhikevichRefLTC.__doc__ + ' Inputs summed before integrating.'

    dV = Izhikevich.dV


# ----------------------------------------------------------------------------------------------- Hodgkin-Huxley

class HHLTC(NeuDyn):
    """Hodgkin-Huxley (squid axon; V in mV, t in ms): C dV/dt = -gNa m^3 h (V - ENa) - gK n^4 (V - EK) - gL (V - EL)
    + I, with m, h, n gated by BrainPy's rate functions; a spike is V crossing V_th upwards. m, h, n start at their
    steady state for the initial V unless their initializers are given."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, method='exp_auto',
                 init_var=True, ENa=50., gNa=120., EK=-77., gK=36., EL=-54.387, gL=0.03, V_th=20., C=1.0,
                 V_initializer=Uniform(-70, -60.), m_initializer=None, h_initializer=None, n_initializer=None,
                 noise=None):
        super().__init__(size=size, sharding=sharding, keep_size=keep_size, mode=mode, name=name, method=method)
        self.ENa = self.init_param(ENa)
        self.EK = self.init_param(EK)
        self.EL = self.init_param(EL)
        self.gNa = self.init_param(gNa)
        self.gK = self.init_param(gK)
        self.gL = self.init_param(gL)
        self.C = self.init_param(C)
        self.V_th = self.init_param(V_th)
        self._m_initializer = is_initializer(m_initializer, allow_none=True)
        self._h_initializer = is_initializer(h_initializer, allow_none=True)
        self._n_initializer = is_initializer(n_initializer, allow_none=True)
        self._V_initializer = is_initializer(V_initializer)
        self.noise = _init_noise(noise, self.varshape, num_vars=4)
        self.integral = _integral(self, self.derivative)
        if init_var:
            self.reset_state(self.mode)

    # BrainPy's rates; 1/exprel keeps alpha_m and alpha_n finite at their removable singularities
    def m_alpha(self, V):
        return 1. / bm.exprel(-(V + 40) / 10)

    def m_beta(self, V):
        return 4.0 * bm.exp(-(V + 65) / 18)

    def m_inf(self, V):
        return self.m_alpha(V) / (self.m_alpha(V) + self.m_beta(V))

    def dm(self, m, t, V):
        return self.m_alpha(V) * (1 - m) - self.m_beta(V) * m

    def h_alpha(self, V):
        return 0.07 * bm.exp(-(V + 65) / 20.)

    def h_beta(self, V):
        return 1 / (1 + bm.exp(-(V + 35) / 10))

    def h_inf(self, V):
        return self.h_alpha(V) / (self.h_alpha(V) + self.h_beta(V))

    def dh(self, h, t, V):
        return self.h_alpha(V) * (1 - h) - self.h_beta(V) * h

    def n_alpha(self, V):
        return 0.1 / bm.exprel(-(V + 55) / 10)

    def n_beta(self, V):
        return 0.125 * bm.exp(-(V + 65) / 80)

    def n_inf(self, V):
        return self.n_alpha(V) / (self.n_alpha(V) + self.n_beta(V))

    def dn(self, n, t, V):
        return self.n_alpha(V) * (1 - n) - self.n_beta(V) * n

    def reset_state(self, batch_size=None, **kwargs):
        self.V = self.init_variable(self._V_initializer, batch_size)
        for gate in ('m', 'h', 'n'):
            init = getattr(self, f'_{gate}_initializer')
            if init is None:
                steady = getattr(self, f'{gate}_inf')(self.V.value)
                var = bm.Variable(steady, batch_axis=self.V.batch_axis)
            else:
                var = self.init_variable(init, batch_size)
            setattr(self, gate, var)
        self.spike = self.init_variable(partial(bm.zeros, dtype=bool), batch_size)

    def dV(self, V, t, m, h, n, I):
        I = self.sum_current_inputs(V, init=I)
        I_Na = (self.gNa * m * m * m * h) * (V - self.ENa)
        n2 = n * n
        I_K = (self.gK * n2 * n2) * (V - self.EK)
        I_leak = self.gL * (V - self.EL)
        return (- I_Na - I_K - I_leak + I) / self.C

    @property
    def derivative(self):
        return JointEq(self.dV, self.dm, self.dh, self.dn)

    def update(self, x=None):
        t = share.load('t')
        dt = share.load('dt')
        x = 0. if x is None else x
        V, m, h, n = self.integral(self.V.value, self.m.value, self.h.value, self.n.value, t, x, dt)
        V = self._with_delta(V)
        self.spike.value = bm.logical_and(self.V.value < self.V_th, V >= self.V_th)
        self.V.value = V
        self.m.value = m
        self.h.value = h
        self.n.value = n
        return self.spike.value

    def return_info(self):
        return self.spike


class HH(_InputsFirst, HHLTC):
    __doc__ = HHLTC.__doc__ + ' Inputs summed before integrating.'

    def dV(self, V, t, m, h, n, I):
        I_Na = (self.gNa * m * m * m * h) * (V - self.ENa)
        n2 = n * n
        I_K = (self.gK * n2 * n2) * (V - self.EK)
        I_leak = self.gL * (V - self.EL)
        return (- I_Na - I_K - I_leak + I) / self.C

