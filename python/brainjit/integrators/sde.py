"""bp.sdeint and BrainPy's SDE methods: Euler–Maruyama (Itô) / Heun (Stratonovich), Milstein, exponential Euler."""

import inspect
import math as _math

from .. import errors
from .. import math as bm
from . import constants as C
from .base import Integrator
from .joint_eq import JointEq
from .ode import exp_euler_step, _f_name
from .utils import get_args, value, Binder

__all__ = [
    'SDEIntegrator', 'sdeint', 'set_default_sdeint', 'get_default_sdeint', 'register_sde_integrator',
    'get_supported_methods',
    'Euler', 'Heun', 'Milstein', 'MilsteinGradFree', 'ExponentialEuler',
]


def _sqrt(dt):
    # a Python dt stays a (weakly typed) Python number, so it does not change the variables' dtype
    return _math.sqrt(dt) if isinstance(dt, (int, float)) else bm.sqrt(dt)


def _shape(x):
    return tuple(bm.shape(value(x)))


def _randn(shape):
    # from bm.random's default RandomState: inside bm.jit it is a Variable the compiled loop carries
    return bm.random.randn(*shape)


class SDEIntegrator(Integrator):
    """The base of SDE integrators: dx = f(x, t, ...) dt + g(x, t, ...) dW. ``f`` and ``g`` take the same
    arguments (called by name); ``g`` may return None for a variable without noise."""

    def __init__(self, f, g, dt=None, name=None, show_code=False, var_type=None, intg_type=None, wiener_type=None,
                 state_delays=None):
        for what, fn in (('f', f), ('g', g)):
            if not callable(fn):
                raise errors.DiffEqError(f'The {"drift" if what == "f" else "diffusion"} function "{what}" must '
                                         f'be callable, but we got {type(fn).__name__}.')
        dt = bm.get_dt() if dt is None else dt
        variables, parameters, arguments = get_args(f)
        for p in variables + parameters:
            if p == C.DT:
                raise errors.CodeError(f'{C.DT} is a system keyword denotes the precision of numerical '
                                       f'integration. It cannot be used as a variable or parameter, please change '
                                       f'an another name.')
        super().__init__(variables=variables, parameters=parameters, arguments=arguments, dt=dt, name=name,
                         state_delays=state_delays)
        self.f = f
        self.g = g
        self.derivative = {C.F: f, C.G: g}
        intg_type = C.ITO_SDE if intg_type is None else intg_type
        var_type = C.SCALAR_VAR if var_type is None else var_type
        wiener_type = C.SCALAR_WIENER if wiener_type is None else wiener_type
        if intg_type not in C.SUPPORTED_INTG_TYPE:
            raise errors.IntegratorError(f'Currently, BrainPy only support SDE_INT types: {C.SUPPORTED_INTG_TYPE}. '
                                         f'But we got {intg_type}.')
        if var_type not in C.SUPPORTED_VAR_TYPE:
            raise errors.IntegratorError(f'Currently, BrainPy only supports variable types: '
                                         f'{C.SUPPORTED_VAR_TYPE}. But we got {var_type}.')
        if wiener_type not in C.SUPPORTED_WIENER_TYPE:
            raise errors.IntegratorError(f'Currently, BrainPy only supports Wiener Process types: '
                                         f'{C.SUPPORTED_WIENER_TYPE}. But we got {wiener_type}.')
        self.var_type = var_type
        self.intg_type = intg_type
        self.wiener_type = wiener_type
        self.show_code = show_code
        self.func_name = _f_name(f).replace(C.ODE_INT, C.SDE_INT, 1)
        self._binder = Binder(f, self.dt, self.func_name)

    # ---- helpers of the methods
    def _bind(self, args, kwargs):
        """({name: value} without dt, dt)."""
        vals = self._binder.bind(args, kwargs)
        dt = vals.pop(C.DT)
        return vals, dt

    def _per_var(self, out, what):
        n = len(self.variables)
        if n == 1:
            if isinstance(out, (tuple, list)) and len(out) == 1:
                out = out[0]
            if isinstance(out, (tuple, list)):
                raise ValueError(f'{what} values must be a tensor when there is only one variable in the equation.')
            return {self.variables[0]: out}
        if not isinstance(out, (tuple, list)) or len(out) != n:
            raise ValueError(f'{what} values must be a list/tuple of tensors when there are multiple variables in '
                             f'the equation ({n}: {self.variables}).')
        return dict(zip(self.variables, out))

    def _call(self, fn, vals):
        if self._binder.varargs is None:
            return fn(**vals)
        return fn(*self._binder.positional(vals))

    def _drifts(self, vals):
        return self._per_var(self._call(self.f, vals), 'Drift')

    def _diffusions(self, vals):
        out = self._per_var(self._call(self.g, vals), 'Diffusion')
        if self.wiener_type == C.VECTOR_WIENER:
            for key, val in out.items():
                if val is not None and bm.ndim(val) == 0:
                    raise ValueError(f'{C.VECTOR_WIENER} wiener process needs multiple dimensional diffusion '
                                     f'value. But we got a scale value for variable {key}.')
        return out

    def _noise_shape(self, key, vals, diffusion):
        shape = _shape(vals[key])
        if self.wiener_type == C.VECTOR_WIENER:
            gshape = _shape(diffusion)
            if gshape[:-1] != shape:
                raise ValueError(f'Incompatible shapes for vector Wiener process: the diffusion of "{key}" has '
                                 f'shape {gshape}, so its leading dimensions {gshape[:-1]} must equal the '
                                 f'variable shape {shape}.')
            shape = shape + gshape[-1:]
        return shape

    def _apply(self, diffusion, noise):
        """The diffusion times the noise, summed over the Wiener processes of a vector Wiener process."""
        if self.wiener_type == C.VECTOR_WIENER:
            return bm.sum(diffusion * noise, axis=-1)
        return diffusion * noise

    def _result(self, integrals):
        return integrals if len(self.variables) > 1 else integrals[0]


class Euler(SDEIntegrator):
    """Euler–Maruyama for Itô SDEs: ``x + f dt + g sqrt(dt) ξ``, ξ ~ N(0, 1) per element (and per Wiener process
    of a vector Wiener process); for Stratonovich SDEs the Heun predictor–corrector of the noise term:
    ``x + f dt + (g(x) + g(x + g(x) ΔW)) / 2 ΔW``."""

    def __init__(self, f, g, dt=None, name=None, show_code=False, var_type=None, intg_type=None, wiener_type=None,
                 state_delays=None):
        super().__init__(f=f, g=g, dt=dt, name=name, show_code=show_code, var_type=var_type, intg_type=intg_type,
                         wiener_type=wiener_type, state_delays=state_delays)
        self.set_integral(self.step)

    def step(self, *args, **kwargs):
        vals, dt = self._bind(args, kwargs)
        drifts = self._drifts(vals)
        diffusions = self._diffusions(vals)
        integrals = []
        if self.intg_type == C.ITO_SDE:
            for key in self.variables:
                integral = vals[key] + drifts[key] * dt
                g = diffusions[key]
                if g is not None:
                    noise = _randn(self._noise_shape(key, vals, g))
                    integral = integral + self._apply(g, noise) * _sqrt(dt)
                integrals.append(integral)
            return self._result(integrals)
        bars = dict(vals)
        noises = {}
        for key in self.variables:
            g = diffusions[key]
            if g is None:
                continue
            noises[key] = _randn(self._noise_shape(key, vals, g)) * _sqrt(dt)
            bars[key] = vals[key] + self._apply(g, noises[key])
        diffusion_bars = self._per_var(self._call(self.g, bars), 'Diffusion')
        for key in self.variables:
            integral = vals[key] + drifts[key] * dt
            if diffusion_bars[key] is not None and key in noises:
                integral = integral + self._apply((diffusions[key] + diffusion_bars[key]) / 2, noises[key])
            integrals.append(integral)
        return self._result(integrals)


class Heun(Euler):
    """Heun's method for Stratonovich SDEs (intg_type must be 'Stratonovich')."""

    def __init__(self, f, g, dt=None, name=None, show_code=False, var_type=None, intg_type=None, wiener_type=None,
                 state_delays=None):
        if intg_type != C.STRA_SDE:
            raise errors.IntegratorError(f'Heun method only supports Stranovich integral of SDEs, but we got '
                                         f'{intg_type} integral.')
        super().__init__(f=f, g=g, dt=dt, name=name, show_code=show_code, var_type=var_type, intg_type=intg_type,
                         wiener_type=wiener_type, state_delays=state_delays)


def _single_var_parses(eq, cls_name, allow_raise=True):
    """[(equation, variable, parameters)] of a single-variable equation or of each equation of a JointEq."""
    if isinstance(eq, JointEq):
        out = []
        for sub in eq.eqs:
            out.extend(_single_var_parses(sub, cls_name, allow_raise))
        return out
    vars_, pars, _ = get_args(eq)
    if len(vars_) != 1:
        raise errors.DiffEqError(C.multi_vars_msg.format(cls=cls_name, vars=str(vars_), eq=str(eq)))
    return [(eq, vars_[0], pars)]


def _grad(eq, x, kwargs):
    """d eq / d x along a ones tangent (elementwise derivative), by bm.jvp."""
    x = value(x)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        x = bm.asarray(float(x), dtype=bm.float_)
    _, tangent = bm.jvp(lambda v: bm.asarray(eq(v, **kwargs)), (x,), (bm.ones_like(x),))
    return tangent


class Milstein(SDEIntegrator):
    """The Milstein method (strong order 1): Euler–Maruyama plus ``g g' / 2 (ΔW² - dt)`` (Itô) or
    ``g g' / 2 ΔW²`` (Stratonovich), g' = dg/dx from bm.jvp. g must have one variable (or be a JointEq)."""

    def __init__(self, f, g, dt=None, name=None, show_code=False, var_type=None, intg_type=None, wiener_type=None,
                 state_delays=None):
        super().__init__(f=f, g=g, dt=dt, name=name, show_code=show_code, var_type=var_type, intg_type=intg_type,
                         wiener_type=wiener_type, state_delays=state_delays)
        self._g_parses = _single_var_parses(g, type(self).__name__)
        if [v for _, v, _ in self._g_parses] != self.variables:
            raise ValueError(f'"f" and "g" should defined with JointEq both, and should keep the same structure '
                             f'(variables of f: {self.variables}, of g: {[v for _, v, _ in self._g_parses]}).')
        self.set_integral(self.step)

    def step(self, *args, **kwargs):
        vals, dt = self._bind(args, kwargs)
        drifts = self._drifts(vals)
        diffusions = self._diffusions(vals)
        integrals = []
        for eq, key, pars in self._g_parses:
            integral = vals[key] + drifts[key] * dt
            g = diffusions[key]
            if g is not None:
                dg = _grad(eq, vals[key], {p: value(vals[p]) for p in pars if p in vals})
                noise = _randn(self._noise_shape(key, vals, g)) * _sqrt(dt)
                integral = integral + self._apply(g, noise)
                noise_p2 = (noise ** 2 - dt) if self.intg_type == C.ITO_SDE else noise ** 2
                integral = integral + self._apply(g * dg / 2, noise_p2)
            integrals.append(integral)
        return self._result(integrals)


class MilsteinGradFree(SDEIntegrator):
    """The derivative-free Milstein method: g' replaced by the difference quotient
    ``(g(x + f dt + g sqrt(dt)) - g(x)) / sqrt(dt)``."""

    def __init__(self, f, g, dt=None, name=None, show_code=False, var_type=None, intg_type=None, wiener_type=None,
                 state_delays=None):
        super().__init__(f=f, g=g, dt=dt, name=name, show_code=show_code, var_type=var_type, intg_type=intg_type,
                         wiener_type=wiener_type, state_delays=state_delays)
        self.set_integral(self.step)

    def step(self, *args, **kwargs):
        vals, dt = self._bind(args, kwargs)
        drifts = self._drifts(vals)
        diffusions = self._diffusions(vals)
        sq = _sqrt(dt)
        bars = dict(vals)
        for key in self.variables:
            bar = vals[key] + drifts[key] * dt
            if diffusions[key] is not None:
                bar = bar + diffusions[key] * sq
            bars[key] = bar
        diffusion_bars = self._per_var(self._call(self.g, bars), 'Diffusion')
        integrals = []
        for key in self.variables:
            integral = vals[key] + drifts[key] * dt
            g = diffusions[key]
            if g is not None:
                noise = _randn(self._noise_shape(key, vals, g)) * sq
                integral = integral + self._apply(g, noise)
                noise_p2 = (noise ** 2 - dt) if self.intg_type == C.ITO_SDE else noise ** 2
                if self.wiener_type == C.VECTOR_WIENER:
                    g_bar = bm.diagonal(diffusion_bars[key], axis1=-2, axis2=-1)
                else:
                    g_bar = diffusion_bars[key]
                integral = integral + self._apply((g_bar - g) / 2 / sq, noise_p2)
            integrals.append(integral)
        return self._result(integrals)


class ExponentialEuler(SDEIntegrator):
    """The exponential Euler method for Itô SDEs: the drift integrated by the exponential Euler step (as the ODE
    'exp_auto'), then ``g sqrt(dt) ξ`` added. f must have one variable (or be a JointEq)."""

    def __init__(self, f, g, dt=None, name=None, show_code=False, var_type=None, intg_type=None, wiener_type=None,
                 dyn_vars=None, state_delays=None):
        super().__init__(f=f, g=g, dt=dt, name=name, show_code=show_code, var_type=var_type, intg_type=intg_type,
                         wiener_type=wiener_type, state_delays=state_delays)
        if self.intg_type == C.STRA_SDE:
            raise NotImplementedError(f'{type(self).__name__} does not support integral type of {C.STRA_SDE}. It '
                                      f'only supports {C.ITO_SDE} now. ')
        self._parses = _single_var_parses(f, type(self).__name__)
        self.set_integral(self.step)

    def step(self, *args, **kwargs):
        vals, dt = self._bind(args, kwargs)
        diffusions = self._call(self.g, vals)
        if len(self._parses) > 1 and not isinstance(diffusions, (tuple, list)):
            raise ValueError(f'Diffusion values must be a list/tuple of tensors when there are multiple variables '
                             f'in the equation ({self.variables}).')
        results = []
        for i, (eq, key, pars) in enumerate(self._parses):
            kw = {p: value(vals[p]) for p in pars if p in vals}
            r = exp_euler_step(eq, vals[key], kw, dt)
            g = diffusions[i] if isinstance(diffusions, (tuple, list)) else diffusions
            if g is not None:
                if self.wiener_type == C.VECTOR_WIENER and bm.ndim(g) == 0:
                    raise ValueError(f'{C.VECTOR_WIENER} wiener process needs multiple dimensional diffusion '
                                     f'value. But we got a scale value for variable {key}.')
                noise = _randn(self._noise_shape(key, vals, g))
                r = r + self._apply(g, noise) * _sqrt(dt)
            results.append(r)
        return self._result(results)


# ---------------------------------------------------------------------------------------------------- registry
name2method = {}
_DEFAULT_SDE_METHOD = 'euler'


def register_sde_integrator(name, integrator):
    """Registers an SDEIntegrator subclass under a method name."""
    if name in name2method:
        raise ValueError(f'"{name}" has been registered in SDE integrators.')
    if not (inspect.isclass(integrator) and issubclass(integrator, SDEIntegrator)):
        raise ValueError(f'"integrator" must be an instance of {SDEIntegrator.__name__}')
    name2method[name] = integrator


for _name, _cls in [('euler', Euler), ('heun', Heun), ('milstein', Milstein), ('milstein2', MilsteinGradFree),
                    ('milstein_grad_free', MilsteinGradFree), ('exponential_euler', ExponentialEuler),
                    ('exp_euler', ExponentialEuler), ('exp_euler_auto', ExponentialEuler),
                    ('exp_auto', ExponentialEuler)]:
    register_sde_integrator(_name, _cls)
del _name, _cls


def get_supported_methods():
    """The names of the SDE methods."""
    return list(name2method.keys())


def set_default_sdeint(method):
    """Sets the method bp.sdeint uses when none is given."""
    if not isinstance(method, str):
        raise ValueError(f'Only support string, not {type(method)}.')
    if method not in name2method:
        raise ValueError(f'Unsupported SDE_INT numerical method: {method}.')
    global _DEFAULT_SDE_METHOD
    _DEFAULT_SDE_METHOD = method


def get_default_sdeint():
    """The method bp.sdeint uses when none is given ('euler')."""
    return _DEFAULT_SDE_METHOD


def sdeint(f=None, g=None, method=None, dt=None, name=None, show_code=False, var_type=None, intg_type=None,
           wiener_type=None, state_delays=None):
    """The numerical integrator of the SDE dx = f(x, t, ...) dt + g(x, t, ...) dW (BrainPy's bp.sdeint).

    ``method``: 'euler' (default; Euler–Maruyama for intg_type 'Ito' (default), Heun's scheme for
    'Stratonovich'), 'heun', 'milstein', 'milstein2' / 'milstein_grad_free', 'exp_euler' / 'exp_auto';
    ``wiener_type``: 'scalar' (default: one Wiener process per element) or 'vector' (g's last axis indexes the
    processes). The noise comes from bm.random's default RandomState, so a call inside bm.jit draws inside the
    compiled loop (seed it with bm.random.seed). With only f given, returns a decorator for g (and vice versa).

    >>> integral = bp.sdeint(f=lambda x, t: -x, g=lambda x, t: 0.5)
    >>> x = integral(bm.zeros(10), 0.)
    """
    method = _DEFAULT_SDE_METHOD if method is None else method
    if method not in name2method:
        raise ValueError(f'Unknown SDE numerical method "{method}". Currently BrainPy only support: '
                         f'{list(name2method.keys())}')

    def make(f, g):
        integ = name2method[method](f=f, g=g, dt=dt, name=name, show_code=show_code, var_type=var_type,
                                    intg_type=intg_type, wiener_type=wiener_type, state_delays=state_delays)
        integ.method = method
        return integ

    if f is not None and g is not None:
        return make(f, g)
    if f is not None:
        return lambda g: make(f, g)
    if g is not None:
        return lambda f: make(f, g)
    raise ValueError('Must provide "f" or "g".')
