"""bp.JointEq: several derivative functions integrated as one system (each stage sees every variable's stage value)."""

import inspect

from .. import errors

__all__ = ['JointEq']

_P = inspect.Parameter


def _get_args(f):
    """(variables, positional parameters incl. t, {keyword: default}) of one equation."""
    args, kwargs = [], {}
    for par in inspect.signature(f).parameters.values():
        if par.kind is _P.POSITIONAL_OR_KEYWORD:
            if par.default is _P.empty:
                args.append(par.name)
            else:
                kwargs[par.name] = par.default
        elif par.kind is _P.VAR_POSITIONAL:
            raise errors.DiffEqError(f'JointEq does not support VAR_POSITIONAL parameters *{par.name} '
                                     f'(error in {f}).')
        elif par.kind is _P.KEYWORD_ONLY:
            raise errors.DiffEqError(f'JointEq does not support KEYWORD_ONLY parameters, e.g., * (error in {f}).')
        elif par.kind is _P.POSITIONAL_ONLY:
            raise errors.DiffEqError(f'JointEq does not support POSITIONAL_ONLY parameters, e.g., / (error in {f}).')
        else:
            raise errors.DiffEqError(f'JointEq does not support VAR_KEYWORD arguments **{par.name} (error in {f}).')
    if 't' not in args:
        raise ValueError('Do not find time variable "t".')
    return args[:args.index('t')], args, kwargs


class JointEq:
    """Joins derivative functions into one: ``JointEq(dV, du)`` with ``dV(V, t, u, I)`` and ``du(u, t, V)`` is a
    function ``(V, u, t, I)`` returning ``[dV, du]``. Integrated by an explicit Runge–Kutta method, every stage
    then evaluates both derivatives at the stage values of both variables (integrated separately, the other
    variable would stay at its start value); the exponential Euler method integrates each equation with the
    others' variables held at their start values, as BrainPy does. JointEqs nest; lists of equations are
    flattened.

    The joint signature: every variable (in the order of the equations), ``t``, the positional parameters that
    are not variables (first appearance), then the keyword parameters with their defaults.
    """

    def _check_eqs(self, eqs):
        for eq in eqs:
            if isinstance(eq, (list, tuple)):
                yield from self._check_eqs(eq)
            elif callable(eq):
                yield eq
            else:
                raise errors.DiffEqError(f'Elements in "eqs" only supports callable function, but got {eq}.')

    def __init__(self, *eqs):
        eqs = list(self._check_eqs(eqs))
        if not eqs:
            raise errors.DiffEqError('JointEq needs at least one derivative function.')
        self.vars_in_eqs = []
        all_vars = []
        for eq in eqs:
            vars_, _, _ = _get_args(eq)
            for var in vars_:
                if var in all_vars:
                    raise errors.DiffEqError(
                        f'Variable "{var}" has been used, however we got a same variable name in {eq}.\n\n'
                        f'Each variable of a JointEq is the variable (a parameter before "t") of exactly one '
                        f'equation; an equation that depends on "{var}" takes it after "t".\n'
                        f'Current function signature: {inspect.signature(eq)}')
            all_vars.extend(vars_)
            self.vars_in_eqs.append(vars_)

        self.args_in_eqs = []
        arg_pars, kwarg_pars = [], {}
        for eq in eqs:
            vars_, args, kwargs = _get_args(eq)
            self.args_in_eqs.append(args + list(kwargs))
            for par in args[len(vars_) + 1:]:
                if par not in all_vars and par not in arg_pars and par not in kwarg_pars:
                    arg_pars.append(par)
            for key, default in kwargs.items():
                if key in all_vars or key in arg_pars:
                    raise errors.DiffEqError(f'The keyword argument "{key}" of {eq} is also a variable or a '
                                             f'positional parameter of the joint equations.')
                if key in kwarg_pars and not _same(kwarg_pars[key], default):
                    raise errors.DiffEqError(f'We got two different default value of "{key}": '
                                             f'{kwarg_pars[key]} != {default}')
                kwarg_pars[key] = default

        self.eqs = eqs
        self.arg_keys = all_vars + ['t'] + arg_pars
        self.kwarg_keys = list(kwarg_pars)
        self.kwargs = kwarg_pars
        params = [_P(k, _P.POSITIONAL_OR_KEYWORD) for k in self.arg_keys]
        params += [_P(k, _P.POSITIONAL_OR_KEYWORD, default=v) for k, v in kwarg_pars.items()]
        self.__signature__ = inspect.Signature(params)
        self.__name__ = 'joint_eq'

    def __call__(self, *args, **kwargs):
        try:
            bound = self.__signature__.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f'JointEq{self.__signature__}: {e}') from None
        bound.apply_defaults()
        vals = bound.arguments
        results = []
        for eq, names in zip(self.eqs, self.args_in_eqs):
            r = eq(**{n: vals[n] for n in names})
            if isinstance(r, (list, tuple)):
                results.extend(r)
            else:
                results.append(r)
        return results

    def __repr__(self):
        return f'JointEq{self.__signature__}'


def _same(a, b):
    try:
        return bool(a == b)
    except Exception:
        return a is b
