"""bm.jit and bm.cls_jit: JITTransform over _core.Jit (the C hot path); argument binding and the trace callback."""

import functools
import inspect
import types
import warnings
import weakref

from .. import _core, errors
from . import pytree
from .ndarray import ArrayBase, _new, _buffer, variable_by_name, Var, Val, trace_frames
from .object import BrainPyObject, ObjectTransform

__all__ = ['jit', 'cls_jit', 'JITTransform']

_tracing = _core.tracing
_P = inspect.Parameter

# Whether a static argument occupies one parameter slot of the C trace (trace.param numbering counts every
# argument _core.Jit converted, statics included).
_STATIC_TAKES_SLOT = False


def _seq_of_int(x, what):
    if x is None:
        return ()
    if isinstance(x, int) and not isinstance(x, bool):
        return (x,)
    if isinstance(x, (tuple, list)) and all(isinstance(i, int) and not isinstance(i, bool) for i in x):
        return tuple(x)
    raise TypeError(f'{what} must be None, an int or a sequence of ints, but we got {x!r}.')


def _seq_of_str(x, what):
    if x is None:
        return ()
    if isinstance(x, str):
        return (x,)
    if isinstance(x, (tuple, list)) and all(isinstance(i, str) for i in x):
        return tuple(x)
    raise TypeError(f'{what} must be None, a str or a sequence of str, but we got {x!r}.')


def _rebuild(a, trace, k):
    """The argument a as the traced function sees it: the same pytree with traced Arrays in place of its leaves
    (Variables stay themselves, so reads and writes reach them). Returns (tree, next parameter index)."""
    if a is None:
        return None, k
    if isinstance(a, ArrayBase):
        if type(a._v) is Var:
            return a, k + 1
        return _param(trace, k), k + 1
    if isinstance(a, tuple):
        out = []
        for c in a:
            c2, k = _rebuild(c, trace, k)
            out.append(c2)
        return (type(a)(*out) if hasattr(type(a), '_fields') else tuple(out)), k
    if isinstance(a, list):
        out = []
        for c in a:
            c2, k = _rebuild(c, trace, k)
            out.append(c2)
        if type(a) is not list and all(x is y for x, y in zip(out, a)):
            return a, k  # a VarList of Variables: the list itself
        return out, k
    if isinstance(a, dict):
        out = {}
        for key in sorted(a.keys()):
            out[key], k = _rebuild(a[key], trace, k)
        if type(a) is not dict and all(out[key] is a[key] for key in out):
            return a, k
        return out, k
    return _param(trace, k), k + 1


def _leaf_paths(a):
    """The index paths ("", "[0]", "['w']") of a's leaves in _core.Jit's flattening order."""
    if a is None:
        return []
    if isinstance(a, ArrayBase):
        return ['']
    if isinstance(a, (tuple, list)):
        return [f'[{i}]{p}' for i, c in enumerate(a) for p in _leaf_paths(c)]
    if isinstance(a, dict):
        return [f'[{k!r}]{p}' for k in sorted(a.keys()) for p in _leaf_paths(a[k])]
    return ['']


def _param(trace, k):
    # a traced leaf is a Val; a leaf the C core made static (strings, other objects) comes back as itself
    p = trace.param(k)
    return _new(p) if type(p) is Val else p


def _leaf_out(x):
    if isinstance(x, ArrayBase):
        return x.value if type(x._v) is Var else x
    t = type(x)
    if t is float or t is int or t is bool:
        return x
    try:
        return _new(_buffer(x))
    except (TypeError, ValueError):
        raise TypeError(f'A jitted function must return arrays, numbers or tuples / lists / dicts / None of them; '
                        f'it returned a {type(x).__name__}.') from None


def out_leaves(out):
    """(leaves, tag) of a traced function's result, in the form _core.Jit expects: tag None for one leaf, an
    int n for a flat tuple of n leaves, otherwise a pytree structure for pytree.unflatten."""
    if out is None:
        return [], ('N',)
    if isinstance(out, ArrayBase) or type(out) in (float, int, bool):
        return [_leaf_out(out)], None
    leaves, treedef = pytree.flatten(out)
    leaves = [_leaf_out(x) for x in leaves]
    if type(out) is tuple and treedef == ('T', None, (pytree.LEAF,) * len(out)):
        return leaves, len(out)
    return leaves, treedef


def _is_axes_leaf(x):
    # JAX's rule for the leaves of an abstracted_axes tree: {axis: name} dicts and tuples of names / None
    if isinstance(x, dict):
        return all(not isinstance(v, (tuple, list, dict)) for v in x.values())
    if type(x) is tuple:
        return all(v is None or isinstance(v, str) for v in x)
    return False


def _axes_names(spec, ndim, where):
    """The C axis list ("n, _") of one array leaf of rank ndim for an abstracted_axes leaf spec."""
    names = ['_'] * ndim
    if isinstance(spec, dict):
        for ax, name in spec.items():
            if isinstance(ax, bool) or not isinstance(ax, int) or not -ndim <= ax < ndim:
                raise ValueError(f'abstracted_axes: axis {ax!r} of {where} is not an axis of an array with {ndim} '
                                 f'dimensions.')
            names[ax % ndim] = _axis_name(name, where)
    else:
        if len(spec) != ndim:
            raise ValueError(f'abstracted_axes: {spec!r} names {len(spec)} axes for {where}, which has {ndim}.')
        names = ['_' if n is None else _axis_name(n, where) for n in spec]
    return ', '.join(names)


def _axis_name(name, where):
    name = str(name)
    if not name.isidentifier() or name == '_':
        raise ValueError(f'abstracted_axes: {name!r} (for {where}) is not a valid axis name: use an identifier '
                         f'such as "n".')
    return name


def _spec_leaves(spec, arg, out, where):
    """Appends, per flattened leaf of arg (in _core.Jit's order), its abstracted_axes leaf spec or None."""
    if spec is None or _is_axes_leaf(spec):
        for leaf in pytree.flatten(arg)[0]:
            out.append(spec)
        return
    if isinstance(spec, (tuple, list)) and isinstance(arg, (tuple, list)) and len(spec) == len(arg):
        for i, (s2, a2) in enumerate(zip(spec, arg)):
            _spec_leaves(s2, a2, out, f'{where}[{i}]')
        return
    if isinstance(spec, dict) and isinstance(arg, dict) and set(spec) <= set(arg):
        for k in sorted(arg.keys()):
            _spec_leaves(spec.get(k), arg[k], out, f'{where}[{k!r}]')
        return
    raise ValueError(f'abstracted_axes: {spec!r} does not match the structure of {where} '
                     f'({type(arg).__name__}); give one spec per argument: a dict {{axis: name}}, a tuple of '
                     f'names / None per axis, None, or a tree of those matching the argument.')


class _Compiled:
    """A Python function driven by one _core.Jit: keyword binding, statics, the trace callback.

    With abstracted_axes the C handle is made per distinct placement of the named axes on the C parameters (the
    leaves' positions depend on the arguments' structure): normally one."""

    def __init__(self, fun, static_argnums=(), static_argnames=(), donate_argnums=(), backend=None, name=None,
                 keep_unused=False, abstracted_axes=None):
        self.fun = fun
        try:
            sig = inspect.signature(fun)
        except (TypeError, ValueError):
            sig = None
        self._sig = sig
        params = list(sig.parameters.values()) if sig is not None else []
        positional = [p for p in params if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]
        varpos = sig is None or any(p.kind == _P.VAR_POSITIONAL for p in params)
        self._has_kw = any(p.kind in (_P.KEYWORD_ONLY, _P.VAR_KEYWORD) for p in params)
        names = [p.name for p in positional]
        self._nparams = -1 if varpos else len(positional)
        first_default = len(positional)
        for i, p in enumerate(positional):
            if p.default is not _P.empty:
                first_default = i
                break
        self._nrequired = first_default
        self._defaults = tuple(p.default for p in positional[first_default:])
        if any(p.default is _P.empty for p in positional[first_default:]):
            self._nrequired, self._defaults = len(positional), ()
        static = set()
        for i in static_argnums:
            j = i + len(positional) if i < 0 and not varpos else i
            if j < 0 or (not varpos and j >= len(positional)):
                raise ValueError(f'Jitted function has static_argnums=({i},), but only accepts {len(positional)} '
                                 f'positional arguments.')
            static.add(j)
        kwonly = {p.name for p in params if p.kind == _P.KEYWORD_ONLY}
        for n in static_argnames:
            if n in names:
                static.add(names.index(n))
            elif n in kwonly:
                raise errors.UnsupportedError(f'static_argnames: "{n}" is a keyword-only parameter; brainjit '
                                              f'makes positional parameters static only.')
            elif sig is not None and not any(p.kind == _P.VAR_KEYWORD for p in params):
                raise ValueError(f'static_argnames "{n}" is not a parameter of {getattr(fun, "__name__", fun)}; '
                                 f'its parameters are {names}.')
        self.static = frozenset(static)
        self.static_argnames = tuple(names[i] for i in sorted(static) if i < len(names))
        donate = tuple(i + len(positional) if i < 0 and not varpos else i for i in donate_argnums)
        for i, j in zip(donate_argnums, donate):
            if j < 0 or (not varpos and j >= len(positional)):
                raise ValueError(f'Jitted function has donate_argnums=({i},), but only accepts {len(positional)} '
                                 f'positional arguments.')
        n_c = -1 if varpos else len(positional) + (1 if self._has_kw else 0)
        if name is None:
            name = getattr(fun, '__qualname__', None) or getattr(fun, '__name__', None) or type(fun).__name__
        self.name = name
        self._positional = names
        self._jit_kw = dict(static_argnums=tuple(sorted(static)), donate_argnums=donate, backend=backend or 'cpu',
                            nparams=-1, defaults=(), static_ids={}, trace_cb=self._trace_cb,
                            unflatten_cb=pytree.unflatten, keep_unused=bool(keep_unused))
        self.jit = _core.Jit(fun, name, **self._jit_kw)
        self.axes = abstracted_axes
        self.jits = {'': self.jit}  # C abstracted_axes string -> handle
        if abstracted_axes is not None and not isinstance(abstracted_axes, (tuple, list, dict)):
            raise TypeError(f'abstracted_axes must be a dict {{axis: name}}, a tuple per argument or a pytree '
                            f'matching the arguments, but we got {abstracted_axes!r}.')

    def _axes_string(self, cargs):
        """The C abstracted_axes option for this call's (bound) arguments."""
        spec = self.axes
        args = cargs[:-1] if self._has_kw else cargs
        # keyword-only / **kwargs arguments (the trailing dict) get no abstracted axes
        if _is_axes_leaf(spec):
            per_arg = [spec] * len(args)
        elif isinstance(spec, (tuple, list)):
            if len(spec) > len(args):
                raise ValueError(f'abstracted_axes has {len(spec)} entries, but {self.name} was called with '
                                 f'{len(args)} arguments.')
            per_arg = list(spec) + [None] * (len(args) - len(spec))
        else:
            raise ValueError(f'abstracted_axes: a dict must map axes to names ({{0: "n"}}); got {spec!r}.')
        leaf_specs = []
        for i, (s2, a) in enumerate(zip(per_arg, args)):
            if i in self.static:
                if s2 is not None:
                    raise ValueError(f'abstracted_axes names axes of argument {i}, which is static.')
                continue
            where = self._positional[i] if i < len(self._positional) else f'argument {i}'
            _spec_leaves(s2, a, leaf_specs, where)
        if self._has_kw:
            leaf_specs += [None] * len(pytree.flatten(cargs[-1])[0])
        slots = self.jit.leaf_slots(*cargs)
        parts = []
        leaves = pytree.flatten(list(args[i] for i in range(len(args)) if i not in self.static))[0]
        for leaf, slot, s2 in zip(leaves, slots, leaf_specs):
            if s2 is None or (isinstance(s2, dict) and not s2):
                continue
            if slot < 0 or (isinstance(leaf, ArrayBase) and type(leaf._v) is Var) or not hasattr(leaf, 'ndim'):
                raise ValueError(f'abstracted_axes names axes of {type(leaf).__name__} {leaf!r:.60}, which is not '
                                 f'an array argument (Variables and Python numbers have fixed shapes).')
            names = _axes_names(s2, leaf.ndim, self.name)
            if names.replace('_', '').replace(',', '').strip():
                parts.append(f'{slot}: {names}')
        return '; '.join(parts)

    def call_abstracted(self, cargs):
        key = self._axes_string(cargs)
        j = self.jits.get(key)
        if j is None:
            j = _core.Jit(self.fun, self.name, abstracted_axes=key, **self._jit_kw)
            self.jits[key] = j
        return j(*cargs)

    def handle_for(self, cargs):
        """The C handle that serves these (bound) arguments (introspection)."""
        if self.axes is None:
            return self.jit
        key = self._axes_string(cargs)
        j = self.jits.get(key)
        if j is None:
            j = self.jits[key] = _core.Jit(self.fun, self.name, abstracted_axes=key, **self._jit_kw)
        return j

    def bind(self, args, kwargs):
        """The positional argument tuple _core.Jit receives for a Python call (keywords and defaults resolved;
        keyword-only and **kwargs arguments travel as one trailing dict)."""
        # As in JAX, parameters the caller leaves out are not arguments: their defaults stay Python constants
        # while tracing (`range(n)`, `if flag:` work). Only an omitted parameter before one given by keyword is
        # filled with its default, to keep the positions.
        n = self._nparams
        if not kwargs and not self._has_kw and n >= 0:
            if self._nrequired <= len(args) <= n:
                return args
        if self._sig is None:
            if kwargs:
                raise TypeError(f'{self.name}: keyword arguments need a function with an inspectable signature')
            return args
        ba = self._sig.bind(*args, **kwargs)
        if n < 0:  # *args: everything positional, as bound
            ba.apply_defaults()
            pos = ba.args
        else:
            given = [i for i, nm in enumerate(self._positional) if nm in ba.arguments]
            # with a trailing keyword dict every positional parameter is passed, so the dict's position is fixed
            last = len(self._positional) - 1 if self._has_kw else given[-1] if given else -1
            params = self._sig.parameters
            pos = tuple(ba.arguments[nm] if nm in ba.arguments else params[nm].default
                        for nm in self._positional[:last + 1])
        if self._has_kw:
            return pos + (dict(ba.kwargs),)
        return pos

    def describe_param(self, cargs, p):
        """(argnum or None, argument name, path) of the Python argument leaf that C parameter p holds, or None."""
        slots = self.jit.leaf_slots(*cargs)
        args = cargs[:-1] if self._has_kw else cargs
        where = []
        for i, a in enumerate(args):
            if i in self.static:
                continue
            name = self._positional[i] if i < len(self._positional) else f'args[{i}]'
            where += [(i, name, name + sub) for sub in _leaf_paths(a)]
        if self._has_kw:
            for k in sorted(cargs[-1]):
                where += [(None, k, k + sub) for sub in _leaf_paths(cargs[-1][k])]
        for w, slot in zip(where, slots):
            if slot == p:
                return w
        return None

    def _trace_cb(self, args, trace):
        frames = trace_frames()
        frames.append(functools.partial(self.describe_param, args))
        try:
            return self._traced(args, trace)
        finally:
            frames.pop()

    def _traced(self, args, trace):
        static = self.static
        kw = None
        if self._has_kw:
            args, kw = args[:-1], args[-1]
        k = 0
        new_args = []
        for i, a in enumerate(args):
            if i in static:
                new_args.append(a)
                if _STATIC_TAKES_SLOT:
                    k += 1
                continue
            a2, k = _rebuild(a, trace, k)
            new_args.append(a2)
        if kw:
            kw2, k = _rebuild(kw, trace, k)
            out = self.fun(*new_args, **kw2)
        else:
            out = self.fun(*new_args)
        return out_leaves(out)

    def __call__(self, *args, **kwargs):
        if _tracing():
            return self.fun(*args, **kwargs)
        if kwargs or self._has_kw or len(args) != self._nparams:
            args = self.bind(args, kwargs)
        if self.axes is not None:
            return self.call_abstracted(args)
        return self.jit(*args)


def _target_object(fun):
    if isinstance(fun, types.MethodType) and isinstance(fun.__self__, BrainPyObject):
        return fun.__self__
    if isinstance(fun, BrainPyObject):
        return fun
    return None


class JITTransform(ObjectTransform):
    """A jitted function or method (what bm.jit returns): call it like the function.

    The first call with a new signature (static values; dtype, shape and weak type of each array argument; the
    Variables it touches) traces the function once into the C core, which compiles and caches it; later calls run
    the compiled code from C. ``vars()`` lists the Variables it uses, ``ir(*args)`` and ``source(*args)`` show the
    traced graph and the generated C, ``stats()`` counts calls, traces and compiles, ``clear_cache()`` drops them.

    Options (brainpy.math.jit's): ``keep_unused`` keeps unused array arguments in the compiled signature;
    ``abstracted_axes`` (JAX's form: per argument a dict ``{axis: name}``, a tuple of names / None per axis, or a
    pytree of those matching the argument; one dict or tuple alone applies to every argument) compiles one
    executable that serves every size along the named axes; ``backend`` is ``'cpu'`` (generated C, the default) or
    ``'interp'`` (the C core's interpreter); ``device`` may be None or ``'cpu'``. ``inline`` is accepted for
    compatibility: a jitted function called while another one is being traced is always traced inline into the
    caller's graph (the results are the same; the C optimiser sees one graph).
    """

    def __init__(self, fun, static_argnums=None, static_argnames=None, donate_argnums=(), inline=False,
                 keep_unused=False, abstracted_axes=None, name=None, backend=None, device=None, dyn_vars=None,
                 child_objs=None, **kwargs):
        super().__init__(name=name)
        if not callable(fun):
            raise TypeError(f'bm.jit needs a callable, but we got {type(fun).__name__}.')
        if device is not None and str(device).lower() not in ('cpu', 'cpu:0', 'tfrt_cpu_0', 'cpudevice(id=0)'):
            raise errors.UnsupportedError(f'brainjit runs on the CPU only; device={device!r} is not available '
                                          f'(use device=None or "cpu").')
        if backend is not None and backend not in ('cpu', 'interp'):
            raise errors.UnsupportedError(f'backend={backend!r} is not available: brainjit has the backends "cpu" '
                                          f'(generated C, the default) and "interp" (its interpreter).')
        # deprecated (a warning from jit()); what they list still shows in vars(), when it is Variables / objects
        if dyn_vars is not None:
            try:
                self.register_implicit_vars(dyn_vars)
            except ValueError:
                pass
        if child_objs is not None:
            try:
                self.register_implicit_nodes(child_objs)
            except (ValueError, AttributeError):
                pass
        target = _target_object(fun)
        if target is not None:
            self.register_implicit_nodes(target)
        object.__setattr__(self, 'fun', fun)
        object.__setattr__(self, '_target', target)
        if isinstance(fun, types.MethodType) and target is not None:
            cname = f'{target.name}.{fun.__name__}'
        elif target is not None:
            cname = f'{target.name}.__call__'
        else:
            cname = getattr(fun, '__name__', None) or self.name
        nums = _seq_of_int(static_argnums, 'static_argnums')
        names = _seq_of_str(static_argnames, 'static_argnames')
        donate = _seq_of_int(donate_argnums, 'donate_argnums')
        c = _Compiled(fun, nums, names, donate, backend, cname, keep_unused=keep_unused,
                      abstracted_axes=abstracted_axes)
        object.__setattr__(self, '_c', c)
        object.__setattr__(self, '_jit', c.jit)
        # the argument count that goes to C unchanged (no keywords, no defaults to fill in, no abstracted axes)
        fast = c._nparams if not c._has_kw else -2
        object.__setattr__(self, '_fast_n', fast if abstracted_axes is None else -3)
        object.__setattr__(self, '_inline', inline)
        object.__setattr__(self, '_keep_unused', keep_unused)
        for attr in ('__module__', '__name__', '__qualname__', '__doc__'):
            try:
                object.__setattr__(self, attr, getattr(fun, attr))
            except AttributeError:
                pass
        object.__setattr__(self, '__wrapped__', fun)

    def __call__(self, *args, **kwargs):
        if kwargs or len(args) != self._fast_n:
            return self._call_bound(args, kwargs)
        if _tracing():
            return self.fun(*args)  # nested jit: traced into the caller's graph
        return self._jit(*args)

    def _call_bound(self, args, kwargs):
        if _tracing():
            return self.fun(*args, **kwargs)
        if self._c.axes is not None:
            return self._c.call_abstracted(self._c.bind(args, kwargs))
        return self._jit(*self._c.bind(args, kwargs))

    def __get__(self, obj, objtype=None):
        # a JITTransform stored as a class attribute behaves as a method
        if obj is None:
            return self
        return functools.partial(self, obj)

    def _node_attrs(self):
        return ()  # the jitted object and child_objs are registered as implicit nodes

    # ---- introspection
    def vars(self, method='absolute', level=-1, include_self=True, exclude_types=None):
        """The Variables of the jitted object (for a method: the object's vars()) and every Variable its traces
        read or wrote, with their paths."""
        gather = super().vars(method=method, level=level, include_self=include_self, exclude_types=exclude_types)
        have = {id(v) for v in gather.values()}
        for path, vname in [pv for j in self._c.jits.values() for pv in j.vars()]:
            v = variable_by_name(vname)
            if v is not None and id(v) not in have:
                have.add(id(v))
                key = path if path not in gather else f'{path}#{vname}'
                gather[key] = v
        return gather

    def _handle(self, args, kwargs):
        cargs = self._c.bind(args, kwargs)
        return self._c.handle_for(cargs), cargs

    def ir(self, *args, **kwargs):
        """The traced graph (text) for these arguments."""
        j, cargs = self._handle(args, kwargs)
        return j.ir(*cargs)

    def source(self, *args, **kwargs):
        """The generated C source for these arguments (None on the interpreter backend)."""
        j, cargs = self._handle(args, kwargs)
        return j.source(*cargs)

    def compile(self, *args, **kwargs):
        """Traces and compiles for these arguments without running."""
        j, cargs = self._handle(args, kwargs)
        j.compile(*cargs)
        return self

    lower = compile

    def stats(self):
        """{calls, traces, compiles, cache_hits, cache_misses, cache_size, trace_s, compile_s}."""
        handles = list(self._c.jits.values())
        st = handles[0].stats()
        for j in handles[1:]:
            for k, v in j.stats().items():
                st[k] += v
        return st

    def last_miss(self):
        """Why the last call missed the cache ('' if it did not)."""
        return self._jit.last_miss()

    def clear_cache(self):
        """Drops every compiled signature (the next call traces again)."""
        for j in self._c.jits.values():
            j.clear_cache()

    def __repr__(self):
        f = self.fun
        target = getattr(f, '__qualname__', None) or repr(f)
        handles = list(self._c.jits.values())  # with abstracted_axes: the handle made for them
        return (f'{type(self).__name__}(name={self.name}, target={target}, num_of_vars={len(self.vars().unique())}, '
                f'jit={handles[-1]!r})')

    @property
    def origin_fun(self):
        """The function that was jitted (BrainPy's name)."""
        return self.fun


def _deprecations(dyn_vars, child_objs):
    # BrainPy 2.8's wording (dyn_vars / child_objs are deprecated since 2.4.0)
    for name, value in (('dyn_vars', dyn_vars), ('child_objs', child_objs)):
        if value is not None:
            warnings.warn(f'`{name}` is deprecated and ignored. This function automatically collects the dynamical '
                          f'variables and child objects used in the target `func`.', DeprecationWarning, stacklevel=3)


def jit(func=None, static_argnums=None, static_argnames=None, donate_argnums=(), inline=False, keep_unused=False,
        abstracted_axes=None, device=None, backend=None, dyn_vars=None, child_objs=None, **kwargs):
    """Just-in-time compiles a function, a bound method or a callable object (brainpy.math.jit).

    >>> @bm.jit
    ... def selu(x, alpha=1.67, lmbda=1.05):
    ...     return lmbda * bm.where(x > 0, x, alpha * bm.exp(x) - alpha)
    >>> bm.jit(test.transform)()          # a method of a BrainPyObject; its Variables are written in place

    Usable as ``@bm.jit`` and ``@bm.jit(static_argnames=...)``. Returns a JITTransform.

    ``keep_unused=True`` keeps unused array arguments in the compiled signature. ``abstracted_axes`` (JAX's form)
    names axes whose size may change without recompiling: ``bm.jit(f, abstracted_axes=({0: 'n'}, None))`` compiles
    ``f(x, y)`` once for every length of ``x``'s first axis (per argument: a dict ``{axis: name}``, a tuple of
    names / None per axis, None, or a pytree of those matching the argument; a lone dict or tuple applies to every
    argument; equal names must have equal sizes). ``inline`` is accepted: a jitted function called while another is
    being traced is always traced inline into it (same results). ``device``: None or ``'cpu'``; ``backend``:
    ``'cpu'`` (generated C) or ``'interp'``. ``dyn_vars`` / ``child_objs`` are deprecated and ignored (a
    DeprecationWarning): the Variables a function uses are found by tracing it.
    """
    _deprecations(dyn_vars, child_objs)

    def make(f):
        return JITTransform(f, static_argnums=static_argnums, static_argnames=static_argnames,
                            donate_argnums=donate_argnums, inline=inline, keep_unused=keep_unused,
                            abstracted_axes=abstracted_axes, device=device, backend=backend, dyn_vars=dyn_vars,
                            child_objs=child_objs, **kwargs)

    if func is None:
        return make
    return make(func)


class _ClsJit:
    """The descriptor cls_jit puts on a class: instance.method is a JITTransform of the bound method (one per
    instance, created on first use)."""

    def __init__(self, func, opts):
        self.func = func
        self.opts = opts
        self._cache = weakref.WeakKeyDictionary()
        self._by_id = {}
        functools.update_wrapper(self, func)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        try:
            jt = self._cache.get(obj)
        except TypeError:
            jt = self._by_id.get(id(obj))
        if jt is None:
            jt = JITTransform(types.MethodType(self.func, obj), **self.opts)
            try:
                self._cache[obj] = jt
            except TypeError:
                self._by_id[id(obj)] = jt
        return jt

    def __call__(self, obj, *args, **kwargs):
        return self.__get__(obj)(*args, **kwargs)


def cls_jit(func=None, static_argnums=None, static_argnames=None, inline=False, keep_unused=False,
            abstracted_axes=None, **kwargs):
    """Jits a method for every instance (brainpy.math.cls_jit); static_argnums count the arguments after self.

    >>> class SomeProgram(bp.BrainPyObject):
    ...     @bm.cls_jit
    ...     def __call__(self, x):
    ...         self.b += x
    """
    opts = dict(static_argnums=static_argnums, static_argnames=static_argnames, inline=inline,
                keep_unused=keep_unused, abstracted_axes=abstracted_axes, **kwargs)
    if func is None:
        return lambda f: _ClsJit(f, opts)
    return _ClsJit(func, opts)
