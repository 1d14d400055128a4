"""brainjit (``import brainjit as bp``): BrainPy's front end over the brainjit C core (JIT compiler)."""

from . import _core
from . import errors

# every failing C call raises the class of its status, carrying the C message
_core.set_errors(errors.STATUS_CLASSES)

from . import math  # noqa: E402
from .math.object import BrainPyObject, Base, FunAsObject, Collector, ArrayCollector  # noqa: E402,F401
from .math.object import NodeList, NodeDict, clear_name_cache  # noqa: E402,F401

__version__ = _core.version()
