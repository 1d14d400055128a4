"""bp.init / bp.initialize: BrainPy's weight and state initializers and the parameter()/variable_() helpers."""

import abc
import math

import numpy as np

from . import math as bm

# Initializers return bm Arrays built by bm ops (eagerly at construction time, or traced when called inside a
# jitted function). Random ones hold their own bm.random.RandomState, made from `seed` (or cloned from the default
# state, which advances it, as BrainPy does): the same seed gives the same values, and each call draws new ones.

__all__ = [
    'Initializer', 'ZeroInit', 'Constant', 'OneInit', 'Identity',
    'Normal', 'TruncatedNormal', 'Gamma', 'Exponential', 'Uniform', 'VarianceScaling',
    'KaimingUniform', 'KaimingNormal', 'XavierUniform', 'XavierNormal', 'LecunUniform', 'LecunNormal',
    'Clip', 'parameter', 'variable', 'variable_', 'noise', 'calculate_gain',
]


def _to_size(x):
    """BrainPy's tools.to_size: an int, a sequence of ints or None -> a tuple of ints or None."""
    if x is None:
        return None
    if isinstance(x, (tuple, list)):
        return tuple(int(s) for s in x)
    if isinstance(x, (int, np.integer)):
        return (int(x),)
    raise ValueError(f'Cannot make a size for {x}')


def _format_shape(shape):
    """A shape argument as a tuple of ints: an int, a tuple, or a tuple wrapped in a one-element tuple."""
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    if len(shape) == 0:
        raise ValueError('Please provide shape.')
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _size2num(d):
    return int(np.prod(d)) if isinstance(d, (tuple, list)) else int(d)


def _cast(x, dtype):
    return bm.asarray(x, dtype=dtype) if dtype is not None else x


class Initializer(abc.ABC):
    """Base class of initializers: ``init(shape, dtype=None)`` returns an array of that shape."""

    @abc.abstractmethod
    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def __repr__(self):
        return self.__class__.__name__


class _InterLayerInitializer(Initializer):
    """Initializers of the weights between two layers."""


class _IntraLayerInitializer(Initializer):
    """Initializers of the weights within a layer."""


# ---------------------------------------------------------------- regular

class ZeroInit(_InterLayerInitializer):
    """Zeros (the default float dtype unless dtype is given)."""

    def __call__(self, shape, dtype=None):
        shape = (shape,) if isinstance(shape, (int, np.integer)) else [_size2num(d) for d in shape]
        return bm.zeros(tuple(shape), dtype=dtype)


class Constant(_InterLayerInitializer):
    """The value everywhere (a number or an array broadcast against the shape).

    As BrainPy 2.6 (``ones(shape) * value``), an int value gives the default float dtype: BrainPy 2.8 gives int32,
    which turns e.g. a membrane potential initialized by Constant(-65) into an integer Variable."""

    def __init__(self, value=1.):
        super().__init__()
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = (shape,) if isinstance(shape, (int, np.integer)) else [_size2num(d) for d in shape]
        return bm.asarray(bm.ones(tuple(shape), dtype=dtype) * self.value)

    def __repr__(self):
        return f'{self.__class__.__name__}(value={self.value})'


class OneInit(Constant):
    """Ones (times value)."""


class Identity(_InterLayerInitializer):
    """The identity matrix times value; a shape (n,) gives an (n, n) matrix (Le et al., 2015)."""

    def __init__(self, value=1.):
        super().__init__()
        self.value = value

    def __call__(self, shape, dtype=None):
        if isinstance(shape, (int, np.integer)):
            shape = (shape,)
        elif isinstance(shape, (tuple, list)):
            if len(shape) > 2:
                raise ValueError(f'Only support initialize 2D weights for {self.__class__.__name__}.')
        else:
            raise ValueError(f'Only support shape of int, or tuple/list of int in {self.__class__.__name__}, but '
                             f'we got {shape}.')
        shape = [_size2num(d) for d in shape]
        return bm.asarray(bm.eye(*shape, dtype=dtype) * self.value)

    def __repr__(self):
        return f'{self.__class__.__name__}(value={self.value})'


# ---------------------------------------------------------------- random

class _Random(_InterLayerInitializer):
    def __init__(self, seed=None):
        super().__init__()
        self.rng = bm.random.default_rng(seed)


class Normal(_Random):
    """Normal draws: mean + scale * N(0, 1)."""

    def __init__(self, mean=0., scale=1., seed=None):
        super().__init__(seed)
        self.mean = mean
        self.scale = scale

    def __call__(self, shape, dtype=None):
        return _cast(self.rng.normal(loc=self.mean, scale=self.scale, size=_format_shape(shape)), dtype)

    def __repr__(self):
        return f'{self.__class__.__name__}(scale={self.scale}, rng={self.rng})'


class Uniform(_Random):
    """Uniform draws in [min_val, max_val)."""

    def __init__(self, min_val=0., max_val=1., seed=None):
        super().__init__(seed)
        self.min_val = min_val
        self.max_val = max_val

    def __call__(self, shape, dtype=None):
        return _cast(self.rng.uniform(low=self.min_val, high=self.max_val, size=_format_shape(shape)), dtype)

    def __repr__(self):
        return f'{self.__class__.__name__}(min_val={self.min_val}, max_val={self.max_val}, rng={self.rng})'


def _erfinv(y):
    """erf^-1 on (-1, 1) by Giles' approximation (2010; relative error below 4e-7): enough for initial weights."""
    w = -bm.log((1.0 - y) * (1.0 + y))
    a = w - 2.5
    p = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        p = c + p * a
    b = bm.sqrt(bm.maximum(w, 5.0)) - 3.0
    q = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        q = c + q * b
    return bm.where(w < 5.0, p, q) * y


def _truncated_normal(rng, lower, upper, shape, dtype=None):
    """Standard normal draws conditioned on [lower, upper] (numbers), by the inverse CDF of uniform draws."""
    lo = 0.5 * (1.0 + math.erf(lower / math.sqrt(2.0))) if lower > -math.inf else 0.0
    hi = 0.5 * (1.0 + math.erf(upper / math.sqrt(2.0))) if upper < math.inf else 1.0
    u = rng.uniform(size=shape, dtype=dtype)
    p = lo + u * (hi - lo)
    eps = float(np.finfo(np.float32).eps)
    x = math.sqrt(2.0) * _erfinv(bm.clip(2.0 * p - 1.0, -1.0 + eps, 1.0 - eps))
    return bm.clip(x, lower, upper)


class TruncatedNormal(_Random):
    """Normal draws (mean loc, standard deviation scale) truncated to [lower, upper] standard deviations;
    None bounds are unbounded."""

    def __init__(self, loc=0., scale=1., lower=-2., upper=2., seed=None):
        super().__init__(seed)
        if not scale > 0:
            raise ValueError('`scale` must be positive.')
        self.loc = loc
        self.scale = scale
        self.lower = -math.inf if lower is None else lower
        self.upper = math.inf if upper is None else upper

    def __call__(self, shape, dtype=None):
        z = _truncated_normal(self.rng, float(self.lower), float(self.upper), _format_shape(shape))
        return _cast(z * self.scale + self.loc, dtype)

    def __repr__(self):
        return (f'{self.__class__.__name__}(loc={self.loc}, scale={self.scale}, lower={self.lower}, '
                f'upper={self.upper}, rng={self.rng})')


class Gamma(_Random):
    """Gamma draws of shape parameter `shape` and `scale`."""

    def __init__(self, shape, scale=None, seed=None):
        super().__init__(seed)
        self.shape = shape
        self.scale = scale

    def __call__(self, shape, dtype=None):
        return _cast(self.rng.gamma(self.shape, scale=self.scale, size=_format_shape(shape)), dtype)

    def __repr__(self):
        return f'{self.__class__.__name__}(shape={self.shape}, scale={self.scale})'


class Exponential(_Random):
    """Exponential draws of `scale`."""

    def __init__(self, scale=None, seed=None):
        super().__init__(seed)
        self.scale = scale

    def __call__(self, shape, dtype=None):
        return _cast(self.rng.exponential(scale=self.scale, size=_format_shape(shape)), dtype)

    def __repr__(self):
        return f'{self.__class__.__name__}(scale={self.scale})'


def _compute_fans(shape, in_axis=-2, out_axis=-1):
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = float(np.prod(shape)) / shape[in_axis] / shape[out_axis]
    return shape[in_axis] * receptive, shape[out_axis] * receptive


class VarianceScaling(_Random):
    """Draws of variance scale / fan (fan_in, fan_out or their mean) from a truncated normal, a normal or a
    uniform distribution (the Kaiming, Xavier and Lecun initializers)."""

    def __init__(self, scale, mode, distribution, in_axis=-2, out_axis=-1, seed=None):
        if mode not in ('fan_in', 'fan_out', 'fan_avg'):
            raise ValueError(f'invalid mode for variance scaling initializer: {mode}')
        if distribution not in ('truncated_normal', 'normal', 'uniform'):
            raise ValueError('invalid distribution for variance scaling initializer')
        super().__init__(seed)
        self.scale = scale
        self.mode = mode
        self.in_axis = in_axis
        self.out_axis = out_axis
        self.distribution = distribution

    def __call__(self, shape, dtype=None):
        shape = _format_shape(shape)
        fan_in, fan_out = _compute_fans(shape, self.in_axis, self.out_axis)
        denominator = {'fan_in': fan_in, 'fan_out': fan_out, 'fan_avg': (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / denominator
        if self.distribution == 'truncated_normal':
            # .8796... is the standard deviation of a standard normal truncated to [-2, 2]
            res = _truncated_normal(self.rng, -2.0, 2.0, shape, dtype) * (math.sqrt(variance) / .87962566103423978)
        elif self.distribution == 'normal':
            res = self.rng.randn(*shape, dtype=dtype) * math.sqrt(variance)
        else:
            res = self.rng.uniform(low=-1, high=1, size=shape, dtype=dtype) * math.sqrt(3 * variance)
        return _cast(res, dtype)

    def __repr__(self):
        name = self.__class__.__name__
        blank = ' ' * len(name)
        return (f'{name}(scale={self.scale}, mode={self.mode}, in_axis={self.in_axis}, \n'
                f'{blank}out_axis={self.out_axis}, distribution={self.distribution}, rng={self.rng})')


def _scaling(name, scale, mode, distribution):
    def __init__(self, scale=scale, mode=mode, distribution=distribution, in_axis=-2, out_axis=-1, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, in_axis=in_axis, out_axis=out_axis, seed=seed)

    return type(name, (VarianceScaling,), {'__init__': __init__, '__module__': __name__,
                                           '__doc__': f'VarianceScaling({scale}, {mode!r}, {distribution!r}).'})


KaimingUniform = _scaling('KaimingUniform', 2.0, 'fan_in', 'uniform')
KaimingNormal = _scaling('KaimingNormal', 2.0, 'fan_in', 'truncated_normal')
XavierUniform = _scaling('XavierUniform', 1.0, 'fan_avg', 'uniform')
XavierNormal = _scaling('XavierNormal', 1.0, 'fan_avg', 'truncated_normal')
LecunUniform = _scaling('LecunUniform', 1.0, 'fan_in', 'uniform')
LecunNormal = _scaling('LecunNormal', 1.0, 'fan_in', 'truncated_normal')


def calculate_gain(nonlinearity, param=None):
    """The recommended gain of an activation function (PyTorch's table, as BrainPy)."""
    linear = ('linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d')
    if nonlinearity in linear or nonlinearity == 'sigmoid':
        return 1
    if nonlinearity == 'tanh':
        return 5.0 / 3
    if nonlinearity == 'relu':
        return math.sqrt(2.0)
    if nonlinearity == 'leaky_relu':
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f'negative_slope {param} not a valid number')
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == 'selu':
        return 3.0 / 4
    raise ValueError(f'Unsupported nonlinearity {nonlinearity}')


class Clip(Initializer):
    """Another initializer's values clipped into [min, max] (None: unbounded)."""

    def __init__(self, init, min=None, max=None):
        self.min = min
        self.max = max
        self.init = init

    def __call__(self, shape, dtype=None):
        x = self.init(shape, dtype)
        if self.min is not None:
            x = bm.maximum(self.min, x)
        if self.max is not None:
            x = bm.minimum(self.max, x)
        return x

    def __repr__(self):
        return f'{self.__class__.__name__}({self.init}, min={self.min}, max={self.max})'


# ---------------------------------------------------------------- helpers

def _is_scalar(x):
    return isinstance(x, (float, int, bool, complex))


def parameter(param, sizes, allow_none=True, allow_scalar=True, sharding=None):
    """A parameter from its description: None (if allowed), a Python scalar (returned as is if allowed), a
    callable or Initializer (called with the sizes), or an array whose shape must be `sizes` (() or (1,) too when
    scalars are allowed). `sharding` is accepted for BrainPy scripts (one device)."""
    if param is None:
        if allow_none:
            return None
        raise ValueError('Expect a parameter with type of float, ArrayType, Initializer, or Callable function, but '
                         'we got None. ')
    sizes = _to_size(sizes)
    if allow_scalar and _is_scalar(param):
        return param
    if callable(param):
        return param(sizes)
    if isinstance(param, np.ndarray) or (isinstance(param, np.generic) and not allow_scalar):
        param = bm.asarray(param)
    elif isinstance(param, np.generic):
        return param
    elif not isinstance(param, bm.Array):
        raise ValueError(f'Unknown param type {type(param)}: {param}')
    if allow_scalar and tuple(param.shape) in ((), (1,)):
        return param
    if tuple(param.shape) != sizes:
        raise ValueError(f'The shape of the parameters should be {sizes}, but we got {tuple(param.shape)}')
    return param


def _batched_shape(sizes, batch_or_mode, batch_axis):
    """(shape, batch axis) of a variable: BrainPy's batch_or_mode is a Mode, None/False, or a batch size."""
    if isinstance(batch_or_mode, bm.NonBatchingMode) or batch_or_mode is None or batch_or_mode is False:
        return sizes, None
    if isinstance(batch_or_mode, bm.BatchingMode):
        n = batch_or_mode.batch_size
    elif isinstance(batch_or_mode, (int, np.integer)) and not isinstance(batch_or_mode, bool):
        n = int(batch_or_mode)
    elif batch_or_mode is True:
        n = 1
    else:
        raise ValueError(f'Unknown batch_size_or_mode: {batch_or_mode}')
    return sizes[:batch_axis] + (n,) + sizes[batch_axis:], batch_axis


def variable(init, batch_or_mode=None, sizes=None, batch_axis=0, axis_names=None, batch_axis_name=None):
    """A bm.Variable from a callable/Initializer (called with `sizes`, plus the batch axis when batching) or from
    data (its shape must be `sizes` if given; repeated along a new batch axis when batching). batch_or_mode: a
    Mode, None/False (no batch axis), or a batch size. `axis_names`/`batch_axis_name` are kept on the Variable."""
    sizes = _to_size(sizes)
    if axis_names is not None:
        axis_names = list(axis_names)
        if len(axis_names) != len(sizes):
            raise ValueError(f'axis_names {axis_names} do not match the sizes {sizes}')
        if batch_or_mode is not None and not isinstance(batch_or_mode, bm.NonBatchingMode):
            axis_names.insert(batch_axis, batch_axis_name)
    if callable(init):
        if sizes is None:
            raise ValueError('"varshape" cannot be None when data is a callable function.')
        shape, axis = _batched_shape(sizes, batch_or_mode, batch_axis)
        return bm.Variable(init(shape), batch_axis=axis, axis_names=axis_names)
    if sizes is not None and tuple(bm.shape(init)) != sizes:
        raise ValueError(f'The shape of "data" {tuple(bm.shape(init))} does not match with "var_shape" {sizes}')
    shape, axis = _batched_shape(tuple(bm.shape(init)), batch_or_mode, batch_axis)
    if axis is None:
        return bm.Variable(init, axis_names=axis_names)
    data = bm.repeat(bm.expand_dims(init, axis=batch_axis), shape[batch_axis], axis=batch_axis)
    return bm.Variable(data, batch_axis=axis, axis_names=axis_names)


def variable_(init, sizes=None, batch_or_mode=None, batch_axis=0, axis_names=None, batch_axis_name=None):
    """variable() with the sizes before batch_or_mode (BrainPy's argument order of variable_)."""
    return variable(init, batch_or_mode, sizes=sizes, batch_axis=batch_axis, axis_names=axis_names,
                    batch_axis_name=batch_axis_name)


def noise(noises, size, num_vars=1, noise_idx=0):
    """A noise function for an SDE: callables are returned as they are, None stays None, anything else becomes a
    parameter of `size` returned by a function of any arguments (a tuple with it at noise_idx when num_vars > 1)."""
    if callable(noises):
        return noises
    if noises is None:
        return None
    value = parameter(noises, size, allow_none=False)
    if num_vars > 1:
        values = [None] * num_vars
        values[noise_idx] = value
        value = tuple(values)
    return lambda *args, **kwargs: value
