"""bp.inputs: BrainPy's input-current generators (sections, constants, spikes, ramps, noise, waveforms)."""

import math
import warnings

import numpy as np

from . import math as bm

# Every generator returns a bm Array of the default float dtype, with one row per time step of dt (bm.get_dt()
# unless given), as BrainPy 2.8 lays them out (BrainPy 2.6 where 2.8 only wraps another package's quirks): a
# section of duration d lasts ceil(d / dt) steps and an event at time t starts at step floor(t / dt). Step counts
# are taken with a tolerance of float noise: BrainPy's plain ceil/int turn 1.1 / 0.1 = 11.000000000000002 into 12
# steps and 0.3 / 0.1 = 2.9999999999999996 into 2; here they are 11 and 3. The noise generators draw from
# bm.random (a RandomState(seed), or the default state when seed is None), so a seed replays the same input.

__all__ = [
    'section_input', 'constant_input', 'constant_current', 'spike_input', 'spike_current', 'ramp_input',
    'ramp_current', 'wiener_process', 'ou_process', 'sinusoidal_input', 'square_input',
]


def _ratio(t, dt):
    r = t / dt
    n = round(r)
    return n if abs(r - n) <= 1e-9 * max(1.0, abs(r)) else r


def _ceil(t, dt):
    """Steps covering a duration t: ceil(t / dt) up to float noise."""
    return int(math.ceil(_ratio(t, dt)))


def _floor(t, dt):
    """The step of time t: floor(t / dt) up to float noise."""
    return int(math.floor(_ratio(t, dt)))


def _dt(dt):
    dt = bm.get_dt() if dt is None else dt
    if isinstance(dt, bool) or not isinstance(dt, (int, float, np.integer, np.floating)) or not dt > 0:
        raise ValueError(f'dt must be a positive number, but we got {dt!r}.')
    return float(dt)


def _window(values, start, stop, n, extra=()):
    """zeros of shape (n,) + extra with values in steps [start, stop) (values broadcast to that block)."""
    start, stop = max(0, min(start, n)), max(0, min(stop, n))
    f = bm.float_
    parts = []
    if start > 0:
        parts.append(bm.zeros((start,) + extra, dtype=f))
    if stop > start:
        block = bm.asarray(values, dtype=f)
        if block.ndim and block.shape[0] > stop - start:
            block = block[:stop - start]
        parts.append(bm.broadcast_to(block, (stop - start,) + extra))
    if n > max(start, stop):
        parts.append(bm.zeros((n - max(start, stop),) + extra, dtype=f))
    if not parts:
        return bm.zeros((0,) + extra, dtype=f)
    return bm.concatenate(parts, axis=0) if len(parts) > 1 else bm.asarray(parts[0])


def _sections(values, durations, dt):
    shape = ()
    for v in values:
        shape = np.broadcast_shapes(shape, np.shape(v))
    parts = []
    for v, d in zip(values, durations):
        length = _ceil(d, dt)
        parts.append(bm.broadcast_to(bm.asarray(v, dtype=bm.float_), (length,) + tuple(shape)))
    if not parts:
        return bm.zeros((0,), dtype=bm.float_)
    return bm.concatenate(parts, axis=0)


def section_input(values, durations, dt=None, return_length=False):
    """The current values[k] for durations[k], one after the other (values may be arrays: they broadcast to one
    shape). With return_length, (current, total duration)."""
    if len(durations) != len(values):
        raise ValueError(f'"values" and "durations" must be the same length, while we got {len(values)} != '
                         f'{len(durations)}.')
    current = _sections(values, durations, _dt(dt))
    if return_length:
        return current, sum(durations)
    return current


def constant_input(I_and_duration, dt=None):
    """(current, total duration) of the pairs [(I1, duration1), (I2, duration2), ...] one after the other."""
    values = [p[0] for p in I_and_duration]
    durations = [p[1] for p in I_and_duration]
    return _sections(values, durations, _dt(dt)), float(sum(durations))


def constant_current(*args, **kwargs):
    warnings.warn('Please use "brainpy.inputs.constant_input()" instead. "brainpy.inputs.constant_current()" is '
                  'deprecated since version 2.1.13.', DeprecationWarning)
    return constant_input(*args, **kwargs)


def spike_input(sp_times, sp_lens, sp_sizes, duration, dt=None):
    """Short pulses: sp_sizes (a number or one per pulse) from each time in sp_times for sp_lens (a number or one
    per pulse); zero elsewhere, over `duration`."""
    dt = _dt(dt)
    if not hasattr(sp_times, '__iter__'):
        raise ValueError('sp_times must be an iterable')
    sp_times = list(sp_times)
    if not isinstance(sp_lens, (tuple, list)):
        sp_lens = [sp_lens] * len(sp_times)
    if not isinstance(sp_sizes, (tuple, list)):
        sp_sizes = [sp_sizes] * len(sp_times)
    n = _ceil(duration, dt)
    # later pulses overwrite earlier ones where they overlap, as BrainPy's sequential assignment
    owner = np.full(n, -1)
    for k, (t, length) in enumerate(zip(sp_times, sp_lens)):
        owner[_floor(t, dt):min(_floor(t + length, dt), n)] = k
    sizes = bm.concatenate([bm.zeros((1,), dtype=bm.float_),
                            bm.asarray([float(s) for s in sp_sizes], dtype=bm.float_).reshape(-1)])
    return bm.asarray(sizes[owner + 1])


def spike_current(*args, **kwargs):
    warnings.warn('Please use "brainpy.inputs.spike_input()" instead. "brainpy.inputs.spike_current()" is '
                  'deprecated since version 2.1.13.', DeprecationWarning)
    return spike_input(*args, **kwargs)


def ramp_input(c_start, c_end, duration, t_start=0, t_end=None, dt=None):
    """A linear ramp from c_start to c_end (both included) between t_start and t_end (default: duration); zero
    outside it."""
    dt = _dt(dt)
    t_end = duration if t_end is None else t_end
    n = _ceil(duration, dt)
    p1, p2 = _ceil(t_start, dt), _ceil(t_end, dt)
    ramp = bm.linspace(c_start, c_end, max(p2 - p1, 0), dtype=bm.float_)
    return _window(ramp, p1, p2, n)


def ramp_current(*args, **kwargs):
    warnings.warn('Please use "brainpy.inputs.ramp_input()" instead. "brainpy.inputs.ramp_current()" is '
                  'deprecated since version 2.1.13.', DeprecationWarning)
    return ramp_input(*args, **kwargs)


def _rng(seed):
    return bm.random.DEFAULT if seed is None else bm.random.RandomState(seed)


def _check_n(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f'n must be a non-negative int, but we got {n!r}.')
    return int(n)


def wiener_process(duration, dt=None, n=1, t_start=0., t_end=None, seed=None):
    """Increments of a Wiener process, N(0, dt) per step, between t_start and t_end (zero outside): shape
    (steps,) for n=1, (steps, n) otherwise."""
    dt = _dt(dt)
    n = _check_n(n)
    t_end = duration if t_end is None else t_end
    i0, i1 = _floor(t_start, dt), _floor(t_end, dt)
    steps = _ceil(duration, dt)
    extra = () if n == 1 else (n,)
    noise = _rng(seed).standard_normal((max(i1 - i0, 0),) + extra) * math.sqrt(dt)
    return _window(noise, i0, i1, steps, extra)


def ou_process(mean, sigma, tau, duration, dt=None, n=1, t_start=0., t_end=None, seed=None):
    r"""An Ornstein-Uhlenbeck process dX = (mean - X) / tau dt + sigma dW (Euler-Maruyama from X = mean), between
    t_start and t_end (zero outside): shape (steps,) for n=1, (steps, n) otherwise."""
    dt = _dt(dt)
    n = _check_n(n)
    t_end = duration if t_end is None else t_end
    i0, i1 = _floor(t_start, dt), _floor(t_end, dt)
    steps = _ceil(duration, dt)
    extra = () if n == 1 else (n,)
    count = max(i1 - i0, 0)
    if count == 0:
        return bm.zeros((steps,) + extra, dtype=bm.float_)
    noise = _rng(seed).standard_normal((count, n)) * (sigma * math.sqrt(dt))
    x = bm.Variable(bm.full((n,), mean, dtype=bm.float_))
    k = dt / tau

    def step(xi):
        x.value = x + (mean - x) * k + xi
        return x.value

    path = bm.for_loop(step, noise)
    return _window(path if n > 1 else path.reshape(-1), i0, i1, steps, extra)


def sinusoidal_input(amplitude, frequency, duration, dt=None, t_start=0., t_end=None, bias=False):
    """amplitude * sin(2 pi frequency t) (frequency in Hz, t in ms from t_start) between t_start and t_end (zero
    outside); bias adds amplitude (non-negative output)."""
    dt = _dt(dt)
    t_end = duration if t_end is None else t_end
    i0, i1 = _floor(t_start, dt), _floor(t_end, dt)
    steps = _ceil(duration, dt)
    times = bm.arange(max(i1 - i0, 0), dtype=bm.float_) * dt
    wave = amplitude * bm.sin(times * (2 * math.pi * frequency / 1000.0))
    if bias:
        wave = wave + amplitude
    return _window(wave, i0, i1, steps)


def square_input(amplitude, frequency, duration, dt=None, bias=False, t_start=0., t_end=None):
    """amplitude * sign of a square wave of frequency (Hz; high for the first half of each period, t in ms from
    t_start) between t_start and t_end (zero outside); bias adds amplitude (0 and 2 * amplitude)."""
    dt = _dt(dt)
    t_end = duration if t_end is None else t_end
    i0, i1 = _floor(t_start, dt), _floor(t_end, dt)
    steps = _ceil(duration, dt)
    phase = bm.arange(max(i1 - i0, 0), dtype=bm.float_) * (dt * frequency / 1000.0)
    high = (phase - bm.floor(phase)) < 0.5
    wave = bm.where(high, amplitude, -amplitude)
    if bias:
        wave = wave + amplitude
    return _window(wave, i0, i1, steps)
