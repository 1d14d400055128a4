"""bp.errors: BrainPy's classes, the C statuses' classes (ValueError / TypeError / MemoryError ... subclasses of one
brainjit base), C failures surfacing with their messages, and nothing left broken after one."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit as bp  # noqa: E402
import brainjit.math as bm  # noqa: E402
from brainjit import errors  # noqa: E402


def test_brainpy_classes():
    assert bp.errors is errors
    assert issubclass(errors.MathError, errors.BrainPyError) and issubclass(errors.MathError, ValueError)
    assert issubclass(errors.UniqueNameError, errors.BrainPyError)
    assert issubclass(errors.ConcretizationTypeError, TypeError)
    assert issubclass(errors.ConcretizationTypeError, errors.BrainPyError)
    for name in ('APIChangedError', 'RunningError', 'IntegratorError', 'DiffEqError', 'CodeError', 'AnalyzerError',
                 'PackageMissingError', 'UnsupportedError', 'NoImplementationError', 'NoLongerSupportError',
                 'ConnectorError', 'MonitorError', 'JaxTracerError', 'SharedArgError'):
        assert issubclass(getattr(errors, name), errors.BrainPyError), name


@pytest.mark.parametrize('status,builtin', [(1, ValueError), (2, ValueError), (3, TypeError), (4, ValueError),
                                            (5, TypeError), (6, MemoryError), (7, OSError),
                                            (8, NotImplementedError), (9, RuntimeError)])
def test_status_classes(status, builtin):
    cls = errors.error_class(status)
    assert issubclass(cls, errors.BrainJitError) and issubclass(cls, builtin)
    assert cls.status == status
    assert errors.STATUS_CLASSES[status] is cls
    assert errors.error_class(999) is errors.BrainJitError


def test_shape_error_from_c_carries_the_message():
    with pytest.raises(errors.ShapeError) as info:
        bm.ones(3) + bm.ones(4)
    assert isinstance(info.value, ValueError) and isinstance(info.value, errors.MathError)
    msg = str(info.value)
    assert '3' in msg and '4' in msg


def test_dtype_error_from_c():
    with pytest.raises(TypeError) as info:
        bm.ones(3) & bm.ones(3)
    assert isinstance(info.value, errors.DtypeError) and str(info.value)


def test_errors_inside_jit_propagate_and_the_handle_stays_usable():
    v = bm.Variable(bm.zeros(3))

    @bm.jit(static_argnums=1)
    def f(x, bad):
        v.value = v + x
        return x + bm.ones(4) if bad else x * 2

    with pytest.raises(errors.ShapeError):
        f(bm.ones(3), True)
    np.testing.assert_array_equal(np.asarray(v), np.zeros(3))
    np.testing.assert_array_equal(np.asarray(f(bm.ones(3), False)), [2., 2., 2.])
    np.testing.assert_array_equal(np.asarray(v), np.ones(3))


def test_variable_write_errors_are_math_errors():
    v = bm.Variable(bm.zeros(2))

    @bm.jit
    def f():
        v.value = bm.zeros(3)

    with pytest.raises(errors.MathError, match=r'The shape of the original data is \(2,\)'):
        f()


def test_unsupported_options():
    with pytest.raises(errors.UnsupportedError):
        bm.jit(lambda x: x, device='gpu')
    with pytest.raises(NotImplementedError):
        bm.set_platform('tpu')
