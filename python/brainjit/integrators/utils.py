"""Argument parsing shared by the integrators: a derivative's variables / parameters and an integral's binding."""

import inspect

from .. import errors
from ..math.ndarray import Variable
from .constants import DT

__all__ = ['get_args', 'check_kws', 'format_args']

_P = inspect.Parameter


def _signature(f):
    try:
        return inspect.signature(f)
    except (TypeError, ValueError) as e:
        raise errors.DiffEqError(f'Cannot read the signature of the derivative function {f}: {e}') from None


def get_args(f):
    """(variables, parameters, arguments) of a derivative function, as BrainPy parses them: the variables are the
    parameters before ``t``, the parameters ``t`` and everything after it (``*args`` as ``'*args'``), the arguments
    every parameter as written (``'c=1'``).

    >>> get_args(lambda a, b, t, c=1: None)
    (['a', 'b'], ['t', 'c'], ['a', 'b', 't', 'c=1'])
    """
    names, arguments = [], []
    for par in _signature(f).parameters.values():
        if par.kind is _P.POSITIONAL_OR_KEYWORD:
            names.append(par.name)
        elif par.kind is _P.VAR_POSITIONAL:
            names.append(f'*{par.name}')
        elif par.kind is _P.KEYWORD_ONLY:
            raise errors.DiffEqError(f'In BrainPy, numerical integrators do not support KEYWORD_ONLY '
                                     f'parameters, e.g., * (error in {f}).')
        elif par.kind is _P.POSITIONAL_ONLY:
            raise errors.DiffEqError(f'In BrainPy, numerical integrators do not support POSITIONAL_ONLY '
                                     f'parameters, e.g., / (error in {f}).')
        else:
            raise errors.DiffEqError(f'In BrainPy, numerical integrators do not support VAR_KEYWORD '
                                     f'arguments: {par} (error in {f}).')
        arguments.append(str(par))
    if 't' not in names:
        raise ValueError('Do not find time variable "t".')
    k = names.index('t')
    return names[:k], names[k:], arguments


def check_kws(parameters, keywords):
    """Raises CodeError when a name of parameters is one of the solver's keywords ({name: meaning})."""
    for key, meaning in keywords.items():
        if key in parameters:
            raise errors.CodeError(f'"{key}" is a keyword for numerical solvers in BrainPy, denoting "{meaning}". '
                                   f'Please change another name.')


def format_args(args, kwargs, arguments):
    """{name: value} of positional args (named by arguments in order) and keyword args (a name given twice is an
    error)."""
    all_args = {}
    if len(args) > len(arguments):
        raise TypeError(f'Too many positional arguments: {len(args)} given, the integral takes {len(arguments)} '
                        f'({", ".join(arguments)}).')
    for name, arg in zip(arguments, args):
        all_args[name] = arg
    for key, arg in kwargs.items():
        if key in all_args:
            raise ValueError(f'{key} has been provided in *args, but we detect it again in **kwargs.')
        all_args[key] = arg
    return all_args


def check_dt(dt):
    """dt as given to an integrator (a number; arrays are refused, as BrainPy does)."""
    if isinstance(dt, bool) or not isinstance(dt, (int, float)) and not _is_np_number(dt):
        raise ValueError(f'dt must be a float, but got {type(dt)}')
    return dt


def _is_np_number(x):
    import numpy as np
    return isinstance(x, (np.integer, np.floating))


def value(x):
    """A Variable's current value (a derivative must not see the Variable itself: differentiation and the
    arithmetic of the stages work on values), anything else as it is."""
    return x.value if isinstance(x, Variable) else x


class Binder:
    """Binds an integral's arguments as BrainPy does: ``integral(*variables, t, *parameters, dt=<integrator's dt>)``
    with dt also accepted positionally after the parameters, every argument also by name, the parameters' defaults
    from the derivative function."""

    def __init__(self, f, dt, where):
        params = [p for p in _signature(f).parameters.values()]
        self.varargs = next((p.name for p in params if p.kind is _P.VAR_POSITIONAL), None)
        kind = _P.KEYWORD_ONLY if self.varargs else _P.POSITIONAL_OR_KEYWORD
        self.sig = inspect.Signature(params + [_P(DT, kind, default=dt)])
        self.params = params
        self.where = where

    def bind(self, args, kwargs):
        """{name: value} of every argument (defaults applied, dt included; *args as a tuple under its name)."""
        try:
            ba = self.sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f'{self.where}: {e} (its arguments: {self.sig}).') from None
        ba.apply_defaults()
        return dict(ba.arguments)

    def positional(self, vals):
        """The positional argument list of the derivative function from a bound dict."""
        out = []
        for p in self.params:
            if p.kind is _P.VAR_POSITIONAL:
                out.extend(vals[p.name])
            else:
                out.append(vals[p.name])
        return out
