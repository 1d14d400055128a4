"""bp.share: the values every model reads at the current step (t, i, dt, ...), as BrainPy's shared context."""

from . import errors
from .math.environment import get_dt
from .math.ndarray import ArrayBase, Val

__all__ = ['share', 'DotDict']


class DotDict(dict):
    """A dict whose keys are also attributes (BrainPy's tools.DotDict, what get_shargs() returns)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def copy(self):
        return DotDict(self)


def _stale(value):
    # a traced value of a jitted function or loop that has finished: its number was never known here
    return isinstance(value, ArrayBase) and type(value._v) is Val and not value._v.alive


class _ShareContext:
    """The shared arguments of one step.

    Inside a traced step (bm.jit, bm.for_loop, a DSRunner run) the runner saves traced t and i, so models compute
    with them in the compiled loop; after the run the runner saves the last step's numbers back (BrainPy 2.8
    leaves the tracers behind). t=0. and i=0 are there from the start; dt is bm.get_dt() unless saved.
    """

    def __init__(self):
        self._arguments = DotDict()
        self._category = {}
        self.clear()

    @property
    def dt(self):
        return self._arguments['dt'] if 'dt' in self._arguments else get_dt()

    @dt.setter
    def dt(self, dt):
        self.set_dt(dt)

    def set_dt(self, dt):
        self._arguments['dt'] = dt

    def load(self, key, value=None, desc=None):
        """The shared value of key; value is the default when key was never saved (None: a KeyError)."""
        if key == 'dt':
            return self.dt
        if key in self._arguments:
            got = self._arguments[key]
            if _stale(got):
                raise errors.SharedArgError(
                    f'The shared value "{key}" was saved inside a jitted function or loop that has finished, so '
                    f'its value is unknown here. Save a new one first: brainpy.share.save({key}=<your data>) (a '
                    f'DSRunner run saves t and i back after the run).')
            return got
        if value is None:
            msg = f'Cannot found shared data of {key}. \n'
            if desc is not None:
                msg += f'{key}: {desc}\n'
            msg += f'Please define it with "brainpy.share.save({key}=<your data>)". '
            raise KeyError(msg)
        return value

    def save(self, *args, **kwargs):
        """Saves shared values: save(key1, value1, key2, value2, ...) and / or save(key=value, ...)."""
        if len(args) % 2:
            raise ValueError(f'share.save takes (key, value) pairs as positional arguments, but got {len(args)} '
                             f'of them.')
        for k, v in zip(args[0::2], args[1::2]):
            self._arguments[k] = v
        for k, v in kwargs.items():
            self._arguments[k] = v

    def __setitem__(self, key, value):
        self.save(key, value)

    def __getitem__(self, item):
        return self.load(item)

    def __contains__(self, key):
        return key == 'dt' or key in self._arguments

    def get_shargs(self):
        """Every shared value (dt included), as a DotDict."""
        shs = self._arguments.copy()
        if 'dt' not in shs:
            shs['dt'] = self.dt
        return shs

    def clear_shargs(self, *args):
        """Forgets the given keys (all, when none are given: t and i are back at 0)."""
        if args:
            for a in args:
                self._arguments.pop(a)
        else:
            self.clear()

    def clear(self):
        """Forgets every shared value; t=0. and i=0 again."""
        self._arguments.clear()
        self._arguments['t'] = 0.
        self._arguments['i'] = 0

    def save_category(self, category, **kwargs):
        self._category.setdefault(category, {}).update(**kwargs)

    def clear_category(self, category=None):
        if category is None:
            self._category.clear()
        else:
            self._category.pop(category)

    def get_category(self, category):
        return self._category[category]

    def __repr__(self):
        return f'share({dict(self.get_shargs())})'


share = _ShareContext()
