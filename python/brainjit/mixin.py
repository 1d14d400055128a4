"""bp.mixin: BrainPy's behaviour classes (ParamDesc/.desc, AlignPost, BindCondData, delays, input functions...)."""

import itertools
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

from . import math as bm

__all__ = [
    'MixIn', 'ParamDesc', 'ParamDescriber', 'DelayRegister', 'AlignPost', 'Container', 'TreeNode', 'BindCondData',
    'JointType', 'SupportSTDP', 'SupportAutoDelay', 'SupportReturnInfo', 'SupportInputProj', 'SupportOnline',
    'SupportOffline', 'ReturnInfo',
]

_delay_names = itertools.count()
_container_names = itertools.count()


def _delay_tool():
    from . import delay  # delay imports dynsys, which imports this module
    return delay.delay_identifier, delay.init_delay_by_return


class MixIn:
    """A behaviour without state: no __init__, only methods."""


# ---------------------------------------------------------------- types that are several types at once
class _JointMeta(type):
    def __instancecheck__(cls, obj):
        return all(isinstance(obj, t) for t in cls.__joint__)

    def __subclasscheck__(cls, sub):
        return all(issubclass(sub, t) for t in cls.__joint__)

    def __repr__(cls):
        return f'JointType[{", ".join(t.__name__ for t in cls.__joint__)}]'


class JointType:
    """``JointType[A, B]``: the type of objects that are instances of A and of B (for isinstance / issubclass)."""

    def __class_getitem__(cls, types):
        if not isinstance(types, tuple):
            types = (types,)
        if not types:
            raise TypeError('Cannot take a Joint of no types.')
        flat = []
        for t in types:
            t = type(None) if t is None else t
            if not isinstance(t, type):
                raise TypeError(f'JointType[arg, ...]: each arg must be a type, got {t!r}.')
            for u in getattr(t, '__joint__', (t,)):
                if u not in flat:
                    flat.append(u)
        if len(flat) == 1:
            return flat[0]
        return _JointMeta('JointType', (), {'__joint__': tuple(flat)})


# ---------------------------------------------------------------- parameter descriptions (X.desc(...))
def _repr_arg(v):
    if isinstance(v, bm.Variable):
        return str(id(v))  # a Variable is shared state: equal only to itself
    return repr(v)


class ParamDesc(MixIn):
    """Gives the class ``desc(*args, **kwargs)``: a ParamDescriber that builds an instance later.

    ``not_desc_params`` names keyword arguments left out of the describer's identifier (they do not make two
    descriptions different)."""

    not_desc_params: Optional[Sequence[str]] = None

    @classmethod
    def desc(cls, *args, **kwargs):
        return ParamDescriber(cls, *args, **kwargs)


class ParamDescriber:
    """A class with arguments, instantiated on call (``desc(*more_args, **more_kwargs)``).

    ``identifier`` is a string of the class and its arguments: the Mg projections build one synapse / output per
    distinct identifier and share it between projections, as BrainPy does."""

    def __init__(self, cls, *desc_tuple, **desc_dict):
        self.cls = cls
        self.args = desc_tuple
        self.kwargs = desc_dict
        skip = ()
        if isinstance(cls, type) and issubclass(cls, ParamDesc) and cls.not_desc_params is not None:
            skip = tuple(cls.not_desc_params)
        name = getattr(cls, '__name__', str(cls))
        parts = [_repr_arg(a) for a in desc_tuple]
        parts += [f'{k}={_repr_arg(v)}' for k, v in sorted(desc_dict.items()) if k not in skip]
        self._identifier = f'{name}({", ".join(parts)})'

    def __call__(self, *args, **kwargs):
        return self.cls(*self.args, *args, **self.kwargs, **kwargs)

    def init(self, *args, **kwargs):
        return self.__call__(*args, **kwargs)

    def __instancecheck__(self, instance):
        # isinstance(d, ParamDescriber[T]): d describes a subclass of T
        return isinstance(instance, ParamDescriber) and isinstance(instance.cls, type) and \
            issubclass(instance.cls, self.cls)

    def __class_getitem__(cls, item):
        return ParamDescriber(item)

    @property
    def identifier(self):
        return self._identifier

    @identifier.setter
    def identifier(self, value):
        self._identifier = value

    def __repr__(self):
        return f'ParamDescriber({self._identifier})'


# ---------------------------------------------------------------- projections' contracts
class AlignPost(MixIn):
    """A synapse aligned with the post group: ``add_current(x)`` adds x to its state at this step."""

    def add_current(self, *args, **kwargs):
        raise NotImplementedError

    def align_post_input_add(self, *args, **kwargs):  # BrainPy 2.8's name for add_current
        return self.add_current(*args, **kwargs)


class BindCondData(MixIn):
    """An output holding the conductance of this step (``bind_cond(g)``), which its call turns into a current."""

    _conductance: Optional[Any] = None

    def bind_cond(self, conductance):
        self._conductance = conductance

    def unbind_cond(self):
        self._conductance = None


@dataclass
class ReturnInfo:
    """What a model's update returns (shape, batching, the initial value): enough to build a delay of it."""
    size: Sequence[int]
    axis_names: Optional[Sequence[str]] = None
    batch_or_mode: Optional[Union[int, bm.Mode]] = None
    data: Union[Callable, Any] = bm.zeros

    def shape(self):
        if isinstance(self.batch_or_mode, int) and not isinstance(self.batch_or_mode, bool):
            return (self.batch_or_mode,) + tuple(self.size)
        if isinstance(self.batch_or_mode, bm.BatchingMode):
            return (self.batch_or_mode.batch_size,) + tuple(self.size)
        return tuple(self.size)

    def get_data(self):
        if isinstance(self.data, bm.Array):
            return self.data
        if callable(self.data):
            return self.data(self.shape())
        raise ValueError(f'ReturnInfo.data must be an array or a function of the shape, not {self.data!r}.')


class SupportReturnInfo(MixIn):
    """A model whose output can be delayed automatically (``return_info()``: a Variable or a ReturnInfo)."""

    def return_info(self):
        raise NotImplementedError('Must implement the "return_info()" function.')


class SupportAutoDelay(SupportReturnInfo):
    pass


class SupportOnline(MixIn):
    online_fit_by: Optional[Any] = None

    def online_init(self, *args, **kwargs):
        raise NotImplementedError

    def online_fit(self, target, fit_record):
        raise NotImplementedError


class SupportOffline(MixIn):
    offline_fit_by: Optional[Any] = None

    def offline_init(self, *args, **kwargs):
        pass

    def offline_fit(self, target, fit_record):
        raise NotImplementedError


class SupportSTDP(MixIn):
    def stdp_update(self, *args, on_pre=None, on_post=None, **kwargs):
        raise NotImplementedError


# ---------------------------------------------------------------- containers
class Container(MixIn):
    """Children in ``self.children`` (a NodeDict), reachable as ``self[name]`` and ``self.name``."""

    def __getitem__(self, item):
        children = self.__dict__.get('children', {})
        if item in children:
            return children[item]
        raise ValueError(f'Unknown item {item}, we only found {list(children.keys())}')

    def __getattr__(self, item):
        # only reached when normal lookup fails
        children = self.__dict__.get('children')
        if children is not None and item in children:
            return children[item]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{item}'")

    def __repr__(self):
        children = ', '.join(repr(v) for v in self.__dict__.get('children', {}).values())
        return f'{type(self).__name__}({children})'

    @staticmethod
    def _elem_name(elem):
        if isinstance(elem, bm.BrainPyObject):
            return elem.name
        return f'ContainerElem{next(_container_names)}'

    def format_elements(self, child_type, *children_as_tuple, **children_as_dict):
        res = {}

        def check(m):
            if not isinstance(m, child_type):
                raise ValueError(f'Should be instance of {child_type.__name__}. But we got {type(m)}')
            return m

        for module in children_as_tuple:
            if isinstance(module, child_type):
                res[self._elem_name(module)] = module
            elif isinstance(module, (list, tuple)):
                for m in module:
                    res[self._elem_name(check(m))] = m
            elif isinstance(module, dict):
                for k, v in module.items():
                    res[k] = check(v)
            else:
                raise ValueError(f'Cannot parse sub-systems. They should be {child_type.__name__} '
                                 f'or a list/tuple/dict of {child_type.__name__}.')
        for k, v in children_as_dict.items():
            res[k] = check(v)
        return res

    def add_elem(self, *elems, **elements):
        """Adds children."""
        self.children.update(self.format_elements(object, *elems, **elements))


class TreeNode(MixIn):
    """A node that only fits under a master of ``master_type``."""

    master_type: type

    def check_hierarchies(self, root, *leaves, **named_leaves):
        from .dynsys import DynamicalSystem
        for leaf in leaves:
            if isinstance(leaf, DynamicalSystem):
                self.check_hierarchy(root, leaf)
            elif isinstance(leaf, (list, tuple)):
                self.check_hierarchies(root, *leaf)
            elif isinstance(leaf, dict):
                self.check_hierarchies(root, **leaf)
            else:
                raise ValueError(f'Do not support {type(leaf)}.')
        for leaf in named_leaves.values():
            if not isinstance(leaf, DynamicalSystem):
                raise ValueError(f'Do not support {type(leaf)}. Must be instance of {DynamicalSystem.__name__}')
            self.check_hierarchy(root, leaf)

    def check_hierarchy(self, root, leaf):
        if not hasattr(leaf, 'master_type'):
            raise ValueError('Child class should define "master_type" to specify the type of the root node. '
                             f'But we did not found it in {leaf}')
        if not issubclass(root, leaf.master_type):
            raise TypeError(f'Type does not match. {leaf} requires a master with type of {leaf.master_type}, but '
                            f'the master now is {root}.')


# ---------------------------------------------------------------- input functions (what projections add to post)
class SupportInputProj(MixIn):
    """Input functions of a model: ``current_inputs`` (summed into its current) and ``delta_inputs``."""

    def add_inp_fun(self, key, fun, label=None, category='current'):
        """Adds fun (called at each step by sum_current_inputs / sum_delta_inputs) under key (and label)."""
        if not callable(fun):
            raise TypeError('Must be a function.')
        key = self._input_label_repr(key, label)
        if category == 'current':
            store = self.current_inputs
        elif category == 'delta':
            store = self.delta_inputs
        else:
            raise NotImplementedError(f'Unknown category: {category}. Only support "current" and "delta".')
        if key in store:
            raise ValueError(f'Key "{key}" has been defined and used.')
        store[key] = fun

    def get_inp_fun(self, key):
        if key in self.current_inputs:
            return self.current_inputs[key]
        if key in self.delta_inputs:
            return self.delta_inputs[key]
        raise ValueError(f'Unknown key: {key}')

    def sum_current_inputs(self, *args, init=0., label=None, **kwargs):
        """init plus every current input function's value at (*args, **kwargs) (those of label only, if given),
        summed in the order they were added."""
        return self._sum_inputs(self.current_inputs, args, init, label, kwargs)

    def sum_delta_inputs(self, *args, init=0., label=None, **kwargs):
        """init plus every delta input function's value (those of label only, if given)."""
        return self._sum_inputs(self.delta_inputs, args, init, label, kwargs)

    def _sum_inputs(self, store, args, init, label, kwargs):
        if not store:
            return init
        start = None if label is None else self._input_label_start(label)
        for key, fun in store.items():
            if start is None or key.startswith(start):
                init = init + fun(*args, **kwargs)
        return init

    @classmethod
    def _input_label_start(cls, label):
        return f'{label} // '

    @classmethod
    def _input_label_repr(cls, name, label=None):
        return name if label is None else cls._input_label_start(label) + str(name)

    @property
    def cur_inputs(self):
        return self.current_inputs

    def sum_inputs(self, *args, **kwargs):
        warnings.warn('Please use ".sum_current_inputs()" instead. ".sum_inputs()" will be removed.', UserWarning)
        return self.sum_current_inputs(*args, **kwargs)


# ---------------------------------------------------------------- BrainPy 2.4's delay helpers on models
class DelayRegister(MixIn):
    """register_delay / get_delay_data: a delay of a Variable kept in this model's after-updates."""

    def register_delay(self, identifier, delay_step, delay_target, initial_delay_data=None):
        """Registers a delay of delay_step steps (int, or None for no delay) of the Variable delay_target under
        identifier; returns the name of the entry to give get_delay_data."""
        ident, init_delay = _delay_tool()
        key = ident + identifier
        if not self.has_aft_update(key):
            self.add_aft_update(key, init_delay(delay_target, initial_delay_data))
        delay = self.get_aft_update(key)
        name = f'delay{next(_delay_names)}'
        if delay_step is not None and not isinstance(delay_step, (numbers.Integral,)):
            raise ValueError(f'register_delay: delay_step must be an int (steps) or None, got {delay_step!r}.')
        delay.register_entry(name, delay_step=delay_step)
        return name

    def get_delay_data(self, identifier, delay_pos, *indices):
        """The delayed value registered under identifier at the entry delay_pos (then indexed by indices)."""
        ident, _ = _delay_tool()
        return self.get_aft_update(ident + identifier).at(delay_pos, *indices)

    def update_local_delays(self, nodes=None):
        warnings.warn('.update_local_delays() has been removed since brainpy>=2.4.6', DeprecationWarning)

    def reset_local_delays(self, nodes=None):
        warnings.warn('.reset_local_delays() has been removed since brainpy>=2.4.6', DeprecationWarning)

    def get_delay_var(self, name):
        ident, _ = _delay_tool()
        return self.get_aft_update(ident + name)
