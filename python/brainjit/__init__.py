"""brainjit (``import brainjit as bp``): BrainPy's front end over the brainjit C core (JIT compiler)."""

import importlib as _importlib

from . import _core
from . import errors

# every failing C call raises the class of its status, carrying the C message
_core.set_errors(errors.STATUS_CLASSES)

from . import math  # noqa: E402
from .math.object import BrainPyObject, Base, FunAsObject, Collector, ArrayCollector  # noqa: E402,F401
from .math.object import NodeList, NodeDict, clear_name_cache  # noqa: E402,F401

__version__ = _core.version()

# The modelling layer is imported on first use (PEP 562): `import brainjit` stays as cheap as bm alone, and a
# script that never touches bp.dyn never pays for it. name -> (module, attribute or None for the module itself).
_LAZY = {
    'share': ('context', 'share'),
    'DynamicalSystem': ('dynsys', 'DynamicalSystem'), 'DynSysGroup': ('dynsys', 'DynSysGroup'),
    'Network': ('dynsys', 'Network'), 'Dynamic': ('dynsys', 'Dynamic'), 'Projection': ('dynsys', 'Projection'),
    'Sequential': ('dynsys', 'Sequential'), 'DynView': ('dynsys', 'DynView'),
    'reset_state': ('dynsys', 'reset_state'), 'reset_level': ('dynsys', 'reset_level'),
    'clear_input': ('dynsys', 'clear_input'), 'save_state': ('dynsys', 'save_state'),
    'load_state': ('dynsys', 'load_state'), 'context': ('context', None), 'dynsys': ('dynsys', None),
    'Delay': ('delay', 'Delay'), 'VarDelay': ('delay', 'VarDelay'), 'DataDelay': ('delay', 'DataDelay'),
    'mixin': ('mixin', None), 'dyn': ('dyn', None),
    'integrators': ('integrators', None), 'odeint': ('integrators', 'odeint'), 'sdeint': ('integrators', 'sdeint'),
    'JointEq': ('integrators', 'JointEq'), 'Integrator': ('integrators', 'Integrator'),
    'ode': ('integrators.ode', None), 'sde': ('integrators.sde', None),
    'conn': ('connect', None), 'connect': ('connect', None),
    'init': ('initialize', None), 'initialize': ('initialize', None),
    'inputs': ('inputs', None), 'dnn': ('dnn', None), 'layers': ('dnn', None),
    'DSRunner': ('runners', 'DSRunner'), 'measure': ('measure', None), 'visualize': ('visualize', None),
}


def __getattr__(name):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'brainjit' has no attribute {name!r}") from None
    value = _importlib.import_module('.' + module, __name__)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
