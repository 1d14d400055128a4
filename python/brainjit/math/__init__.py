"""brainjit.math (``import brainjit.math as bm``): brainpy.math's surface, computed by the C core."""

# Submodules first: bm.environment (a class) and bm.ndarray (Array) are BrainPy names that shadow the modules'
# names on the package, so they are exported only after every submodule was imported. Inside the package, import
# from the modules as `from .ndarray import X` / `from . import environment` at module level.
from . import environment as _environment_module
from . import ndarray as _ndarray_module
from . import pytree, object, jit, controls  # noqa: F401

try:
    from . import numpy_ops as _numpy_ops_module
except ModuleNotFoundError as _e:  # only while the numpy-like functions are being written
    if _e.name != __name__ + '.numpy_ops':
        raise
    _numpy_ops_module = None

for _m in ('random', 'sparse', 'event', 'jitconn'):
    try:
        __import__(__name__ + '.' + _m)
    except ModuleNotFoundError as _e:
        if _e.name != __name__ + '.' + _m:
            raise

if _numpy_ops_module is not None:
    from .numpy_ops import *  # noqa: F401,F403
from .ndarray import *  # noqa: F401,F403,E402
from .object import *  # noqa: F401,F403,E402
from .jit import *  # noqa: F401,F403,E402
from .controls import *  # noqa: F401,F403,E402
from .autograd import *  # noqa: F401,F403,E402
from .environment import *  # noqa: F401,F403,E402

ndarray = Array  # noqa: F405

# BrainPy keeps its settings as attributes of the package: bm.dt, bm.float_, bm.int_, bm.bool_, bm.mode.
dt = _environment_module.get_dt()
float_ = _environment_module.get_float()
int_ = _environment_module.get_int()
bool_ = _environment_module.get_bool()
complex_ = _environment_module.get_complex()
mode = _environment_module.get_mode()
