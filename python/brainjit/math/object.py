"""BrainPyObject (bp.BrainPyObject): named trees of Variables and child objects; vars(), nodes(), collectors."""

import weakref

from .. import _core, errors
from .ndarray import Variable, TrainVar, VarList, VarDict

__all__ = [
    'BrainPyObject', 'Base', 'ObjectTransform', 'FunAsObject', 'Collector', 'ArrayCollector', 'TensorCollector',
    'NodeList', 'node_list', 'NodeDict', 'node_dict', 'clear_name_cache',
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


def clear_name_cache(ignore_warn=True):
    """Forgets the names of live objects (default names keep counting in the C core)."""
    _NAMES.clear()


def _child_objects(v):
    """BrainPyObjects held directly by an attribute value: itself, or the members of a list/tuple/dict."""
    if isinstance(v, BrainPyObject):
        return [(None, v)]
    if isinstance(v, (list, tuple)) and not isinstance(v, VarList):
        return [(str(i), x) for i, x in enumerate(v) if isinstance(x, BrainPyObject)]
    if isinstance(v, dict) and not isinstance(v, (VarDict, Collector)):
        return [(str(k), x) for k, x in v.items() if isinstance(x, BrainPyObject)]
    return []


def _check_name(name, obj):
    if not isinstance(name, str) or not name.isidentifier():
        raise errors.BrainPyError(f'"{name}" isn\'t a valid identifier according to Python language definition. '
                                  f'Please choose another name.')
    other = _NAMES.get(name)
    if other is not None and other is not obj:
        raise errors.UniqueNameError(f'In BrainPy, each object should have a unique name. However, we detect that '
                                     f'a {type(obj).__name__} has a used name "{name}".')


class BrainPyObject:
    """The base of brainjit's (and BrainPy's) objects: a name (``ClassName0``, ``ClassName1``, ... by default),
    Variables and child objects as attributes.

    ``vars()`` lists every Variable reachable from the object with BrainPy's keys (``"Hello0.a"``), ``nodes()``
    every object. Objects are found as attributes, inside NodeList/NodeDict and inside plain lists, tuples and
    dicts; Variables as attributes and inside VarList/VarDict (``"Obj0.vs-0"``) and plain lists/dicts.
    Assigning to an attribute that holds a Variable writes the Variable (``self.a = x`` is ``self.a.value = x``).
    """

    _excluded_vars = ()

    def __init__(self, name=None):
        if name is not None:
            _check_name(name, self)
        obj = _core.Object(type(self).__name__, name)
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

    def register_implicit_vars(self, *variables, **named_variables):
        for variable in variables:
            if isinstance(variable, Variable):
                self.implicit_vars[f'var{id(variable)}'] = variable
            elif isinstance(variable, (tuple, list)):
                for v in variable:
                    self.implicit_vars[f'var{id(v)}'] = v
            elif isinstance(variable, dict):
                for k, v in variable.items():
                    self.implicit_vars[k] = v
            else:
                raise ValueError(f'Unknown type: {type(variable)}')
        for key, variable in named_variables.items():
            self.implicit_vars[key] = variable

    def register_implicit_nodes(self, *nodes, **named_nodes):
        for node in nodes:
            if isinstance(node, BrainPyObject):
                self.implicit_nodes[node.name] = node
            elif isinstance(node, (tuple, list)):
                for n in node:
                    self.implicit_nodes[n.name] = n
            elif isinstance(node, dict):
                self.implicit_nodes.update(node)
            else:
                raise ValueError(f'Unknown type: {type(node)}')
        for key, node in named_nodes.items():
            self.implicit_nodes[key] = node

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
                elif isinstance(v, (list, tuple)):
                    for i, vv in enumerate(v):
                        if isinstance(vv, Variable) and not isinstance(vv, exclude_types):
                            gather[f'{node_path}.{k}-{i}' if node_path else f'{k}-{i}'] = vv
                elif isinstance(v, dict) and not isinstance(v, Collector):
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
                rel = k if sub is None else (f'{k}-{sub}' if isinstance(v, (list, tuple)) else f'{k}.{sub}')
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
        return _core.Object(type_ or type(self).__name__, None).name

    # ---- state
    def state_dict(self):
        """{node name: {path: value}} of every node's own Variables (BrainPy's v2 layout)."""
        return {key: node.vars(include_self=True, level=0).unique().dict() for key, node in self.nodes().items()}

    def load_state_dict(self, state_dict, warn=True, compatible='v2'):
        missing, unexpected = [], []
        for key, node in self.nodes().items():
            own = node.vars(include_self=True, level=0).unique()
            given = state_dict.get(key, {})
            for k in own.keys() - given.keys():
                missing.append(f'{key}.{k}')
            for k in given.keys() - own.keys():
                unexpected.append(f'{key}.{k}')
            for k in own.keys() & given.keys():
                own[k].value = given[k]
        return missing, unexpected

    def cpu(self):
        return self

    def to(self, device):
        return self


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
