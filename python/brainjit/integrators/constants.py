"""The names BrainPy's integrators share (bp.integrators.DT, SCALAR_VAR, ITO_SDE, ...) and the integrators' names."""

import itertools

__all__ = [
    'DT', 'F', 'G',
    'SUPPORTED_VAR_TYPE', 'SCALAR_VAR', 'POP_VAR', 'SYSTEM_VAR',
    'SUPPORTED_WIENER_TYPE', 'SCALAR_WIENER', 'VECTOR_WIENER',
    'SUPPORTED_INTG_TYPE', 'ITO_SDE', 'STRA_SDE',
    'DE_INT', 'ODE_INT', 'SDE_INT', 'DDE_INT', 'FDE_INT', 'PDE_INT',
    'unique_name', 'multi_vars_msg',
]

DT = 'dt'  # the keyword of the step size in every integral's signature
F = 'f'
G = 'g'

# var_type: how the variables of a derivative are laid out (only the adaptive RK methods' error estimate and the
# exponential Euler's refusal of 'system' depend on it)
SCALAR_VAR = 'scalar'
POP_VAR = 'population'
SYSTEM_VAR = 'system'
SUPPORTED_VAR_TYPE = [SCALAR_VAR, POP_VAR, SYSTEM_VAR]

SCALAR_WIENER = 'scalar'  # one Wiener increment per element of a variable
VECTOR_WIENER = 'vector'  # several per element: the diffusion's last axis
SUPPORTED_WIENER_TYPE = [SCALAR_WIENER, VECTOR_WIENER]

ITO_SDE = 'Ito'
STRA_SDE = 'Stratonovich'
SUPPORTED_INTG_TYPE = [ITO_SDE, STRA_SDE]

DE_INT = 'brainpy_itg_of'
ODE_INT = 'brainpy_itg_of_ode'
SDE_INT = 'brainpy_itg_of_sde'
DDE_INT = 'brainpy_itg_of_dde'
FDE_INT = 'brainpy_itg_of_fde'
PDE_INT = 'brainpy_itg_of_pde'

_PREFIX = {'ode': ODE_INT, 'sde': SDE_INT, 'dde': DDE_INT, 'fde': FDE_INT, 'pde': PDE_INT}
_COUNTERS = {k: itertools.count() for k in _PREFIX}


def unique_name(type):
    """A fresh name for a function of the kind 'ode' / 'sde' / 'dde' / 'fde' / 'pde' (brainpy_itg_of_ode0, ...)."""
    try:
        prefix = _PREFIX[type]
    except KeyError:
        raise ValueError(f'Unknown differential equation type: {type}') from None
    return f'{prefix}{next(_COUNTERS[type])}'


# formatted with cls, vars and eq
multi_vars_msg = """
{cls} integrates one variable per derivative function, but {eq} has the variables {vars} (every parameter
before "t"). Write one function per variable, each taking the others after "t", and join them with
brainpy.JointEq: e.g. instead of

>>> def f(x, y, t): ...

write

>>> def fx(x, t, y): ...
>>> def fy(y, t, x): ...
>>> integral = brainpy.odeint(brainpy.JointEq(fx, fy), method=...)
"""
