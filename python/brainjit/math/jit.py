"""bm.jit and bm.cls_jit: JITTransform over _core.Jit (the C hot path); argument binding and the trace callback."""

import functools
import inspect
import types
import warnings
import weakref

from .. import _core, errors
from . import pytree
from .ndarray import ArrayBase, _new, _buffer, variable_by_name, Var, Val
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


class _Compiled:
    """A Python function driven by one _core.Jit: keyword binding, statics, the trace callback."""

    def __init__(self, fun, static_argnums=(), static_argnames=(), donate_argnums=(), backend=None, name=None):
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
            if j < 0:
                raise ValueError(f'static_argnums {i} does not name a positional parameter of {fun!r}.')
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
        n_c = -1 if varpos else len(positional) + (1 if self._has_kw else 0)
        if name is None:
            name = getattr(fun, '__qualname__', None) or getattr(fun, '__name__', None) or type(fun).__name__
        self.name = name
        self.jit = _core.Jit(fun, name, static_argnums=tuple(sorted(static)), donate_argnums=donate,
                             backend=backend or 'cpu', nparams=n_c, defaults=(), static_ids={},
                             trace_cb=self._trace_cb, unflatten_cb=pytree.unflatten)

    def bind(self, args, kwargs):
        """The positional argument tuple _core.Jit receives for a Python call (keywords and defaults resolved;
        keyword-only and **kwargs arguments travel as one trailing dict)."""
        n = self._nparams
        if not kwargs and not self._has_kw and n >= 0:
            m = len(args)
            if m == n:
                return args
            if self._nrequired <= m < n:
                return args + self._defaults[m - self._nrequired:]
        if self._sig is None:
            if kwargs:
                raise TypeError(f'{self.name}: keyword arguments need a function with an inspectable signature')
            return args
        ba = self._sig.bind(*args, **kwargs)
        ba.apply_defaults()
        if self._has_kw:
            return ba.args + (dict(ba.kwargs),)
        return ba.args

    def _trace_cb(self, args, trace):
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
    """

    def __init__(self, fun, static_argnums=None, static_argnames=None, donate_argnums=(), inline=False,
                 keep_unused=False, abstracted_axes=None, name=None, backend=None, device=None, dyn_vars=None,
                 child_objs=None, **kwargs):
        super().__init__(name=name)
        if not callable(fun):
            raise TypeError(f'bm.jit needs a callable, but we got {type(fun).__name__}.')
        if abstracted_axes is not None:
            raise errors.UnsupportedError('abstracted_axes is not available from Python yet.')
        if device is not None and str(device) not in ('cpu', 'cpu:0', 'TFRT_CPU_0'):
            raise errors.UnsupportedError(f'brainjit runs on the CPU only; device={device!r} is not available.')
        if backend is not None and backend not in ('cpu', 'interp'):
            raise errors.UnsupportedError(f'backend={backend!r}: brainjit has the backends "cpu" and "interp".')
        if dyn_vars is not None:
            self.register_implicit_vars(dyn_vars)
        if child_objs is not None:
            self.register_implicit_nodes(child_objs)
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
        c = _Compiled(fun, nums, names, donate, backend, cname)
        object.__setattr__(self, '_c', c)
        object.__setattr__(self, '_jit', c.jit)
        # the argument count that goes to C unchanged (no keywords, no defaults to fill in)
        object.__setattr__(self, '_fast_n', c._nparams if not c._has_kw else -2)
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
        for path, vname in self._jit.vars():
            v = variable_by_name(vname)
            if v is not None and id(v) not in have:
                have.add(id(v))
                key = path if path not in gather else f'{path}#{vname}'
                gather[key] = v
        return gather

    def ir(self, *args, **kwargs):
        """The traced graph (text) for these arguments."""
        return self._jit.ir(*self._c.bind(args, kwargs))

    def source(self, *args, **kwargs):
        """The generated C source for these arguments (None on the interpreter backend)."""
        return self._jit.source(*self._c.bind(args, kwargs))

    def compile(self, *args, **kwargs):
        """Traces and compiles for these arguments without running."""
        self._jit.compile(*self._c.bind(args, kwargs))
        return self

    lower = compile

    def stats(self):
        """{calls, traces, compiles, cache_hits, cache_misses, cache_size, trace_s, compile_s}."""
        return self._jit.stats()

    def last_miss(self):
        """Why the last call missed the cache ('' if it did not)."""
        return self._jit.last_miss()

    def clear_cache(self):
        """Drops every compiled signature (the next call traces again)."""
        self._jit.clear_cache()

    def __repr__(self):
        f = self.fun
        target = getattr(f, '__qualname__', None) or repr(f)
        return (f'{type(self).__name__}(name={self.name}, target={target}, num_of_vars={len(self.vars().unique())}, '
                f'jit={self._jit!r})')


def _deprecations(dyn_vars, child_objs):
    if dyn_vars is not None:
        warnings.warn('"dyn_vars" has been deprecated since BrainPy 2.4.0: jitted functions find the Variables they '
                      'use by themselves.', DeprecationWarning, stacklevel=3)
    if child_objs is not None:
        warnings.warn('"child_objs" has been deprecated since BrainPy 2.4.0: jitted functions find the objects they '
                      'use by themselves.', DeprecationWarning, stacklevel=3)


def jit(func=None, static_argnums=None, static_argnames=None, donate_argnums=(), inline=False, keep_unused=False,
        abstracted_axes=None, device=None, backend=None, dyn_vars=None, child_objs=None, **kwargs):
    """Just-in-time compiles a function, a bound method or a callable object (brainpy.math.jit).

    >>> @bm.jit
    ... def selu(x, alpha=1.67, lmbda=1.05):
    ...     return lmbda * bm.where(x > 0, x, alpha * bm.exp(x) - alpha)
    >>> bm.jit(test.transform)()          # a method of a BrainPyObject; its Variables are written in place

    Usable as ``@bm.jit`` and ``@bm.jit(static_argnames=...)``. Returns a JITTransform.
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
