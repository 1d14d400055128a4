"""bp.DSRunner: runs a DynamicalSystem as one compiled loop per chunk, with BrainPy's inputs and monitors."""

import inspect
import sys
import time
import warnings
from collections.abc import Iterable

import numpy as np

from . import _core, errors
from . import math as bm
from .math import pytree
from .math.controls import _end_quietly, _flat_out, _wrap
from .math.ndarray import ArrayBase, Var

__all__ = ['DSRunner', 'DotDict', 'NonFiniteError', 'check_and_format_inputs']

SUPPORTED_INPUT_OPS = ('=', '+', '-', '*', '/')
SUPPORTED_INPUT_TYPE = ('fix', 'iter', 'func')


NonFiniteError = errors.NonFiniteError


class DotDict(dict):
    """A dict whose items are also attributes (``runner.mon.ts``), as BrainPy's tools.DotDict."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f'{type(self).__name__} has no key {key!r}') from None

    def __setattr__(self, key, value):
        self[key] = value

    def __delattr__(self, key):
        try:
            del self[key]
        except KeyError:
            raise AttributeError(key) from None


def _share():
    from .context import share
    return share


def _dynsys():
    from . import dynsys
    return dynsys


_warned = set()


def _call_with_share(f, *args):
    """f() or, for BrainPy < 2.4's form that takes the shared arguments first, f(shargs) (warned once per f)."""
    share = _share()
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return f(*args)
    sha = share.get_shargs()
    try:
        sig.bind(sha, *args)
    except TypeError:
        return f(*args)
    if id(f) not in _warned:
        _warned.add(id(f))
        warnings.warn('From brainpy>=2.4.3, input() and monitor() functions no longer need to receive the shared '
                      'arguments: define them as `def f(): t = bp.share["t"]` instead of `def f(tdi): ...`.',
                      UserWarning, stacklevel=4)
    return f(sha, *args)


# ---------------------------------------------------------------------------------------------------- inputs
def check_and_format_inputs(host, inputs):
    """BrainPy's input specifications as a list of (Variable, value, type, operation).

    ``inputs``: one ``(target, value[, type[, operation]])`` or a list of them; target is a Variable or a dotted
    attribute path from host ('E.input'); type 'fix' (default), 'iter' (an array over steps or an iterable) or
    'func' (called each step); operation '+' (default), '-', '*', '/' or '='."""
    if inputs is None:
        inputs = []
    if not isinstance(inputs, (tuple, list)):
        raise errors.RunningError('"inputs" must be a tuple/list.')
    if len(inputs) > 0 and not isinstance(inputs[0], (list, tuple)):
        if isinstance(inputs[0], (str, bm.Variable)):
            inputs = [inputs]
        else:
            raise errors.RunningError('Unknown input structure, only support inputs with format of '
                                      '"(target, value, [type, operation])".')
    formatted = []
    for one in inputs:
        if not 2 <= len(one) <= 4:
            raise errors.RunningError(f'For each target, you must specify "(target, value, [type, operation])"; '
                                      f'we got {one!r}.')
        key, value = one[0], one[1]
        type_ = one[2] if len(one) >= 3 else 'fix'
        op = one[3] if len(one) == 4 else '+'
        if type_ not in SUPPORTED_INPUT_TYPE:
            raise errors.RunningError(f'Input type only supports "{list(SUPPORTED_INPUT_TYPE)}", not "{type_}".')
        if op not in SUPPORTED_INPUT_OPS:
            raise errors.RunningError(f'Input operation only supports "{list(SUPPORTED_INPUT_OPS)}", not "{op}".')
        if isinstance(key, bm.Variable):
            var = key
        elif isinstance(key, str):
            var = host
            for part in key.split('.'):
                if not hasattr(var, part):
                    raise AttributeError(f'target {var} does not have "{part}" (input {key!r})')
                var = getattr(var, part)
        else:
            raise errors.RunningError(f'For each input, input[0] must be a string to specify variable of the '
                                      f'target, but we got {key}.')
        if not isinstance(var, bm.Variable):
            raise errors.RunningError(f'{key!r} is not a Variable ({type(var).__name__}): its value never changes, '
                                      f'so it cannot receive an input.')
        if type_ == 'iter' and not isinstance(value, Iterable) and not isinstance(value, ArrayBase):
            raise ValueError(f'Input "{value}" for "{key}" is set to be "iter" type, however we got the value with '
                             f'the type of {type(value)}')
        if type_ == 'func' and not callable(value):
            raise ValueError(f'Input "{value}" for "{key}" is set to be "func" type, however we got the value with '
                             f'the type of {type(value)}')
        if type_ == 'iter' and isinstance(value, (ArrayBase, np.ndarray)):
            value = np.asarray(value)
        elif type_ == 'iter':
            value = iter(value)
        formatted.append((var, value, type_, op, key if isinstance(key, str) else var.name))
    # BrainPy applies them grouped: fixed, arrays, functions, iterators; within a group by operation
    kinds = {'fix': 0, 'array': 1, 'func': 2, 'iter': 3}

    def kind(item):
        return 'array' if item[2] == 'iter' and isinstance(item[1], np.ndarray) else item[2]

    return sorted(formatted, key=lambda it: (kinds[kind(it)], SUPPORTED_INPUT_OPS.index(it[3])))


def _apply_op(op, var, data):
    if op == '=':
        var[:] = data
    elif op == '+':
        var += data
    elif op == '-':
        var -= data
    elif op == '*':
        var *= data
    else:
        var /= data


# ---------------------------------------------------------------------------------------------------- monitors
def _index_of(idx):
    if isinstance(idx, (int, np.integer)) and not isinstance(idx, bool):
        return np.asarray([idx])  # BrainPy keeps the axis: ('V', 3) records [T, 1]
    return None if idx is None else np.asarray(idx)


def _format_monitors(monitors):
    """{key: (Variable or name, index or None) | callable}."""
    out = {}
    if monitors is None:
        return out
    if isinstance(monitors, (list, tuple)):
        for mon in monitors:
            if isinstance(mon, str):
                out[mon] = (mon, None)
            elif isinstance(mon, (tuple, list)) and mon and isinstance(mon[0], str) and len(mon) <= 2:
                out[mon[0]] = (mon[0], _index_of(mon[1]) if len(mon) == 2 else None)
            else:
                raise errors.MonitorError(f'We expect the monitor format with (name, index). But we got {mon!r}')
        return out
    if isinstance(monitors, dict):
        for key, val in monitors.items():
            if not isinstance(key, str):
                raise errors.MonitorError(f'Expect the key of the dict "monitors" must be a string. But got '
                                          f'{type(key)}: {key}')
            if isinstance(val, (bm.Variable, str)):
                val = (val, None)
            if isinstance(val, (tuple, list)):
                if not (1 <= len(val) <= 2 and isinstance(val[0], (bm.Variable, str))):
                    raise errors.MonitorError(f'Expect the format of (variable, index) in the monitor setting. '
                                              f'But we got {val!r}')
                out[key] = (val[0], _index_of(val[1]) if len(val) == 2 else None)
            elif callable(val):
                out[key] = val
            else:
                raise errors.MonitorError(f'The value of dict monitor expect a sequence with (variable, index) or a '
                                          f'callable function. But we got {val!r}')
        return out
    raise errors.MonitorError(f'We only supports a format of list/tuple/dict of "vars", while we got '
                              f'{type(monitors)}.')


def _resolve_name(target, name):
    """The object a monitor name points to, as BrainPy finds it: an attribute path from target ('E.V'), or
    '<node name>.<attribute>' for any node of target ('Lif0.V')."""
    parts = name.split('.')
    if hasattr(target, parts[0]):
        obj = target
        for p in parts:
            if not hasattr(obj, p):
                raise errors.MonitorError(f'Cannot find {name} in {obj}, please check.')
            obj = getattr(obj, p)
        return obj
    if len(parts) == 1:
        raise errors.RunningError(f'{target} does not has variable {name}.')
    nodes = {n.name: n for n in target.nodes(level=-1).values()}
    if parts[0] not in nodes or len(parts) != 2:
        raise errors.MonitorError(f'Cannot find target {name} in monitor of {target}, please check.')
    node = nodes[parts[0]]
    if not hasattr(node, parts[1]):
        raise errors.MonitorError(f'Cannot find {name}: {node.name} has no attribute {parts[1]!r}.')
    return getattr(node, parts[1])


def _find_monitor_targets(target, monitors):
    out = {}
    for key, mon in monitors.items():
        if callable(mon) and not isinstance(mon, tuple):
            out[key] = mon
            continue
        what, idx = mon
        if isinstance(what, str):
            what = _resolve_name(target, what)
        if not isinstance(what, ArrayBase):
            raise errors.MonitorError(f'The monitor {key!r} points to a {type(what).__name__}, not a Variable or an '
                                      f'array.')
        out[key] = (what, idx)
    return out


# ---------------------------------------------------------------------------------------------------- progress
class _TextBar:
    """A progress bar drawn with plain text on a terminal (stderr)."""

    def __init__(self, total, desc, stream):
        self.total, self.desc, self.stream = total, desc, stream
        self.done, self.t0 = 0, time.time()
        self._draw()

    def _draw(self):
        frac = self.done / self.total if self.total else 1.
        width = 30
        full = int(frac * width)
        bar = '#' * full + '.' * (width - full)
        self.stream.write(f'\r{self.desc} [{bar}] {100 * frac:5.1f}% {self.done}/{self.total} steps, '
                          f'{time.time() - self.t0:.1f} s')
        self.stream.flush()

    def update(self, n):
        self.done += n
        self._draw()

    def close(self):
        self.stream.write('\n')
        self.stream.flush()


def _terminal():
    s = sys.stderr
    try:
        return s if s is not None and s.isatty() else None
    except (AttributeError, ValueError):
        return None


def _chunk_plan(n, chunk, bar):
    """[(offset, length)] covering n steps: chunks of one length (one executable) but perhaps the last."""
    if n == 0:
        return [(0, 0)]
    if chunk is None:
        if not bar:
            chunk = n
        else:
            # about 50 updates; a length dividing n saves compiling a shorter last chunk
            lo, hi, want = max(1, n // 100), max(1, n // 10), max(1, round(n / 50))
            divs = [d for d in range(lo, hi + 1) if n % d == 0]
            chunk = min(divs, key=lambda d: abs(d - want)) if divs else want
    chunk = max(1, min(chunk, n))
    return [(s, min(chunk, n - s)) for s in range(0, n, chunk)]


def _num_steps(duration, dt):
    # BrainPy takes int(duration / dt), which drops a step whenever the quotient rounds just below an integer
    # (0.3 / 0.1 = 2.9999999999999996 -> 2 steps); within 1e-9 of an integer we take the integer.
    q = duration / dt
    r = round(q)
    return int(r) if abs(q - r) <= 1e-9 * max(1., abs(q)) else int(np.floor(q))


# ---------------------------------------------------------------------------------------------------- runner
class DSRunner(bm.BrainPyObject):
    """The runner of a DynamicalSystem (BrainPy's bp.DSRunner).

    >>> runner = bp.DSRunner(net, monitors=['E.spike', ('E.V', [0, 1])], inputs=('E.input', 20.))
    >>> runner.run(100.)                       # 1000 steps at dt = 0.1
    >>> runner.mon['E.spike'].shape            # (1000, num)
    >>> bp.visualize.raster_plot(runner.mon.ts, runner.mon['E.spike'])

    Each step saves ``t = t0 + i * dt``, ``i`` and ``dt`` in ``bp.share``, applies the inputs, calls
    ``target(*step_inputs)``, records the monitors and clears the targets' inputs, as BrainPy does. The steps run
    as one compiled loop per chunk (one chunk per run unless a progress bar shows on a terminal or ``chunk_steps``
    is given); chunks of one length share one executable, and the chunk's first step is an argument.

    Arguments are BrainPy's (``inputs``, ``monitors``, ``numpy_mon_after_run``, ``jit``, ``dt``, ``t0``,
    ``progress_bar``, ``data_first_axis``, ``memory_efficient``, and the deprecated ``dyn_vars``, ``fun_inputs``,
    ``fun_monitors``), plus brainjit's:

    - ``check_finite=True``: after each chunk the floating-point state Variables are checked; if one is NaN or
      infinite, the chunk is replayed step by step from a copy of its starting state to find the first bad step,
      and NonFiniteError (a bp.errors.RunningError) names the Variable ('HH0.V'), the step and the time. The model
      is left in its state after that step.
    - ``chunk_steps=None``: the number of steps per compiled call.
    - ``backend=None``: bm.jit's backend ('cpu', generated C, the default; 'interp', the C core's interpreter).
    """

    def __init__(self, target, inputs=(), monitors=None, numpy_mon_after_run=True, jit=True, dyn_vars=None,
                 memory_efficient=False, dt=None, t0=0., progress_bar=True, data_first_axis=None, fun_inputs=None,
                 fun_monitors=None, *, check_finite=True, chunk_steps=None, backend=None):
        DynamicalSystem = _dynsys().DynamicalSystem
        if not isinstance(target, DynamicalSystem):
            raise errors.RunningError(f'"target" must be an instance of {DynamicalSystem.__name__}, but we got '
                                      f'{type(target)}: {target}')
        super().__init__()
        self.target = target
        if isinstance(jit, bool):
            self.jit = {'predict': jit}
        elif isinstance(jit, dict):
            self.jit = dict(jit)
            self.jit['predict'] = bool(jit.get('predict', True))
        else:
            raise ValueError(f'Unknown "jit" setting: {jit}')
        if not isinstance(progress_bar, bool):
            raise TypeError(f'progress_bar must be a bool, but we got {progress_bar!r}.')
        self.progress_bar = progress_bar
        self.numpy_mon_after_run = numpy_mon_after_run
        if memory_efficient and not numpy_mon_after_run:
            raise ValueError('When setting "gpu_memory_efficient=True", "numpy_mon_after_run" can not be False.')
        self._memory_efficient = memory_efficient  # monitors always come to the host chunk by chunk

        mons = _format_monitors(monitors)
        if fun_monitors is not None:
            warnings.warn('`fun_monitors` is deprecated since version 2.3.1. Define `func_monitors` in `monitors`',
                          UserWarning)
            if not isinstance(fun_monitors, dict) or not all(callable(f) for f in fun_monitors.values()):
                raise errors.MonitorError('fun_monitors must be a dict of callables.')
            mons.update(fun_monitors)
        self._monitors = _find_monitor_targets(target, mons)
        self.mon = DotDict()

        self.i0 = 0
        self.t0 = t0
        mode = getattr(target, 'mode', None)
        if data_first_axis is None:
            data_first_axis = 'B' if isinstance(mode, bm.BatchingMode) else 'T'
        if data_first_axis not in ('B', 'T'):
            raise ValueError(f'data_first_axis must be "B" or "T", not {data_first_axis!r}.')
        self.data_first_axis = data_first_axis
        dt = bm.get_dt() if dt is None else dt
        if not isinstance(dt, float):
            raise errors.RunningError(f'"dt" must be float, but got {dt}')
        self.dt = dt

        if fun_inputs is not None:
            warnings.warn('`fun_inputs` is deprecated since version 2.3.1. Define `fun_inputs` as `inputs` instead.',
                          UserWarning)
        self._fun_inputs = fun_inputs
        self._inputs = inputs if callable(inputs) else check_and_format_inputs(target, inputs)

        if chunk_steps is not None and (not isinstance(chunk_steps, int) or chunk_steps < 1):
            raise ValueError(f'chunk_steps must be a positive int, but we got {chunk_steps!r}.')
        self.chunk_steps = chunk_steps
        self.check_finite = bool(check_finite)
        self.backend = backend
        self._jit_chunk = bm.jit(self._chunk, static_argnums=(0, 5), backend=backend)

    def __repr__(self):
        return (f'{type(self).__name__}(target={self.target}, jit={self.jit}, dt={self.dt}, '
                f'data_first_axis={self.data_first_axis})')

    def reset_state(self):
        """Restarts the runner's step count (i0 = 0)."""
        self.i0 = 0

    # ---- one step (traced once into the loop, or run eagerly with jit=False)
    def _step(self, i, t0, xs, rows, shared):
        share = _share()
        if shared:
            share.save(**shared)
        share.save(t=t0 + i * self.dt, i=i, dt=self.dt)
        self._apply_inputs(rows)
        out = self.target(*xs)
        mon = {}
        for key, m in self._monitors.items():
            if isinstance(m, tuple):
                v, idx = m
                mon[key] = v.value if idx is None else v[idx]
            else:
                mon[key] = _call_with_share(m)
        _dynsys().clear_input(self.target)
        return out, mon

    def _apply_inputs(self, rows):
        if self._fun_inputs is not None:
            self._fun_inputs(_share().get_shargs())
        if callable(self._inputs):
            _call_with_share(self._inputs)
            return
        k = 0
        for var, value, type_, op, _ in self._inputs:
            if type_ == 'fix':
                data = value
            elif type_ == 'func':
                data = _call_with_share(value)
            else:  # an array or iterator: this step's row, sliced on the host per chunk
                data = rows[k]
                k += 1
            _apply_op(op, var, data)

    # ---- one chunk: n steps from step i0, as one compiled loop
    def _chunk(self, n, i0, t0, xs, rows, shared_key):
        shared = dict(shared_key)
        leaves, treedef = pytree.flatten((xs, rows))
        _core.for_begin(n, 1, [], [x if isinstance(x, ArrayBase) else bm.asarray(x) for x in leaves])
        try:
            sx, srows = pytree.unflatten(treedef, [_wrap(_core.loop_x(k)) for k in range(len(leaves))])
            i = i0 + _wrap(_core.loop_step()).astype(i0.dtype)
            ys, ydef = _flat_out(self._step(i, t0, sx, srows, shared), keep_scalars=False)
        except BaseException:
            _end_quietly(_core.for_end, [], [])
            raise
        _, stacked = _core.for_end([], ys)
        return pytree.unflatten(ydef, [_wrap(s) for s in stacked])

    # ---- running
    def run(self, *args, **kwargs):
        """Same as predict()."""
        return self.predict(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        return self.predict(*args, **kwargs)

    def predict(self, duration=None, inputs=None, reset_state=False, eval_time=False, shared_args=None,
                inputs_are_batching=None):
        """Runs ``duration`` ms (``duration / dt`` steps) or one step per row of ``inputs`` (arrays with time first,
        or a tuple / list / dict of them; step k calls ``target(*inputs[k])``). Fills ``self.mon`` (numpy
        ``[T, ...]`` per monitor, and ``ts``), advances ``i0`` so a next run continues, and returns the target's
        outputs stacked over time (``(seconds, outputs)`` with eval_time)."""
        if inputs_are_batching is not None:
            warnings.warn('`inputs_are_batching` is no longer supported: the target mode tells whether inputs are '
                          'batched.', UserWarning)
        if duration is None:
            if inputs is None:
                raise ValueError('Please provide "duration" or "inputs".')
        elif inputs is not None:
            warnings.warn('"inputs" has already has the time information. Therefore there no longer need to provide '
                          '"duration".', UserWarning)
            duration = None
        batched = isinstance(getattr(self.target, 'mode', None), bm.BatchingMode)
        batch_first = batched and self.data_first_axis == 'B'
        xs = inputs
        if xs is None:
            xs = ()
        elif not isinstance(xs, (tuple, list)):
            xs = (xs,)
        leaves, xdef = pytree.flatten(xs, is_leaf=lambda a: isinstance(a, np.ndarray))
        leaves = [np.asarray(x) if not isinstance(x, ArrayBase) else x for x in leaves]
        if batch_first:
            leaves = [bm.moveaxis(bm.asarray(x), 0, 1) for x in leaves]
        if duration is not None:
            num_step = _num_steps(duration, self.dt)
        else:
            lens = {int(x.shape[0]) if x.ndim else -1 for x in leaves}
            if len(lens) != 1 or -1 in lens:
                raise ValueError(f'The inputs must be arrays with time first and one number of steps; we got '
                                 f'lengths {sorted(lens)}.')
            num_step = lens.pop()
        if reset_state:
            self.target.reset(self._batch_size(leaves))
            self.reset_state()
        shared_key = self._shared_key(shared_args)

        i_start = self.i0
        start = time.time()
        try:  # i0 advances with every finished chunk, so after an error it counts the steps that ran
            if self.jit['predict']:
                outs, mons = self._run_compiled(num_step, leaves, xdef, shared_key, duration)
            else:
                outs, mons = self._run_eager(num_step, leaves, xdef, shared_key)
        finally:
            self._save_share_numbers(self.i0 - 1)
        running_time = time.time() - start

        mons['ts'] = np.arange(i_start, i_start + num_step, dtype=bm.get_int()) * self.dt + self.t0
        if batch_first:
            outs = pytree.unflatten(pytree.flatten(outs)[1], [bm.moveaxis(o, 0, 1) if o.ndim >= 2 else o
                                                             for o in pytree.flatten(outs)[0]])
            mons = {k: (np.moveaxis(v, 0, 1) if v.ndim >= 2 and k != 'ts' else v) for k, v in mons.items()}
        for key, val in mons.items():
            self.mon[key] = val if self.numpy_mon_after_run else bm.asarray(val)
        return (running_time, outs) if eval_time else outs

    def _batch_size(self, leaves):
        if not leaves or not isinstance(getattr(self.target, 'mode', None), bm.BatchingMode):
            return None
        sizes = {int(x.shape[1]) for x in leaves}
        if len(sizes) != 1:
            raise ValueError(f'Number of batch size is different across arrays in the provided "xs". We got '
                             f'{sizes}.')
        return sizes.pop()

    @staticmethod
    def _shared_key(shared_args):
        if not shared_args:
            return ()
        if not isinstance(shared_args, dict):
            raise TypeError(f'shared_args must be a dict, but we got {type(shared_args).__name__}.')
        key = tuple(sorted(shared_args.items()))
        try:
            hash(key)
        except TypeError:
            raise errors.RunningError('shared_args are constants of the compiled run (as in BrainPy): their values '
                                      'must be hashable (numbers, strings, bools).') from None
        return key

    def _save_share_numbers(self, i):
        # after a run bp.share holds numbers (the last step's), not values of the finished trace
        i = max(int(i), 0)
        _share().save(t=float(self.t0 + i * self.dt), i=i, dt=self.dt)

    def _iter_rows(self, n):
        """Per array / iterator input: its rows for steps i0 .. i0 + n - 1 (BrainPy indexes arrays by the global
        step i, so a second run continues along them)."""
        if callable(self._inputs):
            return []
        rows = []
        for var, value, type_, op, name in self._inputs:
            if type_ != 'iter':
                continue
            if isinstance(value, np.ndarray):
                if value.ndim == 0 or value.shape[0] < self.i0 + n:
                    have = value.shape[0] if value.ndim else 0
                    raise errors.RunningError(f'The "iter" input of {name!r} has {have} rows, but this run needs '
                                              f'steps {self.i0} to {self.i0 + n - 1} (BrainPy reads row i at step '
                                              f'i; BrainPy would silently repeat the last row).')
                rows.append((value, None))
            else:
                rows.append((None, value))
        return rows

    def _rows_for(self, rows, start, n):
        out = []
        for arr, it in rows:
            if arr is not None:
                out.append(arr[start:start + n])
            else:
                vals = []
                for _ in range(n):
                    try:
                        vals.append(np.asarray(next(it)))
                    except StopIteration:
                        raise errors.RunningError('An "iter" input ran out of values before the run ended.') \
                            from None
                out.append(np.stack(vals) if vals else np.zeros((0,)))
        return out

    # ---- the compiled path
    def _run_compiled(self, num_step, leaves, xdef, shared_key, duration):
        term = _terminal() if self.progress_bar else None
        plan = _chunk_plan(num_step, self.chunk_steps, term is not None)
        bar = None
        if term is not None and num_step:
            desc = f'Running a duration of {duration}' if duration is not None else f'Running {num_step} steps'
            bar = _TextBar(num_step, desc, term)
        rows = self._iter_rows(num_step)
        itype = np.dtype(bm.get_int())
        # every run traces the step again, as BrainPy does, so Python-side changes to the model between runs take
        # effect; an unchanged trace finds its compiled code in the C core's cache (milliseconds)
        self._jit_chunk.clear_cache()
        results, state, traced = [], None, set()
        try:
            for off, n in plan:
                xs = pytree.unflatten(xdef, [x[off:off + n] for x in leaves])
                rws = self._rows_for(rows, self.i0, n)
                args = (n, np.asarray(self.i0, dtype=itype), self.t0, xs, rws, shared_key)
                snap = None
                if self.check_finite:
                    if n not in traced:  # trace first: the trace tells which Variables the loop touches
                        self._jit_chunk.compile(*args)
                        traced.add(n)
                        state = self._state_vars()
                    snap = [(v, v.value) for _, v in state[0]]
                res = self._jit_chunk(*args)
                if self.check_finite and self._bad(state[1]):
                    self._replay(snap, state[1], self.i0, n, xs, rws, shared_key)
                self.i0 += n
                results.append(res)
                if bar is not None:
                    bar.update(n)
        finally:
            if bar is not None:
                bar.close()
        return self._merge(results)

    def _state_vars(self):
        """([(path, Variable)] of every Variable of the target or touched by the loop, [(path, Variable)] of the
        floating-point ones)."""
        found, seen = [], set()
        for path, v in list(self.target.vars().items()) + list(self._jit_chunk.vars().items()):
            if id(v) not in seen and type(v._v) is Var:
                seen.add(id(v))
                found.append((path, v))
        floats = [(p, v) for p, v in found if np.dtype(v.dtype).kind == 'f']
        return found, floats

    @staticmethod
    def _bad(floats):
        """[(path, 'NaN' | 'inf')] of the Variables that are not all finite."""
        bad = []
        for path, v in floats:
            a = np.asarray(_core.var_value_nocopy(v._v))
            if not np.isfinite(a).all():
                bad.append((path, 'NaN' if np.isnan(a).any() else 'inf'))
        return bad

    def _nonfinite_error(self, bad, i, before=False):
        names = ', '.join(f'{p} ({w})' for p, w in bad)
        t = self.t0 + i * self.dt
        if before:
            msg = f'{names} already held non-finite values before step {i} (t = {t:g}).'
        else:
            msg = (f'{names} became non-finite at step {i} (t = {t:g}; dt = {self.dt:g}). The model is left in its '
                   f'state after that step; a smaller dt or another integration method may help '
                   f'(DSRunner(check_finite=False) turns this check off).')
        return NonFiniteError(msg)

    def _replay(self, snap, floats, i_start, n, xs, rws, shared_key):
        """Runs the chunk again from its starting state, one step per call, and raises at the first step that
        leaves a float state Variable non-finite."""
        for v, val in snap:
            v.value = val
        itype = np.dtype(bm.get_int())
        bad = self._bad(floats)
        if bad:
            raise self._nonfinite_error(bad, i_start, before=True)
        xl, xdef = pytree.flatten(xs)
        for k in range(n):
            x1 = pytree.unflatten(xdef, [x[k:k + 1] for x in xl])
            self._jit_chunk(1, np.asarray(i_start + k, dtype=itype), self.t0, x1, [r[k:k + 1] for r in rws],
                            shared_key)
            bad = self._bad(floats)
            if bad:
                self.i0 = i_start + k + 1
                raise self._nonfinite_error(bad, i_start + k)
        raise self._nonfinite_error(self._bad(floats) or [('the state', 'NaN')], i_start + n - 1)

    @staticmethod
    def _merge(results):
        """(outputs, {key: numpy [T, ...]}) from the chunks' results."""
        if len(results) == 1:
            out, mon = results[0]
            return out, {k: np.asarray(v) for k, v in mon.items()}
        leaves0, odef = pytree.flatten(results[0][0])
        outs = [bm.asarray(np.concatenate([np.asarray(pytree.flatten(r[0])[0][j]) for r in results]))
                for j in range(len(leaves0))]
        mons = {k: np.concatenate([np.asarray(r[1][k]) for r in results]) for k in results[0][1]}
        return pytree.unflatten(odef, outs), mons

    # ---- the eager path (jit=False): a Python loop over the steps, for debugging
    def _run_eager(self, num_step, leaves, xdef, shared_key):
        rows = self._rows_for(self._iter_rows(num_step), self.i0, num_step)
        i_start = self.i0
        itype = bm.get_int()
        floats = self._state_vars()[1] if self.check_finite else []
        outs, mons, odef = [], [], None
        shared = dict(shared_key)
        for k in range(num_step):
            i = i_start + k
            xs = pytree.unflatten(xdef, [bm.asarray(x[k]) for x in leaves])
            out, mon = self._step(bm.asarray(i, dtype=itype), self.t0, xs, [bm.asarray(r[k]) for r in rows],
                                  shared)
            ol, odef = pytree.flatten(out)
            outs.append([np.asarray(bm.asarray(o)) for o in ol])
            mons.append({key: np.asarray(bm.asarray(v)) for key, v in mon.items()})
            self.i0 = i + 1
            bad = self._bad(floats)
            if bad:
                raise self._nonfinite_error(bad, i)
        if odef is None:  # no step ran: trace nothing, give empty monitors
            return None, {key: np.zeros((0,)) for key in self._monitors}
        out = pytree.unflatten(odef, [bm.asarray(np.stack([o[j] for o in outs])) for j in range(len(outs[0]))])
        return out, {key: np.stack([m[key] for m in mons]) for key in self._monitors}
