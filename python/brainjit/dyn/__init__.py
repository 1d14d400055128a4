"""bp.dyn: BrainPy 2.4+'s dynamics models (neurons, synapses, synaptic outputs, input groups) and projections."""

from . import base, neurons, synapses, outs, others  # noqa: F401
from .base import *  # noqa: F401,F403
from .neurons import *  # noqa: F401,F403
from .synapses import *  # noqa: F401,F403
from .outs import *  # noqa: F401,F403
from .others import *  # noqa: F401,F403

# the projections are another helper's module: bp.dyn works (without them) while it is missing
try:
    from . import projections  # noqa: F401
    from .projections import *  # noqa: F401,F403
except ModuleNotFoundError as _e:
    if _e.name != __name__ + '.projections':
        raise
