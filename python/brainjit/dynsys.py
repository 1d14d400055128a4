"""DynamicalSystem and its kinds (Dynamic, Projection, DynSysGroup/Network, Sequential): BrainPy 2.4+'s model API."""

import inspect
import numbers

import numpy as np

from . import _core, errors
from . import math as bm
from .context import share
from .math.environment import get_dt, get_mode
from .mixin import SupportAutoDelay, Container, SupportInputProj, DelayRegister, _delay_tool

__all__ = [
    'DynamicalSystem', 'DynSysGroup', 'Network', 'Sequential', 'Dynamic', 'Projection', 'DynView',
    'reset_state', 'reset_level', 'clear_input', 'save_state', 'load_state',
    'receive_update_output', 'not_receive_update_output', 'receive_update_input', 'not_receive_update_input',
]

_MAX_LEVEL = 10
_in_reset = False  # True while reset() calls every node's reset_state: the default one then does nothing


def _not_implemented(fun):
    fun._not_implemented = True
    return fun


def _wrap_shared_update(update):
    """BrainPy < 2.4 models define update(self, tdi, ...) with the shared arguments first; 2.4+ callers pass
    none. The wrapper passes share's values when the first argument is not a dict of them (as BrainPy does)."""
    def update_with_shared(self, *args, **kwargs):
        if args and isinstance(args[0], dict):
            return update(self, *args, **kwargs)
        return update(self, share.get_shargs(), *args, **kwargs)

    update_with_shared.__wrapped__ = update
    update_with_shared.__doc__ = update.__doc__
    return update_with_shared


class DynamicalSystem(bm.BrainPyObject, DelayRegister, SupportInputProj):
    """The base of every model: ``update(*args)`` says what one step does; calling the model runs its
    before-updates, ``update`` and its after-updates (delays of its outputs, the synapses merged into it by
    projections, ...). Its state is Variables; ``reset_state`` sets them back, ``reset`` does so for the whole
    tree of models.

    In brainjit ``update`` is traced once into the compiled loop, so everything computed at run time must be bm
    operations on Variables and arrays; Python code there runs once, at trace time.
    """

    supported_modes = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        upd = cls.__dict__.get('update')
        if inspect.isfunction(upd):
            params = list(inspect.signature(upd).parameters)
            if len(params) > 1 and params[1] in ('tdi', 'sh', 'sha'):
                cls.update = _wrap_shared_update(upd)

    def __init__(self, name=None, mode=None):
        mode = get_mode() if mode is None else mode
        if not isinstance(mode, bm.Mode):
            raise ValueError(f'Should be instance of {bm.Mode.__name__}, but we got {type(mode)}: {mode}')
        self._mode = mode
        if self.supported_modes is not None and not self.mode.is_parent_of(*self.supported_modes):
            raise errors.UnsupportedError(f'The mode only supports computing modes which are parents of '
                                          f'{self.supported_modes}, but we got {self.mode}.')
        self._current_inputs = None
        self._delta_inputs = None
        self._before_updates = None
        self._after_updates = None
        super().__init__(name=name)

    # ---- the dicts of functions around update (NodeDicts: the objects in them are this model's children)
    @property
    def current_inputs(self):
        if self._current_inputs is None:
            self._current_inputs = bm.NodeDict()
        return self._current_inputs

    @property
    def delta_inputs(self):
        if self._delta_inputs is None:
            self._delta_inputs = bm.NodeDict()
        return self._delta_inputs

    @property
    def before_updates(self):
        if self._before_updates is None:
            self._before_updates = bm.NodeDict()
        return self._before_updates

    @property
    def after_updates(self):
        if self._after_updates is None:
            self._after_updates = bm.NodeDict()
        return self._after_updates

    def add_bef_update(self, key, fun):
        """Adds fun, called before update at each call (with no argument, or the call's arguments when marked
        by receive_update_input)."""
        if key in self.before_updates:
            raise KeyError(f'{key} has been registered in before_updates of {self}')
        self.before_updates[key] = fun

    def add_aft_update(self, key, fun):
        """Adds fun, called after update at each call with update's result (with nothing when marked by
        not_receive_update_output)."""
        if key in self.after_updates:
            raise KeyError(f'{key} has been registered in after_updates of {self}')
        self.after_updates[key] = fun

    def get_bef_update(self, key):
        if key not in self.before_updates:
            raise KeyError(f'{key} is not registered in before_updates of {self}')
        return self.before_updates[key]

    def get_aft_update(self, key):
        if key not in self.after_updates:
            raise KeyError(f'{key} is not registered in after_updates of {self}')
        return self.after_updates[key]

    def has_bef_update(self, key):
        return self._before_updates is not None and key in self._before_updates

    def has_aft_update(self, key):
        return self._after_updates is not None and key in self._after_updates

    # ---- one step
    def update(self, *args, **kwargs):
        """One step of the model."""
        raise NotImplementedError('Must implement "update" function by subclass self.')

    def __call__(self, *args, **kwargs):
        """before_updates, then update(*args, **kwargs), then after_updates (given update's result)."""
        if self._before_updates:
            for model in self._before_updates.values():
                if hasattr(model, '_receive_update_input'):
                    model(*args, **kwargs)
                else:
                    model()
        ret = self.update(*args, **kwargs)
        if self._after_updates:
            for model in self._after_updates.values():
                if hasattr(model, '_not_receive_update_output'):
                    model()
                else:
                    model(ret)
        return ret

    def __rrshift__(self, other):
        """``x >> model`` is model(x)."""
        return self.__call__(other)

    def step_run(self, i, *args, **kwargs):
        """Step i: saves share's i and t = i * dt, runs update(*args, **kwargs), clears the inputs of every
        node (clear_input), returns update's result."""
        share.save(i=i, t=i * get_dt())
        out = self.update(*args, **kwargs)
        clear_input(self)
        return out

    @bm.cls_jit(inline=True)
    def _jit_step_run(self, i, *args, **kwargs):
        return self.step_run(i, *args, **kwargs)

    def jit_step_run(self, i, *args, **kwargs):
        """step_run compiled (bm.jit). Called with a number i, share holds numbers afterwards."""
        out = self._jit_step_run(i, *args, **kwargs)
        if isinstance(i, numbers.Number) and not _core.tracing():
            share.save(i=i, t=i * get_dt())
        return out

    # ---- state
    @_not_implemented
    def reset_state(self, *args, **kwargs):
        """Sets this model's own Variables back to their initial values (a subclass defines it).

        Called on a model that does not define it, it resets the whole tree (reset), as BrainPy does (not when
        reached through super() from a subclass's own reset_state)."""
        if not _in_reset and type(self).reset_state is DynamicalSystem.reset_state:
            self.reset(*args, **kwargs)

    def reset(self, *args, **kwargs):
        """Calls reset_state(*args, **kwargs) of every model in this tree (this one included), lower
        reset_level first."""
        reset_state(self, *args, **kwargs)

    def clear_input(self, *args, **kwargs):
        """Clears the inputs given at this step (nothing by default)."""

    @property
    def mode(self):
        """The computing mode (bm.Mode)."""
        return self._mode

    @mode.setter
    def mode(self, value):
        if not isinstance(value, bm.Mode):
            raise ValueError(f'Must be instance of {bm.Mode.__name__}, but we got {type(value)}: {value}')
        self._mode = value

    # ---- BrainPy 2.4's local delays (a delay of one of this model's Variables)
    def register_local_delay(self, var_name, delay_name, delay_time=None, delay_step=None):
        """Registers the delay entry delay_name of the Variable self.<var_name> (delay_time or delay_step)."""
        ident, init_delay = _delay_tool()
        key = ident + var_name
        try:
            target = getattr(self, var_name)
        except AttributeError:
            raise AttributeError(f'This node {self} does not has attribute of "{var_name}".') from None
        if not self.has_aft_update(key):
            self.add_aft_update(key, not_receive_update_output(init_delay(target)))
        self.get_aft_update(key).register_entry(delay_name, delay_time=delay_time, delay_step=delay_step)

    def get_local_delay(self, var_name, delay_name):
        ident, _ = _delay_tool()
        return self.get_aft_update(ident + var_name).at(delay_name)

    def __repr__(self):
        return f'{self.name}(mode={self.mode})'


def _children(group):
    """The DynamicalSystems directly in group (its level-1 nodes), each once, in BrainPy's order."""
    nodes = group.nodes(level=1, include_self=False).subset(DynamicalSystem).unique()
    return [n for n in nodes.values() if not isinstance(n, DynView)]


class DynSysGroup(DynamicalSystem, Container):
    """Models whose order does not matter: update calls every child, projections first, then dynamics
    (Dynamic), then the others (delays, ...), as BrainPy does.

    Children are the positional / keyword arguments (kept in ``children``) and the DynamicalSystems a subclass
    assigns to its attributes."""

    def __init__(self, *children_as_tuple, name=None, mode=None, child_type=None, **children_as_dict):
        super().__init__(name=name, mode=mode)
        child_type = DynamicalSystem if child_type is None else child_type
        self.children = bm.NodeDict(self.format_elements(child_type, *children_as_tuple, **children_as_dict))

    def update(self, *args, **kwargs):
        nodes = _children(self)
        for node in nodes:
            if isinstance(node, Projection):
                node()
        for node in nodes:
            if isinstance(node, Dynamic):
                node()
        for node in nodes:
            if not isinstance(node, (Projection, Dynamic)):
                node()


class Network(DynSysGroup):
    """A group of DynamicalSystems: the nodes and edges of a network (a DynSysGroup)."""


class Sequential(DynamicalSystem, SupportAutoDelay, Container):
    """Modules called in a chain: update(x) is ...m2(m1(x)). Modules are the positional arguments (named by
    their names) and the keyword ones; plain functions are allowed."""

    def __init__(self, *modules_as_tuple, name=None, mode=None, **modules_as_dict):
        super().__init__(name=name, mode=mode)
        self.children = bm.NodeDict(self.format_elements(object, *modules_as_tuple, **modules_as_dict))

    def update(self, x):
        for m in self.children.values():
            x = m(x)
        return x

    def return_info(self):
        last = self[-1]
        if not isinstance(last, SupportAutoDelay):
            raise errors.UnsupportedError(f'Does not support "return_info()" because the last node is not '
                                          f'instance of {SupportAutoDelay.__name__}')
        return last.return_info()

    def __getitem__(self, key):
        if isinstance(key, str):
            if key in self.children:
                return self.children[key]
            raise KeyError(f'Does not find a component named {key} in\n {str(self)}')
        items = tuple(self.children.items())
        if isinstance(key, slice):
            return Sequential(**dict(items[key]))
        if isinstance(key, (int, np.integer)):
            return items[key][1]
        if isinstance(key, (tuple, list)):
            return Sequential(**dict(items[k] for k in key))
        raise KeyError(f'Unknown type of key: {type(key)}')

    def __repr__(self):
        entries = '\n'.join(f'  [{i}] {x!r}' for i, x in enumerate(self.children.values()))
        return f'{self.__class__.__name__}(\n{entries}\n)'


class Projection(DynamicalSystem):
    """A synaptic projection. Its update (unless a subclass defines one) updates its child models.

    The objects a projection only refers to (pre, post, the shared synapse, the delay) are kept in
    ``self.refs``, which nodes() does not enter (as BrainPy)."""

    def _node_attrs(self):
        return ((k, v) for k, v in self.__dict__.items() if k != 'refs')

    def update(self, *args, **kwargs):
        nodes = self.nodes(level=1, include_self=False).subset(DynamicalSystem).unique()
        if not nodes:
            raise ValueError('Do not implement the update() function.')
        for node in nodes.values():
            node.update(*args, **kwargs)

    def clear_input(self, *args, **kwargs):
        pass

    def reset_state(self, *args, **kwargs):
        pass


class Dynamic(DynamicalSystem):
    """A group of ``size`` units with dynamics (neurons, synapses): ``num`` units, Variables of ``varshape``
    (``size`` itself when keep_size, else (num,)), ``method`` the integrator of its equations."""

    def __init__(self, size, keep_size=False, sharding=None, name=None, mode=None, method='exp_auto'):
        if isinstance(size, (list, tuple)):
            if len(size) <= 0:
                raise ValueError(f'size must be int, or a tuple/list of int. But we got {type(size)}')
            if not isinstance(size[0], (int, np.integer)):
                raise ValueError(f'size must be int, or a tuple/list of int.But we got {type(size)}')
            size = tuple(int(s) for s in size)
        elif isinstance(size, (int, np.integer)) and not isinstance(size, bool):
            size = (int(size),)
        else:
            raise ValueError(f'size must be int, or a tuple/list of int.But we got {type(size)}')
        self.size = size
        self.keep_size = keep_size
        self.num = int(np.prod(size))
        self.sharding = sharding
        self.method = method
        super().__init__(name=name, mode=mode)

    @property
    def varshape(self):
        """The shape of this group's Variables (without a batch axis)."""
        return self.size if self.keep_size else (self.num,)

    def get_batch_shape(self, batch_size=None):
        return self.varshape if batch_size is None else (batch_size,) + self.varshape

    def update(self, *args, **kwargs):
        raise NotImplementedError(f'Subclass of {self.__class__.__name__} must implement "update" function.')

    def init_param(self, param, shape=None, sharding=None):
        """A parameter of this group: param (a number, array or initializer) as an array of shape (varshape)."""
        from .initialize import parameter
        shape = self.varshape if shape is None else shape
        return parameter(param, sizes=shape, allow_none=False, sharding=sharding)

    def init_variable(self, var_data, batch_or_mode, shape=None, sharding=None):
        """A Variable of this group: var_data (a number, array or initializer) at shape (varshape), with a
        batch axis when batch_or_mode asks for one."""
        from .initialize import variable_
        shape = self.varshape if shape is None else shape
        return variable_(var_data, sizes=shape, batch_or_mode=batch_or_mode)

    def __repr__(self):
        return f'{self.name}(mode={self.mode}, size={self.size})'

    def __getitem__(self, item):
        return DynView(target=self, index=item)

    def clear_input(self, *args, **kwargs):
        pass


class DynView(Dynamic):
    """A view of part of a Dynamic (``group[10:20]``): not updated by groups; reading its Variables needs the
    target's. brainjit supports building one (so containers skip it) but not yet reading through it."""

    def __init__(self, target, index, name=None):
        if not isinstance(target, Dynamic):
            raise TypeError(f'Should be instance of {Dynamic.__name__}, but we got {type(target)}.')
        self.target = target
        self.index = index if isinstance(index, tuple) else (index,)
        size = []
        for i, idx in enumerate(self.index):
            dim = target.varshape[i]
            if isinstance(idx, (int, np.integer)):
                size.append(1)
            elif isinstance(idx, slice):
                size.append(len(range(*idx.indices(dim))))
            else:
                size.append(len(idx))
        size += list(target.varshape[len(self.index):])
        super().__init__(size, keep_size=target.keep_size, name=name, mode=target.mode)

    def __repr__(self):
        return f'{self.name}(target={self.target}, index={self.index})'

    def update(self, *args, **kwargs):
        raise errors.NoImplementationError(f'{DynView.__name__} {self} cannot be updated. Please update its parent '
                                           f'{self.target}')

    def reset_state(self, *args, **kwargs):
        pass


# ---------------------------------------------------------------- whole-tree helpers (bp.reset_state, ...)
def reset_level(level=0):
    """Decorator of a reset_state: models of a lower level are reset first (0 .. 9; negative from 10)."""
    if level < 0:
        level = _MAX_LEVEL + level
    if level < 0 or level >= _MAX_LEVEL:
        raise ValueError(f'"reset_level" must be an integer in [0, 10). but we got {level}')

    def wrap(fun):
        fun.reset_level = level
        return fun

    return wrap


def _dyn_nodes(target):
    nodes = target.nodes().subset(DynamicalSystem).unique()
    return [n for n in nodes.values() if not isinstance(n, DynView)]


def reset_state(target, *args, **kwargs):
    """Calls reset_state(*args, **kwargs) of every DynamicalSystem in target's tree, those with a reset_level
    after the others, by level."""
    global _in_reset
    outer = _in_reset
    _in_reset = True
    try:
        later = []
        for node in _dyn_nodes(target):
            if hasattr(node.reset_state, 'reset_level'):
                later.append(node)
            else:
                node.reset_state(*args, **kwargs)
        for level in range(_MAX_LEVEL):
            for node in later:
                if node.reset_state.reset_level == level:
                    node.reset_state(*args, **kwargs)
    finally:
        _in_reset = outer


def clear_input(target, *args, **kwargs):
    """Calls clear_input of every DynamicalSystem in target's tree."""
    for node in _dyn_nodes(target):
        node.clear_input(*args, **kwargs)


def save_state(target, **kwargs):
    """{node name: its own Variables' values} of every DynamicalSystem in target's tree."""
    return {n.name: n.save_state(**kwargs) for n in _dyn_nodes(target)}


def load_state(target, state_dict, **kwargs):
    """Loads save_state's result; returns (missing_keys, unexpected_keys)."""
    from .math.object import StateLoadResult
    missing, unexpected = [], []
    for node in _dyn_nodes(target):
        name = node.name
        if name not in state_dict:
            missing.append(name)
            continue
        r = node.load_state(state_dict[name], **kwargs)
        if r is not None:
            missing.extend(f'{name}.{k}' for k in r[0])
            unexpected.extend(f'{name}.{k}' for k in r[1])
    return StateLoadResult(missing, unexpected)


# ---------------------------------------------------------------- marks for before / after updates
def receive_update_output(cls):
    """Marks an after-update as called with update's result (the default)."""
    if hasattr(cls, '_not_receive_update_output'):
        delattr(cls, '_not_receive_update_output')
    return cls


def not_receive_update_output(cls):
    """Marks an after-update as called with no argument."""
    setattr(cls, '_not_receive_update_output', True)
    return cls


def receive_update_input(cls):
    """Marks a before-update as called with the arguments of the model's call."""
    setattr(cls, '_receive_update_input', True)
    return cls


def not_receive_update_input(cls):
    """Marks a before-update as called with no argument (the default)."""
    if hasattr(cls, '_receive_update_input'):
        delattr(cls, '_receive_update_input')
    return cls
