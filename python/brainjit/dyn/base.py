"""bp.dyn's base classes: neuron, synapse and synaptic-output dynamics (BrainPy 2.4+ names and behaviour)."""

from functools import partial

from .. import math as bm
from .. import initialize as _init
from ..dynsys import Dynamic, DynamicalSystem
from ..mixin import SupportAutoDelay, ParamDesc, BindCondData

__all__ = ['NeuDyn', 'SynDyn', 'IonChaDyn', 'GradNeuDyn', 'SynOut', 'NeuGroup']


class NeuDyn(Dynamic, SupportAutoDelay):
    """Neuronal dynamics."""

    def _with_delta(self, V):
        """V plus the delta inputs; nothing is added when there are none (BrainPy adds a literal 0.)."""
        d = self.sum_delta_inputs()
        return V if isinstance(d, (int, float)) and d == 0 else V + d


class SynDyn(Dynamic, SupportAutoDelay, ParamDesc):
    """Synaptic dynamics."""


class IonChaDyn(Dynamic):
    """Ion-channel dynamics."""


NeuGroup = NeuDyn  # BrainPy 2.4+ keeps the old name as an alias


class _Scaling:
    """The membrane-potential scaling (BrainPy's bm.Scaling): x -> (x + bias) / scale. brainjit.math has no
    scaling yet, so the default is the identity, and the models skip it then (no ops on parameters or state)."""

    def __init__(self, scale=1., bias=0.):
        self.scale = scale
        self.bias = bias

    def clone(self, scale=None, bias=None):
        return type(self)(self.scale if scale is None else scale, self.bias if bias is None else bias)

    def offset_scaling(self, x, bias=None, scale=None):
        bias = self.bias if bias is None else bias
        scale = self.scale if scale is None else scale
        return (x + bias) / scale

    def std_scaling(self, x, scale=None):
        return x / (self.scale if scale is None else scale)

    def inv_scaling(self, x, scale=None):
        return x * (self.scale if scale is None else scale)


def _default_scaling():
    get = getattr(bm, 'get_membrane_scaling', None)
    return get() if get is not None else _Scaling()


def _is_zero(x):
    return isinstance(x, (int, float)) and x == 0


def _is_one(x):
    return isinstance(x, (int, float)) and x == 1


class _Scaled:
    """offset_/std_/inv_scaling as BrainPy (an Array argument is updated in place and returned); with the identity
    scaling they return their argument untouched."""

    def offset_scaling(self, x, bias=None, scale=None):
        s = self.scaling
        if _is_zero(s.bias if bias is None else bias) and _is_one(s.scale if scale is None else scale):
            return x
        return self._scaled(x, s.offset_scaling(x, bias=bias, scale=scale))

    def std_scaling(self, x, scale=None):
        if _is_one(self.scaling.scale if scale is None else scale):
            return x
        return self._scaled(x, self.scaling.std_scaling(x, scale=scale))

    def inv_scaling(self, x, scale=None):
        if _is_one(self.scaling.scale if scale is None else scale):
            return x
        return self._scaled(x, self.scaling.inv_scaling(x, scale=scale))

    @staticmethod
    def _scaled(x, s):
        if isinstance(x, bm.Array):
            x.value = s
            return x
        return s


def _heaviside(x):
    """The forward value of BrainPy's surrogate spike functions: 1 where x >= 0, else 0 (x's dtype)."""
    return (x >= 0.).astype(x.dtype)


def _default_spk_fun():
    surrogate = getattr(bm, 'surrogate', None)
    return surrogate.InvSquareGrad() if surrogate is not None else _heaviside


def _stop_gradient(x):
    sg = getattr(bm, 'stop_gradient', None)
    return sg(x) if sg is not None else x


def is_initializer(initializer, name=None, allow_none=False):
    """BrainPy's check.is_initializer: an Initializer, an array or a callable (None if allowed)."""
    if initializer is None:
        if allow_none:
            return None
        raise ValueError(f'{name or ""} must be an initializer, but we got None.')
    if isinstance(initializer, (_init.Initializer, bm.Array)) or callable(initializer):
        return initializer
    raise ValueError(f'{name or ""} should be an instance of brainpy.init.Initializer, tensor or callable function. '
                     f'While we got {type(initializer)}')


class GradNeuDyn(_Scaled, NeuDyn):
    """A neuron group that can also run in training mode (surrogate spikes, soft or hard reset), BrainPy's
    GradNeuDyn. The spike/reset/refractory steps shared by the point-neuron models are here, written once."""

    supported_modes = (bm.TrainingMode, bm.NonBatchingMode)

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None, method='exp_auto',
                 scaling=None, spk_fun=None, spk_dtype=None, spk_reset='soft', detach_spk=False):
        super().__init__(size=size, mode=mode, keep_size=keep_size, name=name, sharding=sharding, method=method)
        if spk_fun is None:
            spk_fun = _default_spk_fun()
        if not callable(spk_fun):
            raise TypeError(f'"spk_fun" must be a callable, but we got {type(spk_fun)}.')
        self.spk_reset = spk_reset
        self.spk_fun = spk_fun
        self.detach_spk = detach_spk
        self._spk_dtype = spk_dtype
        self.scaling = _default_scaling() if scaling is None else scaling

    @property
    def spk_dtype(self):
        if self._spk_dtype is None:
            return bm.float_ if isinstance(self.mode, bm.TrainingMode) else bm.bool_
        return self._spk_dtype

    # -- pieces of update() (traced) --

    def _fire(self, V, V_reset):
        """(spike as stored, the spike the resets use, V after the reset). Outside training: V >= V_th, and V set
        to V_reset where it spiked."""
        if isinstance(self.mode, bm.TrainingMode):
            spike = self.spk_fun(V - self.V_th)
            used = _stop_gradient(spike) if self.detach_spk else spike
            if self.spk_reset == 'soft':
                V = V - (self.V_th - V_reset) * used
            elif self.spk_reset == 'hard':
                V = V + (V_reset - V) * used
            else:
                raise ValueError(f"Unknown spk_reset mode: {self.spk_reset}. Must be 'soft' or 'hard'.")
            return spike, used, V
        spike = V >= self.V_th
        return spike, spike, bm.where(spike, V_reset, V)

    def _refractory(self, t):
        """Whether each neuron is still refractory at time t (BrainPy: t - t_last_spike <= tau_ref)."""
        r = (t - self.t_last_spike.value) <= self.tau_ref
        return _stop_gradient(r) if isinstance(self.mode, bm.TrainingMode) else r

    def _after_spike(self, t, refractory, used):
        """Records the spike time (and the refractory flag when ref_var) of a Ref model."""
        spiked = used > 0. if isinstance(self.mode, bm.TrainingMode) else used
        if self.ref_var:
            self.refractory.value = bm.logical_or(refractory, spiked)
        self.t_last_spike.value = bm.where(spiked, t, self.t_last_spike.value)

    def _init_ref_state(self, batch_size, t0=-1e7):
        self.t_last_spike = self.init_variable(bm.ones, batch_size)
        self.t_last_spike.fill(t0)
        if self.ref_var:
            self.refractory = self.init_variable(partial(bm.zeros, dtype=bool), batch_size)

    def return_info(self):
        return self.spike


class SynOut(_Scaled, DynamicalSystem, ParamDesc, BindCondData):
    """A synaptic output: turns the conductance bound with bind_cond() into a current (BrainPy's SynOut). Calling
    it without a bound conductance is an error."""

    def __init__(self, name=None, scaling=None):
        super().__init__(name=name)
        self._conductance = None
        self.scaling = _default_scaling() if scaling is None else scaling

    def __call__(self, *args, **kwargs):
        if self._conductance is None:
            raise ValueError(f'Please first pack conductance data at the current step using '
                             f'".{BindCondData.bind_cond.__name__}(data)". {self}')
        return self.update(self._conductance, *args, **kwargs)

    def reset_state(self, *args, **kwargs):
        pass
