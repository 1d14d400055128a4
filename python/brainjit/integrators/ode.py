"""bp.odeint and BrainPy's ODE methods: explicit Runge–Kutta (Butcher tableaus), adaptive RK, exponential Euler."""

import inspect

from .. import errors
from .. import math as bm
from . import constants as C
from .base import Integrator
from .joint_eq import JointEq
from .utils import get_args, value, Binder

__all__ = [
    'ODEIntegrator', 'odeint', 'set_default_odeint', 'get_default_odeint', 'register_ode_integrator',
    'get_supported_methods',
    'ExplicitRKIntegrator', 'Euler', 'MidPoint', 'Heun2', 'Ralston2', 'RK2', 'RK3', 'Heun3', 'Ralston3', 'SSPRK3',
    'RK4', 'Ralston4', 'RK4Rule38',
    'AdaptiveRKIntegrator', 'RKF12', 'RKF45', 'DormandPrince', 'CashKarp', 'BogackiShampine', 'HeunEuler', 'BoSh3',
    'ExponentialEuler',
]


def _f_name(f):
    name = C.unique_name('ode')
    fn = getattr(f, '__name__', '')
    return name + '_' + fn if isinstance(fn, str) and fn.isidentifier() else name


class ODEIntegrator(Integrator):
    """The base of ODE integrators: ``f(*variables, t, *parameters)`` returns the derivative of each variable (one
    value, or a tuple / list with one per variable)."""

    def __init__(self, f, var_type=None, dt=None, name=None, show_code=False, state_delays=None,
                 neutral_delays=None):
        if not callable(f):
            raise errors.DiffEqError(f'The derivative function must be callable, but we got {type(f).__name__}.')
        dt = bm.get_dt() if dt is None else dt
        variables, parameters, arguments = get_args(f)
        for p in variables + parameters:
            if p == C.DT:
                raise errors.CodeError(f'{C.DT} is a system keyword denotes the precision of numerical '
                                       f'integration. It cannot be used as a variable or parameter, please change '
                                       f'an another name.')
        super().__init__(variables=variables, parameters=parameters, arguments=arguments, dt=dt, name=name,
                         state_delays=state_delays)
        if neutral_delays:
            raise errors.UnsupportedError('neutral_delays are not supported by brainjit\'s integrators yet.')
        self.show_code = show_code
        self.var_type = var_type
        self.f = f
        self.derivative = {C.F: f}
        self.func_name = _f_name(f)
        self._binder = Binder(f, self.dt, self.func_name)

    @property
    def neutral_delays(self):
        return {}

    def _derivs(self, out):
        """The derivative function's result as one value per variable."""
        n = len(self.variables)
        if isinstance(out, (tuple, list)):
            if len(out) != n:
                raise ValueError(f'{self.func_name}: the derivative function returned {len(out)} values, but the '
                                 f'equation has {n} variables {self.variables}.')
            return list(out)
        if n != 1:
            raise ValueError(f'{self.func_name}: the derivative function must return a tuple / list of {n} '
                             f'values (one per variable {self.variables}), but it returned one value.')
        return [out]

    def _print_code(self, lines):
        if self.show_code:
            print('\n'.join([f'def {self.func_name}({", ".join(self.arguments)}):'] + ['  ' + s for s in lines]))
            print()


# ---------------------------------------------------------------------------------------------------- tableaus
def _coef(c):
    """A tableau entry in the form it is applied in BrainPy's generated code: 0 (the term is left out), 1 (added
    without a multiplication), a float (one multiplication) or (p, q) for an entry written as the fraction 'p/q'
    (applied as ``x * p / q``: two roundings, which f32 results depend on)."""
    if isinstance(c, str):
        if '/' in c:
            p, q = c.split('/')
            return (int(p), int(q))
        c = float(c)
    return 0 if c == 0 else 1 if c == 1 else float(c)


def _scale(x, c):
    if isinstance(c, tuple):
        return x * c[0] / c[1]
    return x if c == 1 else x * c


def _coef_value(c):
    return c[0] / c[1] if isinstance(c, tuple) else c


def _coef_text(c):
    return f'{c[0]}/{c[1]}' if isinstance(c, tuple) else repr(c)


class _Tableau:
    """A Butcher tableau parsed once: rows of A (stage arguments), B (weights), C (nodes)."""

    def __init__(self, A, B, C_):
        if not (len(A) == len(B) == len(C_)):
            raise ValueError(f'A Butcher tableau needs as many rows of A as weights B and nodes C; got {len(A)}, '
                             f'{len(B)} and {len(C_)}.')
        self.A = [[_coef(a) for a in row] for row in A]
        self.B = [_coef(b) for b in B]
        self.C = [_coef(c) for c in C_]
        for i, row in enumerate(self.A):
            if len(row) > i:
                raise ValueError(f'Row {i} of A has {len(row)} entries: an explicit method uses only the earlier '
                                 f'stages ({i}).')


def _rk_stages(f_call, tab, xs, t, dt):
    """The stage derivatives k[s][i] of an explicit RK method (the expressions in BrainPy's order of operations:
    ``x + dt * k1 * a1 + dt * k2 * a2``, ``t + dt * c``)."""
    ks = []
    for row, c in zip(tab.A, tab.C):
        args = []
        for i, x in enumerate(xs):
            acc = x
            for j, a in enumerate(row):
                if a != 0:
                    acc = acc + _scale(dt * ks[j][i], a)
            args.append(acc)
        ts = t if c == 0 else t + _scale(dt, c)
        ks.append(f_call(args, ts))
    return ks


def _rk_combine(x, ks, i, weights, dt):
    """x + k1 * dt * b1 + k2 * dt * b2 + ... (zero weights left out)."""
    acc = x
    for k, b in zip(ks, weights):
        if b != 0:
            acc = acc + _scale(k[i] * dt, b)
    return acc


def _rk_text(variables, tab, weights, rest):
    lines = []
    for s, (row, c) in enumerate(zip(tab.A, tab.C)):
        for v in variables:
            terms = ''.join(f' + dt * d{v}_k{j + 1}' + ('' if a == 1 else f' * {_coef_text(a)}')
                            for j, a in enumerate(row) if a != 0)
            if terms:
                lines.append(f'k{s + 1}_{v}_arg = {v}{terms}')
        targ = 't' if c == 0 else 't + dt' + ('' if c == 1 else f' * {_coef_text(c)}')
        args = [f'k{s + 1}_{v}_arg' if any(a != 0 for a in row) else v for v in variables]
        lines.append(f'{", ".join(f"d{v}_k{s + 1}" for v in variables)} = f({", ".join(args + [targ] + rest)})')
    for v in variables:
        terms = ''.join(f' + d{v}_k{j + 1} * dt' + ('' if b == 1 else f' * {_coef_text(b)}')
                        for j, b in enumerate(weights) if b != 0)
        lines.append(f'{v}_new = {v}{terms}')
    return lines


class ExplicitRKIntegrator(ODEIntegrator):
    """An explicit Runge–Kutta method given by its Butcher tableau (class attributes A, B, C; fractions may be
    written as strings 'p/q')::

        k_s = f(x + dt * sum_j A[s][j] k_j, t + C[s] dt),   x_new = x + dt * sum_s B[s] k_s
    """

    A = []
    B = []
    C = []

    def __init__(self, f, var_type=None, dt=None, name=None, show_code=False, state_delays=None,
                 neutral_delays=None):
        super().__init__(f=f, var_type=var_type, dt=dt, name=name, show_code=show_code, state_delays=state_delays,
                         neutral_delays=neutral_delays)
        self._tableau = _Tableau(self.A, self.B, self.C)
        self.build()

    def build(self):
        self._print_code(_rk_text(self.variables, self._tableau, self._tableau.B, self.parameters[1:]) +
                         [f'return {", ".join(v + "_new" for v in self.variables)}'])
        self.set_integral(self._step)

    def _stages(self, args, kwargs):
        vals = self._binder.bind(args, kwargs)
        dt = vals[C.DT]
        xs = [vals[v] for v in self.variables]
        rest = self._binder.positional(vals)[len(xs) + 1:]

        def f_call(stage_xs, ts):
            return self._derivs(self.f(*stage_xs, ts, *rest))

        return xs, dt, _rk_stages(f_call, self._tableau, xs, vals['t'], dt)

    def _step(self, *args, **kwargs):
        xs, dt, ks = self._stages(args, kwargs)
        new = [_rk_combine(x, ks, i, self._tableau.B, dt) for i, x in enumerate(xs)]
        return new[0] if len(new) == 1 else tuple(new)


class Euler(ExplicitRKIntegrator):
    """The forward Euler method (order 1)."""
    A = [()]
    B = [1]
    C = [0]


class MidPoint(ExplicitRKIntegrator):
    """The explicit midpoint method (order 2)."""
    A = [(), (0.5,)]
    B = [0, 1]
    C = [0, 0.5]


class Heun2(ExplicitRKIntegrator):
    """Heun's method, the explicit trapezoidal rule (order 2)."""
    A = [(), (1,)]
    B = [0.5, 0.5]
    C = [0, 1]


class Ralston2(ExplicitRKIntegrator):
    """Ralston's second-order method (the least error bound among two-stage methods)."""
    A = [(), ('2/3',)]
    B = [0.25, 0.75]
    C = [0, '2/3']


class RK2(ExplicitRKIntegrator):
    """The two-stage second-order family: a21 = c2 = beta, b = (1 - 1/(2 beta), 1/(2 beta)); beta = 2/3 (BrainPy's
    default) is Ralston's, 1/2 the midpoint, 1 Heun's method."""

    def __init__(self, f, beta=2 / 3, var_type=None, dt=None, name=None, show_code=False, state_delays=None,
                 neutral_delays=None):
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or beta == 0:
            raise ValueError(f'RK2: beta must be a non-zero Python number, but we got {beta!r}.')
        self.beta = beta
        self.A = [(), (beta,)]
        self.B = [1 - 1 / (2 * beta), 1 / (2 * beta)]
        self.C = [0, beta]
        super().__init__(f=f, var_type=var_type, dt=dt, name=name, show_code=show_code, state_delays=state_delays,
                         neutral_delays=neutral_delays)


class RK3(ExplicitRKIntegrator):
    """Kutta's third-order method."""
    A = [(), (0.5,), (-1, 2)]
    B = ['1/6', '2/3', '1/6']
    C = [0, 0.5, 1]


class Heun3(ExplicitRKIntegrator):
    """Heun's third-order method."""
    A = [(), ('1/3',), (0, '2/3')]
    B = [0.25, 0, 0.75]
    C = [0, '1/3', '2/3']


class Ralston3(ExplicitRKIntegrator):
    """Ralston's third-order method."""
    A = [(), (0.5,), (0, 0.75)]
    B = ['2/9', '1/3', '4/9']
    C = [0, 0.5, 0.75]


class SSPRK3(ExplicitRKIntegrator):
    """The third-order strong-stability-preserving Runge–Kutta method."""
    A = [(), (1,), (0.25, 0.25)]
    B = ['1/6', '1/6', '2/3']
    C = [0, 1, 0.5]


class RK4(ExplicitRKIntegrator):
    """The classical fourth-order Runge–Kutta method."""
    A = [(), (0.5,), (0., 0.5), (0., 0., 1)]
    B = ['1/6', '1/3', '1/3', '1/6']
    C = [0, 0.5, 0.5, 1]


class Ralston4(ExplicitRKIntegrator):
    """Ralston's fourth-order method (coefficients to 8 digits, as BrainPy's)."""
    A = [(), (.4,), (.29697761, .15875964), (.21810040, -3.05096516, 3.83286476)]
    B = [.17476028, -.55148066, 1.20553560, .17118478]
    C = [0, .4, .45573725, 1]


class RK4Rule38(ExplicitRKIntegrator):
    """The fourth-order 3/8-rule Runge–Kutta method."""
    A = [(), ('1/3',), ('-1/3', '1'), (1, -1, 1)]
    B = [0.125, 0.375, 0.375, 0.125]
    C = [0, '1/3', '2/3', 1]


# ---------------------------------------------------------------------------------------------------- adaptive RK
class AdaptiveRKIntegrator(ODEIntegrator):
    """An embedded Runge–Kutta pair (A, B1 the higher-order weights used for the step, B2 the lower-order ones, C).
    With ``adaptive=False`` (the default) a fixed-step method with the weights B1. With ``adaptive=True`` the
    integral also returns a new dt from the local error estimate ``e = sum |(B1 - B2) . k| dt`` (summed over each
    variable's elements unless var_type is 'scalar', then over the variables), as BrainPy 2.8 does:
    ``dt * clip(0.9 * (tol / (e + 1e-12)) ** 0.2, 0.2, 5)``; the caller passes it back as dt."""

    A = []
    B1 = []
    B2 = []
    C = []

    def __init__(self, f, var_type=None, dt=None, name=None, adaptive=None, tol=None, show_code=False,
                 state_delays=None, neutral_delays=None):
        super().__init__(f=f, var_type=var_type, dt=dt, name=name, show_code=show_code, state_delays=state_delays,
                         neutral_delays=neutral_delays)
        self.adaptive = False if adaptive is None else adaptive
        self.tol = 0.1 if tol is None else tol
        self.var_type = C.POP_VAR if var_type is None else var_type
        if self.var_type not in C.SUPPORTED_VAR_TYPE:
            raise errors.IntegratorError(f'"var_type" only supports {C.SUPPORTED_VAR_TYPE}, not {self.var_type}.')
        self._tableau = _Tableau(self.A, self.B1, self.C)
        b2 = [_coef(b) for b in self.B2]
        self._err_w = [_coef_value(x) - _coef_value(y) for x, y in zip(self._tableau.B, b2)]
        self.build()

    def build(self):
        lines = _rk_text(self.variables, self._tableau, self._tableau.B, self.parameters[1:])
        ret = [v + '_new' for v in self.variables]
        if self.adaptive:
            lines.append(f'error = sum of |(B1 - B2) . k| dt; dt_new = dt * clip(0.9 * (tol / (error + 1e-12)) ** '
                         f'0.2, 0.2, 5.0)   # tol={self.tol}')
            ret.append('dt_new')
        self._print_code(lines + [f'return {", ".join(ret)}'])
        self.set_integral(self._step)

    def _step(self, *args, **kwargs):
        vals = self._binder.bind(args, kwargs)
        dt = vals[C.DT]
        xs = [vals[v] for v in self.variables]
        rest = self._binder.positional(vals)[len(xs) + 1:]

        def f_call(stage_xs, ts):
            return self._derivs(self.f(*stage_xs, ts, *rest))

        ks = _rk_stages(f_call, self._tableau, xs, vals['t'], dt)
        new = [_rk_combine(x, ks, i, self._tableau.B, dt) for i, x in enumerate(xs)]
        if not self.adaptive:
            return new[0] if len(new) == 1 else tuple(new)
        error = None
        for i in range(len(xs)):
            terms = None
            for k, w in zip(ks, self._err_w):
                if w != 0.:
                    term = k[i] * dt * w
                    terms = term if terms is None else terms + term
            if terms is None:
                continue
            te = bm.abs(terms) if self.var_type == C.SCALAR_VAR else bm.sum(bm.abs(terms))
            error = te if error is None else error + te
        if error is None:
            return tuple(new) + (dt,)
        factor = bm.clip(0.9 * (self.tol / (error + 1e-12)) ** 0.2, 0.2, 5.0)
        return tuple(new) + (dt * factor,)


class RKF12(AdaptiveRKIntegrator):
    """The Runge–Kutta–Fehlberg 1(2) pair."""
    A = [(), (0.5,), ('1/256', '255/256')]
    B1 = ['1/512', '255/256', '1/512']
    B2 = ['1/256', '255/256', 0]
    C = [0, 0.5, 1]


class RKF45(AdaptiveRKIntegrator):
    """The Runge–Kutta–Fehlberg 4(5) pair (nodes as BrainPy 2.8: c6 = 1/2)."""
    A = [(), (0.25,), (0.09375, 0.28125), ('1932/2197', '-7200/2197', '7296/2197'),
         ('439/216', -8, '3680/513', '-845/4104'), ('-8/27', 2, '-3544/2565', '1859/4104', -0.275)]
    B1 = ['16/135', 0, '6656/12825', '28561/56430', -0.18, '2/55']
    B2 = ['25/216', 0, '1408/2565', '2197/4104', -0.2, 0]
    C = [0, 0.25, 0.375, '12/13', 1, 0.5]


class DormandPrince(AdaptiveRKIntegrator):
    """The Dormand–Prince 5(4) pair."""
    A = [(), (0.2,), (0.075, 0.225), ('44/45', '-56/15', '32/9'),
         ('19372/6561', '-25360/2187', '64448/6561', '-212/729'),
         ('9017/3168', '-355/33', '46732/5247', '49/176', '-5103/18656'),
         ('35/384', 0, '500/1113', '125/192', '-2187/6784', '11/84')]
    B1 = ['35/384', 0, '500/1113', '125/192', '-2187/6784', '11/84', 0]
    B2 = ['5179/57600', 0, '7571/16695', '393/640', '-92097/339200', '187/2100', 0.025]
    C = [0, 0.2, 0.3, 0.8, '8/9', 1, 1]


class CashKarp(AdaptiveRKIntegrator):
    """The Cash–Karp 5(4) pair."""
    A = [(), (0.2,), (0.075, 0.225), (0.3, -0.9, 1.2), ('-11/54', 2.5, '-70/27', '35/27'),
         ('1631/55296', '175/512', '575/13824', '44275/110592', '253/4096')]
    B1 = ['37/378', 0, '250/621', '125/594', 0, '512/1771']
    B2 = ['2825/27648', 0, '18575/48384', '13525/55296', '277/14336', 0.25]
    C = [0, 0.2, 0.3, 0.6, 1, 0.875]


class BogackiShampine(AdaptiveRKIntegrator):
    """The Bogacki–Shampine 3(2) pair."""
    A = [(), (0.5,), (0., 0.75), ('2/9', '1/3', '4/9')]
    B1 = ['2/9', '1/3', '4/9', 0]
    B2 = ['7/24', 0.25, '1/3', 0.125]
    C = [0, 0.5, 0.75, 1]


class HeunEuler(AdaptiveRKIntegrator):
    """The Heun–Euler 2(1) pair."""
    A = [(), (1,)]
    B1 = [0.5, 0.5]
    B2 = [1, 0]
    C = [0, 1]


class BoSh3(AdaptiveRKIntegrator):
    """The Bogacki–Shampine 3(2) pair (BrainPy's second registration of it)."""
    A = [(), (0.5,), (0.0, 0.75), ('2/9', '1/3', '4/9')]
    B1 = ['2/9', '1/3', '4/9', 0.0]
    B2 = ['7/24', 0.25, '1/3', 0.125]
    C = [0., 0.5, 0.75, 1.0]


# ---------------------------------------------------------------------------------------------------- exp Euler
_FLOATS = ('float16', 'bfloat16', 'float32', 'float64')


def _float_array(x):
    """x as a float Array (Python numbers become the default float type; integer arrays are refused)."""
    x = value(x)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return bm.asarray(float(x), dtype=bm.float_)
    x = bm.asarray(x)
    if str(x.dtype) not in _FLOATS:
        raise ValueError(f'The input data type should be float32, float64, float16, or bfloat16 when using '
                         f'Exponential Euler method. But we got {x.dtype}.')
    return x


def _exp_euler_parses(eq, cls_name):
    """[(equation, variable, parameter names)] of a single-variable equation or of each equation of a JointEq."""
    if isinstance(eq, JointEq):
        out = []
        for sub in eq.eqs:
            out.extend(_exp_euler_parses(sub, cls_name))
        return out
    vars_, pars, _ = get_args(eq)
    if len(vars_) != 1:
        raise errors.DiffEqError(C.multi_vars_msg.format(cls=cls_name, vars=str(vars_), eq=str(eq)))
    return [(eq, vars_[0], pars)]


def exp_euler_step(eq, x, kwargs, dt):
    """One exponential Euler step of dx/dt = eq(x, **kwargs): ``x + dt * exprel(dt * J) * eq(x)`` with J the
    derivative of eq along a ones tangent (one forward-mode JVP: the Jacobian's diagonal for elementwise
    right-hand sides; the step is exact for linear ones)."""
    x = _float_array(x)
    if not hasattr(bm, 'jvp'):
        raise errors.UnsupportedError('The exponential Euler method needs bm.jvp (brainjit.math.autograd), which '
                                      'this build does not have.')
    derivative, linear = bm.jvp(lambda v: bm.asarray(eq(v, **kwargs)), (x,), (bm.ones_like(x),))
    phi = bm.exprel(dt * linear)
    return x + dt * phi * derivative


class ExponentialEuler(ODEIntegrator):
    """The exponential Euler method with the linear part found automatically (BrainPy's 'exp_auto'): for
    dx/dt = f(x), ``x_new = x + dt * exprel(dt * df/dx) * f(x)``, df/dx from a forward-mode derivative
    (bm.jvp, traced into the compiled step). Exact for linear equations, first order in general, stable for
    stiff linear parts (the HH gating variables, an LIF membrane). One variable per equation; a JointEq's
    equations are each integrated with the other variables held at their start values."""

    def __init__(self, f, var_type=None, dt=None, name=None, show_code=False, state_delays=None,
                 neutral_delays=None):
        super().__init__(f=f, var_type=var_type, dt=dt, name=name, show_code=show_code, state_delays=state_delays,
                         neutral_delays=neutral_delays)
        if var_type == C.SYSTEM_VAR:
            raise NotImplementedError(f'{type(self).__name__} does not support {C.SYSTEM_VAR}, because the '
                                      f'auto-differentiation takes the derivative of each element separately.')
        self._parses = _exp_euler_parses(f, type(self).__name__)
        self.build()

    def build(self):
        self._print_code([f'{v}_new = {v} + dt * exprel(dt * d(f_{v})/d{v}) * f_{v}({v}, ...)'
                          for _, v, _ in self._parses] + [f'return {", ".join(v + "_new" for v in self.variables)}'])
        self.set_integral(self._step)

    def _step(self, *args, **kwargs):
        vals = self._binder.bind(args, kwargs)
        dt = vals[C.DT]
        results = []
        for eq, var, pars in self._parses:
            kw = {p: value(vals[p]) for p in pars if p in vals}
            results.append(exp_euler_step(eq, vals[var], kw, dt))
        return results if len(self.variables) > 1 else results[0]


# ---------------------------------------------------------------------------------------------------- registry
name2method = {}
_DEFAULT_ODE_METHOD = 'euler'


def register_ode_integrator(name, integrator):
    """Registers an ODEIntegrator subclass under a method name."""
    if name in name2method:
        raise ValueError(f'"{name}" has been registered in ODE integrators.')
    if not (inspect.isclass(integrator) and issubclass(integrator, ODEIntegrator)):
        raise ValueError(f'"integrator" must be an instance of {ODEIntegrator.__name__}')
    name2method[name] = integrator


# in BrainPy's order (its "unknown method" message lists them so)
for _name, _cls in [('rkf12', RKF12), ('rkf45', RKF45), ('rkdp', DormandPrince), ('ck', CashKarp),
                    ('bs', BogackiShampine), ('heun_euler', HeunEuler), ('BoSh3', BoSh3),
                    ('euler', Euler), ('midpoint', MidPoint), ('heun2', Heun2), ('ralston2', Ralston2), ('rk2', RK2),
                    ('rk3', RK3), ('heun3', Heun3), ('ralston3', Ralston3), ('ssprk3', SSPRK3), ('rk4', RK4),
                    ('ralston4', Ralston4), ('rk4_38rule', RK4Rule38),
                    ('exponential_euler', ExponentialEuler), ('exp_euler', ExponentialEuler),
                    ('exp_euler_auto', ExponentialEuler), ('exp_auto', ExponentialEuler)]:
    register_ode_integrator(_name, _cls)


def get_supported_methods():
    """The names of the ODE methods."""
    return list(name2method.keys())


def set_default_odeint(method):
    """Sets the method bp.odeint uses when none is given."""
    if not isinstance(method, str):
        raise ValueError(f'Only support string, not {type(method)}.')
    if method not in name2method:
        raise ValueError(f'Unsupported ODE_INT numerical method: {method}.')
    global _DEFAULT_ODE_METHOD
    _DEFAULT_ODE_METHOD = method


def get_default_odeint():
    """The method bp.odeint uses when none is given ('euler', as BrainPy)."""
    return _DEFAULT_ODE_METHOD


def odeint(f=None, method=None, var_type=None, dt=None, name=None, show_code=False, state_delays=None,
           neutral_delays=None, **kwargs):
    """The numerical integrator of the ODE ``f(*variables, t, *parameters)`` (BrainPy's bp.odeint).

    Usable as ``bp.odeint(f, method='rk4')``, as a decorator ``@bp.odeint`` or ``@bp.odeint(method='rk4')``.
    The integral is called as ``integral(*variables, t, *parameters, dt=None)`` (dt may also come positionally,
    last) and returns the variables one step later (one value, or a tuple / list of them). ``method``: one of
    get_supported_methods() (default 'euler', as BrainPy); ``dt``: the default step (bm.get_dt() when the
    integrator is made); other keyword arguments go to the method (``beta`` of 'rk2'; ``adaptive``/``tol`` of the
    adaptive methods).

    >>> @bp.odeint(method='rk4', dt=0.04)
    ... def integral(V, w, t, Iext):
    ...     return V - V * V * V / 3 - w + Iext, (V + 0.7 - 0.8 * w) / 12.5
    >>> V, w = integral(0., 0., 0., 0.5)
    """
    method = _DEFAULT_ODE_METHOD if method is None else method
    if method not in name2method:
        raise ValueError(f'Unknown ODE numerical method "{method}". Currently BrainPy only support: '
                         f'{list(name2method.keys())}')

    def make(f):
        integ = name2method[method](f, var_type=var_type, dt=dt, name=name, show_code=show_code,
                                    state_delays=state_delays, neutral_delays=neutral_delays, **kwargs)
        integ.method = method
        return integ

    return make if f is None else make(f)


del _name, _cls
