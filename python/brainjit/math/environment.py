"""Global settings of brainjit.math, as brainpy.math's: dt, 64-bit types, platform, default dtypes, environment()."""

import functools
import sys

import numpy as np

from .. import _core, errors

__all__ = [
    'environment', 'set_environment', 'set', 'set_dt', 'get_dt', 'set_mode', 'get_mode',
    'enable_x64', 'disable_x64', 'set_x64', 'x64_enabled', 'set_platform', 'get_platform',
    'set_float', 'get_float', 'set_int', 'get_int', 'set_bool', 'get_bool', 'dftype', 'ditype',
    'set_host_device_count', 'clear_buffer_memory', 'set_complex', 'get_complex',
    'disable_gpu_memory_preallocation', 'enable_gpu_memory_preallocation',
    'Mode', 'NonBatchingMode', 'BatchingMode', 'TrainingMode', 'nonbatching_mode', 'batching_mode', 'training_mode',
]


# ---- computing modes (BrainPy's): the modelling layer reads them; bm keeps the default one
class Mode:
    """Base class of computing modes; modes of one class are equal."""

    def __repr__(self):
        return self.__class__.__name__

    def __eq__(self, other):
        return isinstance(other, Mode) and other.__class__ == self.__class__

    def __hash__(self):
        return hash(self.__class__)

    def is_one_of(self, *modes):
        for m in modes:
            if not isinstance(m, type):
                raise TypeError(f'The supported type must be a tuple/list of type. But we got {m}')
        return self.__class__ in modes

    def is_a(self, mode):
        if not isinstance(mode, type):
            raise TypeError('Must be a type.')
        return self.__class__ == mode

    def is_parent_of(self, *modes):
        for m in modes:
            if not isinstance(m, type):
                raise TypeError(f'The supported type must be a tuple/list of type. But we got {m}')
        return any(issubclass(m, self.__class__) for m in modes)

    def is_child_of(self, *modes):
        for m in modes:
            if not isinstance(m, type):
                raise TypeError(f'The supported type must be a tuple/list of type. But we got {m}')
        return isinstance(self, modes)

    def is_batch_mode(self):
        return isinstance(self, BatchingMode)

    def is_train_mode(self):
        return isinstance(self, TrainingMode)

    def is_nonbatch_mode(self):
        return isinstance(self, NonBatchingMode)


class NonBatchingMode(Mode):
    """The mode of traditional computational-neuroscience models: no batch axis."""

    @property
    def batch_size(self):
        return tuple()


class BatchingMode(Mode):
    """Data with a leading batch axis."""

    def __init__(self, batch_size=1):
        self.batch_size = batch_size

    def __repr__(self):
        return f'{self.__class__.__name__}(batch_size={self.batch_size})'


class TrainingMode(BatchingMode):
    """Training (batched data)."""

    def to_batch_mode(self):
        return BatchingMode(self.batch_size)


nonbatching_mode = NonBatchingMode()
batching_mode = BatchingMode()
training_mode = TrainingMode()

# Read by ndarray.py on every conversion: a module global is the cheapest flag to test.
X64 = False
_platform = 'cpu'


def _bm():
    return sys.modules.get('brainjit.math')


def _put(name, value):
    # BrainPy keeps these as attributes of the math package (bm.dt, bm.float_), so scripts may read them directly.
    globals()['_' + name] = value
    m = _bm()
    if m is not None:
        m.__dict__[name] = value


_dt = 0.1
_mode = nonbatching_mode
_float_ = np.float32
_int_ = np.int32
_bool_ = np.bool_


def set_dt(dt):
    """Sets the default numerical integration step (BrainPy: a float)."""
    if isinstance(dt, bool) or not isinstance(dt, (float, int)):
        raise errors.MathError(f'"dt" must be a float, but we got {dt!r}.')
    _put('dt', float(dt))


def get_dt():
    """The default numerical integration step (0.1 unless set)."""
    return _dt


def set_mode(mode):
    """Sets the default computing mode (a bm.Mode instance; the modelling layer reads it)."""
    if not isinstance(mode, Mode):
        raise TypeError(f'Must be instance of brainpy.math.Mode. But we got {type(mode)}: {mode}')
    _put('mode', mode)


def get_mode():
    return _mode


def _check_type(kind, dtype, allowed):
    dt = np.dtype(dtype)
    if dt.kind not in allowed:
        raise errors.MathError(f'"{kind}" must be a {kind.rstrip("_")} type, but we got {dtype!r}.')
    return dtype


def set_float(dtype):
    """Sets the default float type (float32, or float64 with 64-bit types)."""
    _put('float_', _check_type('float_', dtype, 'f'))


def get_float():
    return _float_


def set_int(dtype):
    """Sets the default integer type (int32, or int64 with 64-bit types)."""
    _put('int_', _check_type('int_', dtype, 'iu'))


def get_int():
    return _int_


_complex_ = np.complex64


def set_complex(dtype):
    """Accepted for BrainPy scripts (brainjit computes no complex numbers)."""
    _put('complex_', dtype)


def get_complex():
    return _complex_


def disable_gpu_memory_preallocation(release_memory=True):
    """Accepted for BrainPy scripts: brainjit runs on the CPU."""


def enable_gpu_memory_preallocation():
    """Accepted for BrainPy scripts: brainjit runs on the CPU."""


def set_bool(dtype):
    _put('bool_', _check_type('bool_', dtype, 'b'))


def get_bool():
    return _bool_


def dftype():
    """Deprecated BrainPy name of get_float()."""
    return _float_


def ditype():
    """Deprecated BrainPy name of get_int()."""
    return _int_


def enable_x64(x64=None):
    """Turns on 64-bit types: Python floats become float64 and ints int64, and float64/int64 inputs are kept."""
    global X64
    if x64 is not None and not x64:
        disable_x64()
        return
    X64 = True
    _core.set_x64(True)
    _core.config_set("x64", "1")  # the C core's dtype rules: weak Python scalars become float64 / int64
    set_int(np.int64)
    set_float(np.float64)


def disable_x64():
    """Back to BrainPy's defaults: float32 and int32 (float64 and int64 inputs are converted)."""
    global X64
    X64 = False
    _core.set_x64(False)
    _core.config_set("x64", "0")
    set_int(np.int32)
    set_float(np.float32)


def set_x64(enable):
    if not isinstance(enable, bool):
        raise errors.MathError(f'"x64" must be a bool, but we got {enable!r}.')
    enable_x64() if enable else disable_x64()


def x64_enabled():
    return X64


def set_platform(platform):
    """Selects the device platform. brainjit runs on the CPU; 'gpu' and 'tpu' are refused with an explanation."""
    global _platform
    if platform not in ('cpu', 'gpu', 'tpu'):
        raise errors.MathError(f'Unknown platform {platform!r}: expected "cpu", "gpu" or "tpu".')
    if platform != 'cpu':
        raise errors.UnsupportedError(f'brainjit has no {platform} backend yet; the only platform is "cpu".')
    _platform = platform


def get_platform():
    """The computing platform ('cpu')."""
    return _platform


def set_host_device_count(n):
    """Accepted for BrainPy scripts; brainjit uses every core of the one CPU device through its thread pool."""
    if not isinstance(n, int) or n < 1:
        raise errors.MathError(f'The device count must be a positive int, but we got {n!r}.')


def clear_buffer_memory(platform=None):
    """Accepted for BrainPy scripts: brainjit frees buffers when their last reference goes."""


def set(mode=None, dt=None, x64=None, float_=None, int_=None, bool_=None, **kwargs):
    """Sets several defaults at once (BrainPy's bm.set)."""
    if dt is not None:
        set_dt(dt)
    if mode is not None:
        set_mode(mode)
    if x64 is not None:
        set_x64(x64)
    if float_ is not None:
        set_float(float_)
    if int_ is not None:
        set_int(int_)
    if bool_ is not None:
        set_bool(bool_)


set_environment = set


def _x64_at_import():
    # The C core may start with x64 on (environment variable BJ_X64=1): bm then reports and uses 64-bit types too,
    # so Python's dtype choices and the C core's promotion rules agree from the first op.
    try:
        v = _core.config_get("x64")
    except Exception:
        return
    if str(v).strip().lower() in ('1', 'true', 'yes', 'on'):
        enable_x64()


_x64_at_import()


class environment:
    """Context manager (and decorator) that sets dt, mode, x64 and default dtypes, and restores them on exit.

    >>> with bm.environment(dt=0.05):
    ...     assert bm.get_dt() == 0.05
    """

    def __init__(self, mode=None, membrane_scaling=None, dt=None, x64=None, complex_=None, float_=None, int_=None,
                 bool_=None, bp_object_as_pytree=None, numpy_func_return=None):
        if dt is not None and (isinstance(dt, bool) or not isinstance(dt, (float, int))):
            raise errors.MathError(f'"dt" must be a float, but we got {dt!r}.')
        if x64 is not None and not isinstance(x64, bool):
            raise errors.MathError(f'"x64" must be a bool, but we got {x64!r}.')
        self.dt, self.mode, self.x64 = dt, mode, x64
        self.float_, self.int_, self.bool_ = float_, int_, bool_
        # accepted for BrainPy scripts: membrane_scaling, complex_ (no complex types in brainjit),
        # bp_object_as_pytree, numpy_func_return (bm functions always return bm.Array here)
        self.membrane_scaling, self.complex_ = membrane_scaling, complex_
        self.bp_object_as_pytree, self.numpy_func_return = bp_object_as_pytree, numpy_func_return
        self._saved = []

    def __enter__(self):
        self._saved.append((_dt, _mode, X64, _float_, _int_, _bool_))
        if self.dt is not None:
            set_dt(self.dt)
        if self.mode is not None:
            set_mode(self.mode)
        if self.x64 is not None:
            set_x64(self.x64)
        if self.float_ is not None:
            set_float(self.float_)
        if self.int_ is not None:
            set_int(self.int_)
        if self.bool_ is not None:
            set_bool(self.bool_)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        global X64
        dt, mode, x64, float_, int_, bool_ = self._saved.pop()
        X64 = x64
        _core.set_x64(x64)
        _core.config_set("x64", "1" if x64 else "0")
        _put('dt', dt)
        _put('mode', mode)
        _put('float_', float_)
        _put('int_', int_)
        _put('bool_', bool_)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)(mode=self.mode, dt=self.dt, x64=self.x64, float_=self.float_, int_=self.int_,
                          bool_=self.bool_)
