"""bp.Delay / VarDelay / DataDelay: delayed copies of a Variable, kept in a ring buffer only when a delay is > 0."""

import math
import numbers

import numpy as np

from . import _core
from . import math as bm
from .context import share
from .dynsys import DynamicalSystem, reset_level
from .math.environment import get_dt
from .mixin import ParamDesc, ReturnInfo, JointType, SupportAutoDelay

__all__ = ['Delay', 'VarDelay', 'DataDelay', 'DelayAccess', 'init_delay_by_return', 'register_delay_by_return',
           'delay_identifier', 'ROTATE_UPDATE', 'CONCAT_UPDATE']

delay_identifier = '_*_delay_of_'
ROTATE_UPDATE = 'rotation'
CONCAT_UPDATE = 'concat'


def _time_to_steps(delay_time):
    """Steps of a delay time: round(time / dt) when that is an integer within 1e-9 (relative), else ceil.
    BrainPy takes ceil(time / dt) in floating point, so a delay of 0.3 ms at dt = 0.1 becomes 4 steps
    (0.3 / 0.1 == 3.0000000000000004); the tolerance keeps it 3."""
    ratio = delay_time / get_dt()
    nearest = round(ratio)
    if abs(ratio - nearest) <= 1e-9 * max(abs(ratio), 1.):
        return int(nearest)
    return math.ceil(ratio)


def _get_delay(delay_time, delay_step):
    """(time, steps) of a delay given by one of them."""
    if delay_time is None:
        if delay_step is None:
            return None, None
        if not isinstance(delay_step, (numbers.Integral, np.integer)) or isinstance(delay_step, bool):
            raise ValueError(f'"delay_step" should be an integer, but we got {delay_step!r}.')
        delay_time, delay_step = int(delay_step) * get_dt(), int(delay_step)
    else:
        if delay_step is not None:
            raise ValueError('"delay_step" should be None if "delay_time" is given.')
        if not isinstance(delay_time, (numbers.Real, np.floating, np.integer)) or isinstance(delay_time, bool):
            raise ValueError(f'"delay_time" should be a number (a time, or None for no delay), but we got '
                             f'{delay_time!r}.')
        delay_step = _time_to_steps(delay_time)
    if delay_step < 0:
        raise ValueError(f'A delay cannot be negative, but we got {delay_time} ({delay_step} steps).')
    return delay_time, delay_step


def _scalar_number(x):
    # a 0-d array given as a delay time is its number (BrainPy's rule)
    if isinstance(x, (np.ndarray, bm.Array)):
        if np.size(x) != 1 or np.ndim(x) != 0:
            raise ValueError(f'A delay time must be a scalar, but we got an array of shape {np.shape(x)}.')
        return np.asarray(x).item()
    return x


class Delay(DynamicalSystem, ParamDesc):
    """The base of delays: ``register_entry(name, delay_time | delay_step)``, ``at(name)`` (the value that many
    steps ago), ``retrieve(step)``, ``update(value)`` (called once per step, after the target changed).

    time: a delay time known at construction; init: the buffer's initial data (a number, an array or an
    initializer of the buffer shape); method: 'rotation' (a ring buffer, the default) or 'concat'."""

    def __init__(self, time=None, init=None, method=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        if method is None:
            method = CONCAT_UPDATE if self.mode.is_a(bm.TrainingMode) else ROTATE_UPDATE
        if method not in (ROTATE_UPDATE, CONCAT_UPDATE):
            raise ValueError(f'Unknown delay method "{method}": use "{ROTATE_UPDATE}" or "{CONCAT_UPDATE}".')
        self.method = method
        if time is None:
            length, time = 0, 0.
        elif isinstance(time, (numbers.Real, np.floating, np.integer)) and not isinstance(time, bool):
            length = max(_time_to_steps(time), 0)
        else:
            raise TypeError('time must be a int or float or None.')
        self.max_length = length
        self.max_time = time
        if init is not None and not isinstance(init, (numbers.Number, bm.Array, np.ndarray)) and \
                not callable(init):
            raise TypeError(f'init must be a number, an array or a function of the shape, not {type(init)}.')
        self._init = init
        self._registered_entries = {}

    def register_entry(self, entry, delay_time=None, delay_step=None):
        raise NotImplementedError

    def at(self, entry, *indices):
        raise NotImplementedError

    def retrieve(self, delay_step, *indices):
        raise NotImplementedError


class VarDelay(Delay):
    """Delays of the Variable ``target``.

    The buffer ``data`` ([max_length + 1, *target.shape], a Variable) exists only when some entry's delay is > 0:
    an entry of delay 0 or None reads ``target`` itself, so a projection without delay costs nothing. Registering
    a longer delay rebuilds the buffer (construction time only, as BrainPy).

    Timing: models read ``at(entry)`` during step i before the target's model updates, and this delay's update
    writes the target's new value at the end of step i. An entry of 0 / None then reads the value of the end of
    step i - 1 (the target itself), and an entry of d steps the value of the end of step i - 1 - d: exactly d
    steps more latency. ``retrieve(k)`` is the value written k steps before the latest write, so ``at(entry of
    d)`` is ``retrieve(d)``. Before the first write, delay 0 holds the target's value and the delays 1 ..
    max_length hold ``init`` (zeros by default, in BrainPy's layout), so a delayed entry is a shifted copy of the
    target. 'rotation' writes row (-i) mod (max_length + 1) at step i (i = ``share.load('i')``) and reads row
    (k + 1 - i) mod (max_length + 1); 'concat' shifts the rows down, row 0 the latest write, and reads row k.
    BrainPy 2.4-2.8 keeps max_length rows and reads them one row off (brainpy/BrainPy#709): there an entry of
    d >= 2 steps adds only d - 2 steps of latency and a 1-step entry adds max_length - 1 (none when alone); we
    do not copy that."""

    not_desc_params = ('time', 'entries', 'name')
    _excluded_vars = ('target',)  # the target belongs to its model: listed there, not twice

    def __init__(self, target, time=None, init=None, entries=None, method=None, name=None, mode=None):
        super().__init__(time=time, init=init, method=method, name=name, mode=mode)
        if not isinstance(target, bm.Variable):
            raise ValueError(f'Must be an instance of brainpy.math.Variable. But we got {type(target)}')
        if self.mode.is_child_of(bm.BatchingMode) and target.batch_axis is None:
            raise ValueError(f'A delay in {self.mode} needs a target Variable with a batch axis.')
        self.target = target
        self.sharding = None
        object.__setattr__(self, 'data', None)
        if self.max_length > 0:
            self._init_data(self.max_length)
        if entries is not None:
            for entry, delay_time in entries.items():
                self.register_entry(entry, delay_time)

    def register_entry(self, entry, delay_time=None, delay_step=None):
        """Adds the entry name ``entry`` reading the target delay_time ago (or delay_step steps; None: now)."""
        if entry in self._registered_entries:
            raise KeyError(f'Entry {entry} has been registered. The existing delay for the key {entry} is '
                           f'{self._registered_entries[entry]}. The new delay for the key {entry} is {delay_time}. '
                           f'You can use another key. ')
        delay_time = _scalar_number(delay_time)
        delay_time, delay_step = _get_delay(delay_time, delay_step)
        if delay_step is not None and self.max_length < delay_step:
            self._init_data(delay_step)
            self.max_length = delay_step
            self.max_time = delay_time
        self._registered_entries[entry] = delay_step
        return self

    def at(self, entry, *indices):
        """The target's value at the entry's delay (then indexed by indices)."""
        if not isinstance(entry, str):
            raise TypeError(f'entry should be a string naming a registered delay, but we got {entry!r}.')
        if entry not in self._registered_entries:
            raise KeyError(f'Does not find delay entry "{entry}".')
        delay_step = self._registered_entries[entry]
        if isinstance(self.mode, bm.BatchingMode) and len(indices) > self.target.batch_axis:
            indices = list(indices)
            indices.insert(self.target.batch_axis, slice(None))
            indices = tuple(indices)
        if not delay_step:
            return self.target[indices] if indices else self.target.value
        return self.retrieve(delay_step, *indices)

    @property
    def delay_target_shape(self):
        """The shape of the delayed Variable."""
        return tuple(self.target.shape)

    def __repr__(self):
        return f'{self.__class__.__name__}(step={self.max_length}, shape={self.delay_target_shape}, ' \
               f'method={self.method})'

    def retrieve(self, delay_step, *indices):
        """The value written delay_step steps before the latest write (0: the latest), then indexed by indices.
        delay_step: a Python int in 0 .. max_length, or a traced int scalar."""
        if self.data is None:
            raise ValueError(f'{self.name} has no delay buffer: register an entry with a delay > 0 first.')
        if isinstance(delay_step, (numbers.Integral, np.integer)) and not 0 <= delay_step <= self.max_length:
            raise ValueError(f'The request delay length should be less than the maximum delay {self.max_length}. '
                             f'But we got {delay_step}')
        if self.method == ROTATE_UPDATE:
            # the latest write (step i - 1) is row (1 - i) mod R; k writes before it, k rows further
            row = self._rotation_row(delay_step + 1)
        else:
            row = delay_step
        value = _row(self.data.value, row)
        return value[indices] if indices else value

    def _rotation_row(self, offset):
        # (offset - i) mod R, as a Python int when i is one; a traced int32 scalar inside a traced step
        rows = self.max_length + 1
        i = share.load('i')
        if isinstance(i, (numbers.Integral, np.integer)) and isinstance(offset, (numbers.Integral, np.integer)):
            return (int(offset) - int(i)) % rows
        return bm.asarray((offset - i) % rows).astype(bm.int32)

    def update(self, latest_value=None):
        """Writes this step's value (the target's, when latest_value is None) into the buffer, if there is one."""
        if self.data is None:
            return
        if latest_value is None:
            latest_value = self.target.value
        latest = bm.asarray(latest_value)
        if self.method == ROTATE_UPDATE:
            self.data.value = _put_row(self.data.value, latest, self._rotation_row(0))
        else:
            latest = bm.broadcast_to(latest, tuple(self.data.shape)[1:]).astype(self.data.dtype)
            self.data.value = bm.concatenate([bm.expand_dims(latest, 0), self.data.value[:-1]], axis=0)

    @reset_level(-1)  # after the models: delay 0 of the new buffer is the target's reset value
    def reset_state(self, batch_size=None, **kwargs):
        """Fills the buffer with its initial data again."""
        if self.data is not None:
            self._init_data(self.max_length, batch_size)

    def _buffer_init(self, length):
        """The buffer before any write: history[k] is the value k steps before the latest write: k = 0 the target's
        value (what entries of 0 read at step 0), k = 1 .. length from init (BrainPy's layout of the initial delay
        data: a number, an array broadcast to [length, *target.shape], or a callable given that shape)."""
        shape = (length,) + tuple(self.target.shape)
        dtype = self.target.dtype
        init = self._init
        if init is None:
            past = bm.zeros(shape, dtype=dtype)
        else:
            if callable(init) and not isinstance(init, bm.Array):
                try:
                    value = init(shape, dtype=dtype)
                except TypeError:
                    value = init(shape)
            else:
                value = init
            past = bm.asarray(bm.broadcast_to(bm.asarray(value), shape)).astype(dtype)
        now = bm.expand_dims(bm.asarray(self.target.value).astype(dtype), 0)
        if self.method == ROTATE_UPDATE:
            # at step 0 history[k] is read at row (k + 1) mod R (see retrieve): row 0 holds the oldest. A run
            # starting at another step index reads these first rows rotated (as in BrainPy); the runner restarts
            # at 0 after a reset, and concat does not depend on the index
            return bm.concatenate([past[-1:], now, past[:-1]], axis=0)
        return bm.concatenate([now, past], axis=0)

    def _init_data(self, length, batch_size=None):
        if batch_size is not None and self.target.batch_size != batch_size:
            raise ValueError(f'The batch sizes of delay variable and target variable differ '
                             f'({self.target.batch_size} != {batch_size}). Please reset the target variable '
                             f'first, because delay data depends on the target variable. ')
        value = self._buffer_init(length)
        if self.data is not None and tuple(self.data.shape) == tuple(value.shape):
            self.data.value = value
        else:
            # a new length: a new Variable (a Variable's shape is fixed); only while the model is being built
            batch_axis = None if self.target.batch_axis is None else self.target.batch_axis + 1
            object.__setattr__(self, 'data', bm.Variable(value, batch_axis=batch_axis))


def _row(data, row):
    """data[row] for a Python or traced int row (a dynamic slice: one read, no gather of an index array)."""
    if isinstance(row, int):
        return data[row]
    shape = tuple(data.shape)
    starts = [row] + [0] * (len(shape) - 1)
    part = _core.op('dynamic_slice', [data] + starts, {'rank': len(shape), 'shape': (1,) + shape[1:]})
    return part.reshape(shape[1:])


def _put_row(data, value, row):
    """data with data[row] = value (row a Python or traced int)."""
    shape = tuple(data.shape)
    value = bm.broadcast_to(value, shape[1:]) if tuple(value.shape) != shape[1:] else value
    value = value.astype(data.dtype).reshape((1,) + shape[1:])
    if not isinstance(row, int):
        row = bm.asarray(row).astype(bm.int32)
    starts = [row] + [0] * (len(shape) - 1)
    return _core.op('dynamic_update_slice', [data, value] + starts)


class DataDelay(VarDelay):
    """A VarDelay that owns its target: update(value) writes value into the target, then into the buffer.
    reset_state sets the target back to data_init."""

    not_desc_params = ('time', 'entries', 'name')
    _excluded_vars = ()  # the target is this delay's own state

    def __init__(self, data, data_init, time=None, init=None, entries=None, method=None, name=None, mode=None):
        self.target_init = data_init
        super().__init__(target=data, time=time, init=init, entries=entries, method=method, name=name, mode=mode)

    def reset_state(self, batch_size=None, **kwargs):
        from .initialize import variable_
        shape = tuple(self.target.shape)
        if self.target.batch_axis is not None:
            shape = shape[:self.target.batch_axis] + shape[self.target.batch_axis + 1:]
        self.target.value = variable_(self.target_init, shape, batch_size).value
        if self.data is not None:
            self._init_data(self.max_length, batch_size)

    def update(self, latest_value):
        self.target.value = latest_value
        super().update(latest_value)


class DelayAccess(DynamicalSystem):
    """Calling it reads one entry of a delay (registered on construction with delay time ``time``)."""

    def __init__(self, delay, time, *indices, delay_entry=None):
        super().__init__(mode=delay.mode)
        if not isinstance(delay, Delay):
            raise TypeError(f'delay must be a Delay, not {type(delay).__name__}.')
        self.refs = {'delay': delay}
        self._delay_entry = delay_entry or self.name
        delay.register_entry(self._delay_entry, time)
        self.indices = indices

    def _node_attrs(self):
        return ((k, v) for k, v in self.__dict__.items() if k != 'refs')

    def update(self):
        return self.refs['delay'].at(self._delay_entry, *self.indices)

    def reset_state(self, *args, **kwargs):
        pass


def init_delay_by_return(info, initial_delay_data=None):
    """A delay of what a model returns: a VarDelay of a Variable, a DataDelay of a new Variable for a
    ReturnInfo."""
    if isinstance(info, bm.Variable):
        return VarDelay(info, init=initial_delay_data)
    if isinstance(info, ReturnInfo):
        shape = info.shape()
        batch_axis = 0 if len(shape) > len(tuple(info.size)) else None
        init = info.get_data()
        if tuple(bm.shape(init)) != shape:
            raise ValueError(f'ReturnInfo data has shape {tuple(bm.shape(init))}, expected {shape}.')
        if info.axis_names is not None and len(info.axis_names) != len(shape):
            raise ValueError(f'ReturnInfo axis_names {info.axis_names} do not match the shape {shape}.')
        target = bm.Variable(init, batch_axis=batch_axis, axis_names=info.axis_names)
        return DataDelay(target, data_init=info.data, init=initial_delay_data)
    raise TypeError(f'A delay is built from a Variable or a ReturnInfo (what return_info() gives), not '
                    f'{type(info).__name__}.')


def register_delay_by_return(target):
    """The delay of target's output, kept in target's after-updates (created on first use)."""
    if not isinstance(target, JointType[DynamicalSystem, SupportAutoDelay]):
        raise TypeError(f'{target} must be a DynamicalSystem supporting automatic delays (SupportAutoDelay with '
                        f'return_info()).')
    if not target.has_aft_update(delay_identifier):
        target.add_aft_update(delay_identifier, init_delay_by_return(target.return_info()))
    return target.get_aft_update(delay_identifier)
