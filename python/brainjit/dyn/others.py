"""bp.dyn's input and output groups (BrainPy 2.4+): InputGroup, OutputGroup, SpikeTimeGroup, PoissonGroup."""

from functools import partial

from .. import math as bm
from ..context import share
from ..initialize import parameter, variable_
from ..mixin import ReturnInfo
from .base import NeuDyn

__all__ = ['InputGroup', 'OutputGroup', 'SpikeTimeGroup', 'PoissonGroup']


def get_spk_type(spk_type=None, mode=None):
    """BrainPy's spike dtype: bool, or float in training mode, unless given."""
    if isinstance(mode, bm.TrainingMode):
        return bm.float_ if spk_type is None else spk_type
    return bm.bool_ if spk_type is None else spk_type


class InputGroup(NeuDyn):
    """Passes its input through (a stand-in for a population that only relays data)."""

    def __init__(self, size, sharding=None, keep_size=False, mode=None, name=None):
        super().__init__(name=name, sharding=sharding, size=size, keep_size=keep_size, mode=mode)

    def update(self, x):
        return x

    def return_info(self):
        return ReturnInfo(self.varshape, self.sharding, self.mode, bm.zeros)

    def reset_state(self, batch_or_mode=None, **kwargs):
        pass


class OutputGroup(InputGroup):
    """Passes its input through (a stand-in for a population that only receives data)."""


class SpikeTimeGroup(NeuDyn):
    """Neurons firing at given times: neuron indices[k] spikes on the first step whose t >= times[k]."""

    def __init__(self, size, indices, times, spk_type=None, name=None, sharding=None, keep_size=False, mode=None,
                 need_sort=True):
        super().__init__(size=size, sharding=sharding, name=name, keep_size=keep_size, mode=mode)
        if keep_size:
            raise NotImplementedError(f'Do not support keep_size=True in {self.__class__.__name__}')
        if len(indices) != len(times):
            raise ValueError(f'The length of "indices" and "times" must be the same. '
                             f'However, we got {len(indices)} != {len(times)}.')
        self.num_times = len(times)
        self.spk_type = get_spk_type(spk_type, self.mode)
        self.times = bm.asarray(times)
        self.indices = bm.asarray(indices, dtype=bm.int_)
        if need_sort:
            order = bm.argsort(self.times)
            self.indices = self.indices[order]
            self.times = self.times[order]
        self.reset_state(self.mode)

    def reset_state(self, batch_size=None, **kwargs):
        self.i = bm.Variable(bm.asarray(0))
        self.spike = variable_(partial(bm.zeros, dtype=self.spk_type), self.varshape, batch_size,
                               axis_names=self.sharding)

    def update(self):
        self.spike.value = bm.zeros_like(self.spike.value)
        if self.num_times:
            bm.while_loop(self._body_fun, self._cond_fun, ())
        return self.spike.value

    def return_info(self):
        return self.spike

    def _cond_fun(self):
        i = self.i.value
        # the time read is clamped: the pointer reaches num_times once every spike was given
        due = share.load('t') >= self.times[bm.minimum(i, self.num_times - 1)]
        return bm.logical_and(i < self.num_times, due)

    def _body_fun(self):
        i = self.i.value
        if isinstance(self.mode, bm.BatchingMode):
            self.spike[:, self.indices[i]] = True
        else:
            self.spike[self.indices[i]] = True
        self.i.value = i + 1


class PoissonGroup(NeuDyn):
    """Independent Poisson spike trains: each neuron spikes in a step with probability freqs (Hz) * dt (ms) / 1000,
    drawn from bm.random's default generator inside the compiled loop."""

    def __init__(self, size, freqs, keep_size=False, sharding=None, spk_type=None, name=None, mode=None):
        super().__init__(size=size, sharding=sharding, name=name, keep_size=keep_size, mode=mode)
        self.freqs = parameter(freqs, self.num, allow_none=False)
        self.spk_type = get_spk_type(spk_type, self.mode)
        self.reset_state(self.mode)

    def update(self):
        p = self.freqs * share.load('dt') / 1000.
        spikes = bm.random.rand_like(self.spike.value, dtype=bm.float_) <= p
        if self.spk_type is not bm.bool_ and self.spk_type is not bool:
            spikes = bm.asarray(spikes, dtype=self.spk_type)
        self.spike.value = spikes
        return spikes

    def return_info(self):
        return self.spike

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.spike = self.init_variable(partial(bm.zeros, dtype=self.spk_type), batch_or_mode)
