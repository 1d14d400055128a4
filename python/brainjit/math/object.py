"""BrainPyObject (bp.BrainPyObject): named trees of Variables and child objects; vars(), nodes(), collectors."""

import warnings
import weakref
from collections import namedtuple

from .. import _core, errors
from .ndarray import Variable, TrainVar, VarList, VarDict

__all__ = [
    'BrainPyObject', 'Base', 'ObjectTransform', 'FunAsObject', 'Collector', 'ArrayCollector', 'TensorCollector',
    'NodeList', 'node_list', 'NodeDict', 'node_dict', 'clear_name_cache', 'to_object', 'function',
]


class Collector(dict):
    """An insertion-ordered dict of (path, value) with BrainPy's helpers (subset, unique, ...)."""

    def __setitem__(self, key, value):
        if key in self and self[key] is not value:
            raise ValueError(f'Name "{key}" conflicts: same name for {value} and {self[key]}.')
        dict.__setitem__(self, key, value)

    def replace(self, key, new_value):
        self.pop(key)
        self[key] = new_value

    def update(self, other=(), **kwargs):
        if isinstance(other, dict):
            for key, value in other.items():
                self[key] = value
        elif isinstance(other, (tuple, list)):
            num = len(self)
            for i, value in enumerate(other):
                self[f'_var{i + num}'] = value
        else:
            raise ValueError(f'Only supports dict/list/tuple, but we got {type(other)}')
        for key, value in kwargs.items():
            self[key] = value
        return self

    def __add__(self, other):
        gather = type(self)(self)
        gather.update(other)
        return gather

    def __sub__(self, other):
        if not isinstance(other, (dict, tuple, list)):
            raise ValueError(f'Only support dict/tuple/list, but we got {type(other)}.')
        gather = type(self)(self)
        if isinstance(other, dict):
            for key, val in other.items():
                if key not in gather:
                    raise ValueError(f'Cannot remove {key}, because we do not find it in {self.keys()}.')
                if gather[key] is not val:
                    raise ValueError(f'Cannot remove {key}, because we got two different values.')
                gather.pop(key)
        else:
            ids = {id(v) for v in other if not isinstance(v, str)}
            names = {k for k in other if isinstance(k, str)}
            for key in list(gather.keys()):
                if key in names or id(gather[key]) in ids:
                    gather.pop(key)
        return gather

    def subset(self, var_type):
        """The items whose values are instances of var_type."""
        gather = type(self)()
        for key, value in self.items():
            if isinstance(value, var_type):
                gather[key] = value
        return gather

    def not_subset(self, var_type):
        gather = type(self)()
        for key, value in self.items():
            if not isinstance(value, var_type):
                gather[key] = value
        return gather

    def include(self, *types):
        gather = type(self)()
        for key, value in self.items():
            if value.__class__ in types:
                gather[key] = value
        return gather

    def exclude(self, *types):
        gather = type(self)()
        for key, value in self.items():
            if value.__class__ not in types:
                gather[key] = value
        return gather

    def unique(self):
        """One item per distinct value (the first key that holds it)."""
        gather = type(self)()
        seen = set()
        for k, v in self.items():
            if id(v) not in seen:
                seen.add(id(v))
                gather[k] = v
        return gather


class ArrayCollector(Collector):
    """A Collector of Variables (what vars() returns)."""

    def __setitem__(self, key, value):
        if not isinstance(value, Variable):
            raise TypeError(f'ArrayCollector holds Variables, not {type(value).__name__}')
        super().__setitem__(key, value)

    def dict(self):
        """{path: current value}."""
        return {k: v.value for k, v in self.items()}

    def data(self):
        return [v.value for v in self.values()]


TensorCollector = ArrayCollector


class NodeList(list):
    """A list of BrainPyObjects found by nodes() and vars()."""

    def __init__(self, seq=()):
        super().__init__()
        self.extend(seq)

    def append(self, element):
        super().append(element)
        return self

    def extend(self, iterable):
        for element in iterable:
            self.append(element)
        return self


node_list = NodeList


class NodeDict(dict):
    """A dict of BrainPyObjects found by nodes() and vars()."""

    def __init__(self, *args, check_unique=False, **kwargs):
        super().__init__()
        self.check_unique = check_unique
        self.update(*args, **kwargs)

    def update(self, *args, **kwargs):
        for arg in args:
            items = arg.items() if isinstance(arg, dict) else arg
            for k, v in items:
                self[k] = v
        for k, v in kwargs.items():
            self[k] = v
        return self

    def __setitem__(self, key, value):
        if self.check_unique and key in self and self[key] is not value:
            raise KeyError(f'Duplicate usage of key "{key}". "{key}" has been used for {value}.')
        super().__setitem__(key, value)


node_dict = NodeDict

_NAMES = weakref.WeakValueDictionary()  # name -> live object, for BrainPy's unique-name rule
# Default names come from the C core's per-class counters ("Hello0", "Hello1", ...). clear_name_cache() restarts
# them at 0, as BrainPy's does: from then on the counters are these (the C core's keep counting, unused).
_counters = None

StateLoadResult = namedtuple('StateLoadResult', ['missing_keys', 'unexpected_keys'])


def clear_name_cache(ignore_warn=True):
    """Forgets every used name and restarts default names at 0 ("Hello0" again), as BrainPy's."""
    global _counters
    _NAMES.clear()
    _counters = {}
    if not ignore_warn:
        warnings.warn('All named models and their ids are cleared.', UserWarning)


def _core_object(type_name, name):
    if name is None and _counters is not None:
        n = _counters.get(type_name, 0)
        _counters[type_name] = n + 1
        name = f'{type_name}{n}'
    return _core.Object(type_name, name)


def _child_objects(v):
    """BrainPyObjects an attribute value holds: the value itself, or the members of a list, tuple or dict (NodeList
    and NodeDict included). BrainPy 2.6/2.8 skip objects in plain containers; we find them (issue 11: a model that
    keeps its layers in a plain list would otherwise lose their state in vars() and state_dict()). Variables held
    directly in plain containers stay unlisted, as BrainPy documents (use VarList / VarDict)."""
    if isinstance(v, BrainPyObject):
        return [(None, v)]
    if isinstance(v, (list, tuple)):
        return [(str(i), x) for i, x in enumerate(v) if isinstance(x, BrainPyObject)]
    if isinstance(v, dict):
        return [(str(k), x) for k, x in v.items() if isinstance(x, BrainPyObject)]
    return []


def _obj_text(obj):
    try:
        return str(obj)
    except Exception:  # an object still being built may not print yet
        return object.__repr__(obj)


def _check_name(name, obj):
    if not isinstance(name, str) or not name.isidentifier():
        raise errors.BrainPyError(f'"{name}" isn\'t a valid identifier according to Python language definition. '
                                  f'Please choose another name.')
    other = _NAMES.get(name)
    if other is not None and other is not obj:
        raise errors.UniqueNameError(f'In BrainPy, each object should have a unique name. However, we detect that '
                                     f'{_obj_text(obj)} has a used name "{name}". \n'
                                     f'If you try to run multiple trials, you may need \n\n'
                                     f'>>> brainpy.math.clear_name_cache() \n\n'
                                     f'to clear all cached names. ')


class BrainPyObject:
    """The base of brainjit's (and BrainPy's) objects: a name (``ClassName0``, ``ClassName1``, ... by default),
    Variables and child objects as attributes.

    ``vars()`` lists every Variable reachable from the object with BrainPy's keys (``"Hello0.a"``), ``nodes()``
    every object. As in BrainPy, objects are found as attributes and inside NodeList/NodeDict, Variables as
    attributes and inside VarList/VarDict (``"Obj0.vs-0"``), plus what register_implicit_vars/nodes added. Objects
    inside plain lists, tuples and dicts are found too (BrainPy 2.6/2.8 skip them); Variables directly inside plain
    containers are not listed, as BrainPy documents (a jitted function still finds and updates them).
    Assigning to an attribute that holds a Variable writes the Variable (``self.a = x`` is ``self.a.value = x``).
    """

    _excluded_vars = ()

    def __init__(self, name=None):
        obj = _core_object(type(self).__name__, name)
        _check_name(obj.name, self)
        object.__setattr__(self, '_core_obj', obj)
        object.__setattr__(self, '_name', obj.name)
        _NAMES[obj.name] = self
        object.__setattr__(self, 'implicit_vars', ArrayCollector())
        object.__setattr__(self, 'implicit_nodes', Collector())

    @property
    def name(self):
        """The object's unique name."""
        return self._name

    @name.setter
    def name(self, name):
        if name is None:
            name = _core_object(type(self).__name__, None).name
        _check_name(name, self)
        object.__setattr__(self, '_name', name)
        _NAMES[name] = self

    def __setattr__(self, key, value):
        d = self.__dict__
        if key in d:
            cur = d[key]
            if isinstance(cur, Variable) and cur is not value:
                cur.value = value
                return
        object.__setattr__(self, key, value)

    def setattr(self, key, value):
        object.__setattr__(self, key, value)

    def register_implicit_vars(self, *variables, var_cls=None, **named_variables):
        """Adds Variables that are not attributes to vars(): Variables, VarLists / VarDicts (their items), or
        lists / dicts of them (a dict's keys become the names)."""
        if var_cls is None:
            var_cls = (Variable, VarList, VarDict)

        def store(key, value):
            if isinstance(value, VarList):
                for i, vv in enumerate(value):
                    self.implicit_vars[f'{key}-{i}'] = vv
            elif isinstance(value, VarDict):
                for kk, vv in value.items():
                    self.implicit_vars[f'{key}-{kk}'] = vv
            else:
                self.implicit_vars[key] = value

        def check(v):
            if not isinstance(v, var_cls):
                raise ValueError(f'Must be instance of {var_cls}, but we got {type(v)}')
            return v

        for variable in variables:
            if isinstance(variable, var_cls):
                store(f'var{id(variable)}', variable)
            elif isinstance(variable, (tuple, list)):
                for v in variable:
                    store(f'var{id(v)}', check(v))
            elif isinstance(variable, dict):
                for k, v in variable.items():
                    store(k, check(v))
            else:
                raise ValueError(f'Unknown type: {type(variable)}')
        for key, variable in named_variables.items():
            store(key, check(variable))

    def register_implicit_nodes(self, *nodes, node_cls=None, **named_nodes):
        """Adds child objects that are not attributes to nodes() (and their Variables to vars())."""
        if node_cls is None:
            node_cls = (BrainPyObject, NodeList, NodeDict)

        def check(n):
            if not isinstance(n, node_cls):
                raise ValueError(f'Must be instance of {getattr(node_cls, "__name__", node_cls)}, but we got '
                                 f'{type(n)}')
            return n

        for node in nodes:
            if isinstance(node, node_cls) and not isinstance(node, (NodeList, NodeDict)):
                self.implicit_nodes[node.name] = node
            elif isinstance(node, (tuple, list)):
                for n in node:
                    self.implicit_nodes[check(n).name] = n
            elif isinstance(node, dict):
                for k, n in node.items():
                    self.implicit_nodes[k] = check(n)
            else:
                raise ValueError(f'Unknown type: {type(node)}')
        for key, node in named_nodes.items():
            self.implicit_nodes[key] = check(node)

    # ---- collection
    def vars(self, method='absolute', level=-1, include_self=True, exclude_types=None):
        """Every Variable in this object and its children: an ArrayCollector {path: Variable}.

        method 'absolute' keys are "<object name>.<attribute>" ("Hello0.a"); 'relative' keys are attribute
        paths from this object ("child.a"; the object's own: "a"). level limits the depth (-1: all),
        include_self=False leaves out the object's own Variables' owner when level allows.
        """
        exclude_types = tuple(exclude_types) if exclude_types else ()
        nodes = self.nodes(method=method, level=level, include_self=include_self)
        gather = ArrayCollector()
        for node_path, node in nodes.items():
            excluded = node._excluded_vars
            for k, v in node.__dict__.items():
                if k in excluded or k.startswith('_core_'):
                    continue
                if isinstance(v, Variable):
                    if not isinstance(v, exclude_types):
                        gather[f'{node_path}.{k}' if node_path else k] = v
                elif isinstance(v, VarList):
                    for i, vv in enumerate(v):
                        if isinstance(vv, Variable) and not isinstance(vv, exclude_types):
                            gather[f'{node_path}.{k}-{i}' if node_path else f'{k}-{i}'] = vv
                elif isinstance(v, VarDict):
                    for kk, vv in v.items():
                        if isinstance(vv, Variable) and not isinstance(vv, exclude_types):
                            gather[f'{node_path}.{k}-{kk}' if node_path else f'{k}-{kk}'] = vv
            for k, v in node.implicit_vars.items():
                gather[f'{node_path}.{k}' if node_path else k] = v
        return gather

    def train_vars(self, method='absolute', level=-1, include_self=True):
        """The TrainVar subset of vars()."""
        return self.vars(method=method, level=level, include_self=include_self).subset(TrainVar)

    def nodes(self, method='absolute', level=-1, include_self=True):
        """Every object reachable from this one (itself included if include_self): a Collector {path: object};
        'absolute' keys are object names, 'relative' keys attribute paths ('' for itself)."""
        if method not in ('absolute', 'relative'):
            raise ValueError(f'No support for the method of "{method}".')
        return self._find_nodes(method, level, include_self, 0, set())

    def _find_nodes(self, method, level, include_self, lid, seen):
        gather = Collector()
        if include_self:
            gather[self.name if method == 'absolute' else ''] = self
        if -1 < level <= lid:
            return gather
        children = []
        for k, v in self._node_attrs():
            if k.startswith('_core_'):
                continue
            for sub, child in _child_objects(v):
                if child is self:
                    continue
                rel = k if sub is None else (f'{k}-{sub}' if isinstance(v, NodeList) else f'{k}.{sub}')
                children.append((rel, child))
        for key, node in self.implicit_nodes.items():
            children.append((key, node))
        found = []
        for rel, child in children:
            edge = (id(self), id(child))
            if edge in seen:
                continue
            seen.add(edge)
            gather[child.name if method == 'absolute' else rel] = child
            found.append((rel, child))
        for rel, child in found:
            sub = child._find_nodes(method, level, include_self, lid + 1, seen)
            if method == 'absolute':
                gather.update(sub)
            else:
                for k2, v2 in sub.items():
                    if k2:
                        gather[f'{rel}.{k2}'] = v2
        return gather

    def _node_attrs(self):
        # the attributes searched for child objects
        return self.__dict__.items()

    def unique_name(self, name=None, type_=None):
        """name after checking that no other live object has it, or a new default name of type_ (the class)."""
        if name is not None:
            _check_name(name, self)
            return name
        return _core_object(type_ or type(self).__name__, None).name

    # ---- state
    def save_state(self, **kwargs):
        """{path: value} of this object's own Variables."""
        return self.__save_state__(**kwargs)

    def load_state(self, state_dict, **kwargs):
        """Writes this object's own Variables from {path: value}; returns (missing_keys, unexpected_keys)."""
        return self.__load_state__(state_dict, **kwargs)

    def __save_state__(self, **kwargs):
        return self.vars(include_self=True, level=0).unique().dict()

    def __load_state__(self, state_dict, **kwargs):
        variables = self.vars(include_self=True, level=0).unique()
        keys1, keys2 = set(state_dict.keys()), set(variables.keys())
        for key in keys2 & keys1:
            variables[key].value = state_dict[key]
        return list(keys2 - keys1), list(keys1 - keys2)

    def state_dict(self, **kwargs):
        """{node name: {path: value}} of every node's own Variables (BrainPy's v2 layout)."""
        return {key: node.save_state(**kwargs) for key, node in self.nodes().items()}

    def load_state_dict(self, state_dict, warn=True, compatible='v2', **kwargs):
        """Loads a state_dict() (compatible='v2'; 'v1': a flat {vars() key: value}); returns
        StateLoadResult(missing_keys, unexpected_keys), warning about each kind when warn."""
        if compatible == 'v1':
            variables = self.vars().unique()
            keys1, keys2 = set(state_dict.keys()), set(variables.keys())
            unexpected, missing = list(keys1 - keys2), list(keys2 - keys1)
            for key in keys2 & keys1:
                variables[key].value = state_dict[key]
        elif compatible == 'v2':
            missing, unexpected = [], []
            for key, node in self.nodes().items():
                r = node.load_state(state_dict.get(key, {}), **kwargs)
                if r is not None:
                    missing.extend(f'{key}.{k}' for k in r[0])
                    unexpected.extend(f'{key}.{k}' for k in r[1])
        else:
            raise ValueError(f'Unknown compatible version: {compatible}')
        if warn:
            if unexpected:
                warnings.warn(f'Unexpected keys in state_dict: {unexpected}', UserWarning)
            if missing:
                warnings.warn(f'Missing keys in state_dict: {missing}', UserWarning)
        return StateLoadResult(missing, unexpected)

    def cpu(self):
        """The CPU is brainjit's only device: nothing moves."""
        return self

    def to(self, device):
        if device is not None and str(device).lower() not in ('cpu', 'cpu:0', 'tfrt_cpu_0'):
            raise errors.UnsupportedError(f'brainjit runs on the CPU only; device {device!r} is not available.')
        return self

    def cuda(self):
        raise errors.UnsupportedError('brainjit runs on the CPU only: there is no GPU device.')

    def tpu(self):
        raise errors.UnsupportedError('brainjit runs on the CPU only: there is no TPU device.')


Base = BrainPyObject


class ObjectTransform(BrainPyObject):
    """The base of object-oriented transformations (JITTransform)."""

    def __call__(self, *args, **kwargs):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__


class FunAsObject(BrainPyObject):
    """A function wrapped as a BrainPyObject, with optional child objects and Variables."""

    def __init__(self, target, child_objs=None, dyn_vars=None, name=None):
        super().__init__(name=name)
        self.target = target
        if child_objs is not None:
            self.register_implicit_nodes(child_objs)
        if dyn_vars is not None:
            self.register_implicit_vars(dyn_vars)

    def __call__(self, *args, **kwargs):
        return self.target(*args, **kwargs)


def to_object(f=None, child_objs=None, dyn_vars=None, name=None):
    """A function as a BrainPyObject (FunAsObject); usable as a decorator."""
    if f is None:
        return lambda func: FunAsObject(target=func, child_objs=child_objs, dyn_vars=dyn_vars, name=name)
    if child_objs is None:  # BrainPy's rule
        raise ValueError('"child_objs" cannot be None when "f" is provided.')
    return FunAsObject(target=f, child_objs=child_objs, dyn_vars=dyn_vars, name=name)


def function(f=None, nodes=None, dyn_vars=None, name=None):
    """BrainPy's older name of to_object (nodes: the child objects)."""
    return to_object(f, child_objs=nodes, dyn_vars=dyn_vars, name=name)
