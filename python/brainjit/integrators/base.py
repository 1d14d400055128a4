"""Integrator (bp.Integrator): the named object an integral is, with BrainPy's read-only descriptions of it."""

from .. import errors
from ..math.object import BrainPyObject
from .constants import DT
from .utils import check_dt

__all__ = ['AbstractIntegrator', 'Integrator']


class AbstractIntegrator(BrainPyObject):
    """The base of numerical integrators."""

    def __call__(self, *args, **kwargs):
        raise NotImplementedError


class Integrator(AbstractIntegrator):
    """A numerical integrator: ``integrator(*variables, t, *parameters, dt=None)`` returns the variables one step
    later. Everything it computes is bm ops, so a call inside ``bm.jit`` / ``bm.for_loop`` compiles into the loop.

    ``state_delays``: {variable name: delay}; after each step the delay's ``update(new value)`` is called (any
    object with that method)."""

    method = None  # the name bp.odeint / bp.sdeint made it by ('rk4'; brainjit's addition)

    def __init__(self, variables, parameters, arguments, dt, name=None, state_delays=None):
        super().__init__(name=name)
        self._dt = check_dt(dt)
        self._variables = list(variables)
        self._parameters = list(parameters)
        self._arguments = list(arguments) + [f'{DT}={self._dt}']
        self._integral = None
        self.arg_names = self._variables + self._parameters + [DT]
        self._state_delays = {}
        if state_delays is not None:
            if not isinstance(state_delays, dict):
                raise ValueError(f'"state_delays" must be a dict of {{variable name: delay}}, but we got '
                                 f'{type(state_delays).__name__}.')
            for key, delay in state_delays.items():
                if key not in self._variables:
                    raise errors.DiffEqError(f'"{key}" is not defined in the variables: {self._variables}')
                if not callable(getattr(delay, 'update', None)):
                    raise ValueError(f'The delay of "{key}" must have an update(value) method, but we got '
                                     f'{type(delay).__name__}.')
                self._state_delays[key] = delay
            nodes = {k: d for k, d in self._state_delays.items() if isinstance(d, BrainPyObject)}
            if nodes:
                self.register_implicit_nodes(**nodes)

    @property
    def dt(self):
        """The numerical integration precision."""
        return self._dt

    @dt.setter
    def dt(self, value):
        raise ValueError('Cannot set "dt" by users.')

    @property
    def variables(self):
        """The variables of the differential equation (the derivative's parameters before ``t``)."""
        return self._variables

    @variables.setter
    def variables(self, values):
        raise ValueError('Cannot set "variables" by users.')

    @property
    def parameters(self):
        """The parameters of the differential equation (``t`` and what follows it)."""
        return self._parameters

    @parameters.setter
    def parameters(self, values):
        raise ValueError('Cannot set "parameters" by users.')

    @property
    def arguments(self):
        """The arguments of the integral as written (``'a=1.0'``), ``'dt=<dt>'`` last."""
        return self._arguments

    @arguments.setter
    def arguments(self, values):
        raise ValueError('Cannot set "arguments" by users.')

    @property
    def integral(self):
        """The function computing one step (the integrator's call without the delay updates)."""
        return self._integral

    @integral.setter
    def integral(self, f):
        self.set_integral(f)

    def set_integral(self, f):
        if not callable(f):
            raise ValueError(f'integral function must be a callable function, but we got {type(f)}: {f}')
        self._integral = f

    @property
    def state_delays(self):
        return self._state_delays

    @state_delays.setter
    def state_delays(self, value):
        raise ValueError('Cannot set "state_delays" by users.')

    def __call__(self, *args, **kwargs):
        if self._integral is None:
            raise errors.IntegratorError(f'{self.name} has no integral yet: build the integrator first.')
        new_vars = self._integral(*args, **kwargs)
        if self._state_delays:
            values = [new_vars] if len(self._variables) == 1 else list(new_vars)
            for key, delay in self._state_delays.items():
                delay.update(values[self._variables.index(key)])
        return new_vars

    def __repr__(self):
        return f'{type(self).__name__}(name={self.name!r}, variables={self._variables}, ' \
               f'parameters={self._parameters}, dt={self._dt})'
