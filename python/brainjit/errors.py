"""BrainPy's error classes, the classes of C failures, and the map from C statuses to them (bp.errors)."""

__all__ = [
    'BrainPyError', 'APIChangedError', 'RunningError', 'IntegratorError', 'DiffEqError', 'CodeError',
    'AnalyzerError', 'PackageMissingError', 'BackendNotInstalled', 'UniqueNameError', 'UnsupportedError',
    'NoImplementationError', 'NoLongerSupportError', 'ConnectorError', 'MonitorError', 'MathError',
    'JaxTracerError', 'ConcretizationTypeError', 'TracerBoolConversionError', 'TracerIntegerConversionError',
    'TracerArrayConversionError', 'SharedArgError', 'NonFiniteError',
    'BrainJitError', 'ArgumentError', 'ShapeError', 'DtypeError', 'HandleError', 'TraceError',
    'OutOfMemoryError', 'BrainJitIOError', 'InternalError', 'STATUS_CLASSES', 'error_class',
]


class BrainPyError(Exception):
    """General BrainPy error."""


class APIChangedError(BrainPyError):
    pass


class RunningError(BrainPyError):
    """The error occurred in the running function."""


class NonFiniteError(RunningError, FloatingPointError):
    """A state Variable became NaN or infinite during a run (bp.DSRunner: the message names it, the step and the
    time; BrainPy fills its monitors silently instead)."""


class IntegratorError(BrainPyError):
    pass


class DiffEqError(BrainPyError):
    """The differential equation definition error."""


class CodeError(BrainPyError):
    """Code definition error."""


class AnalyzerError(BrainPyError):
    """Error in a differential equation analyzer."""


class PackageMissingError(BrainPyError):
    """A package is missing."""


class BackendNotInstalled(BrainPyError):
    def __init__(self, backend):
        super().__init__(f'"{backend}" must be installed when the user wants to use the {backend} backend.')


class UniqueNameError(BrainPyError):
    """Two objects asked for one name."""


class NoImplementationError(BrainPyError):
    pass


class NoLongerSupportError(BrainPyError):
    pass


class ConnectorError(BrainPyError):
    pass


class MonitorError(BrainPyError):
    pass


class SharedArgError(BrainPyError):
    pass


class MathError(BrainPyError, ValueError):
    """Errors of ``brainpy.math`` (a ValueError, so ``except ValueError`` catches wrong shapes and dtypes)."""


class JaxTracerError(MathError):
    """A traced value escaped its transformation, or a plain Array was changed inside one."""


# ---- failures of the C core: one class per bj_status, each also a Python builtin that fits it
class BrainJitError(BrainPyError):
    """Base of the errors raised by the C core (the message is the C library's)."""
    status = None


class ArgumentError(BrainJitError, ValueError):
    status = 1


class ShapeError(BrainJitError, MathError):
    status = 2


class DtypeError(BrainJitError, TypeError):
    status = 3


class HandleError(BrainJitError, ValueError):
    status = 4


class TraceError(BrainJitError, TypeError):
    status = 5


class ConcretizationTypeError(TraceError):
    """A traced value was used where Python needs a concrete one (``if``, ``while``, ``bool()``, ``float()``):
    a TypeError, as JAX's."""


class TracerBoolConversionError(ConcretizationTypeError):
    """bool() of a traced value (a Python ``if`` / ``while`` on it): JAX's name for it."""


class TracerIntegerConversionError(ConcretizationTypeError):
    """int() or an index from a traced value: JAX's name for it."""


class TracerArrayConversionError(ConcretizationTypeError):
    """A traced value converted to a numpy array: JAX's name for it."""


class OutOfMemoryError(BrainJitError, MemoryError):
    status = 6


class BrainJitIOError(BrainJitError, OSError):
    status = 7


class UnsupportedError(BrainJitError, NotImplementedError):
    status = 8


class InternalError(BrainJitError, RuntimeError):
    status = 9


STATUS_CLASSES = {cls.status: cls for cls in (ArgumentError, ShapeError, DtypeError, HandleError, TraceError,
                                              OutOfMemoryError, BrainJitIOError, UnsupportedError, InternalError)}


def error_class(status):
    """The class raised for a C status (BrainJitError for a status this version does not know)."""
    return STATUS_CLASSES.get(status, BrainJitError)
