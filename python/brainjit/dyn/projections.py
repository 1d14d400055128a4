"""bp.dyn projections (BrainPy 2.4+): align-post / align-pre synapses, with delays and synapse merging ("Mg")."""

import numbers

import numpy as np

from .. import math as bm
from ..context import share
from ..delay import DelayAccess, init_delay_by_return, register_delay_by_return
from ..dynsys import DynamicalSystem, Dynamic, Projection
from ..mixin import AlignPost, BindCondData, JointType, ParamDescriber, ReturnInfo, SupportAutoDelay

__all__ = [
    'Projection',
    'HalfProjAlignPostMg', 'FullProjAlignPostMg', 'HalfProjAlignPost', 'FullProjAlignPost',
    'FullProjAlignPreSDMg', 'FullProjAlignPreDSMg', 'FullProjAlignPreSD', 'FullProjAlignPreDS',
    'ProjAlignPostMg1', 'ProjAlignPostMg2', 'ProjAlignPreMg1', 'ProjAlignPreMg2', 'ProjAlignPost1',
    'ProjAlignPost2',
    'VanillaProj', 'HalfProjDelta', 'FullProjDelta', 'InputVar', 'PoissonInput',
]


def _check(value, kind, what):
    if not isinstance(value, kind):
        raise TypeError(f'{what} must be {_kind_text(kind)}, but we got {type(value).__name__}: {value!r}')
    return value


def _kind_text(kind):
    if isinstance(kind, ParamDescriber):
        return f'a description ({_kind_text(kind.cls)}.desc(...))'
    joint = getattr(kind, '__joint__', None)
    if joint:
        return ' and '.join(t.__name__ for t in joint)
    return f'a {kind.__name__}'


def _return_value(info):
    if isinstance(info, bm.Variable):
        return info.value
    if isinstance(info, ReturnInfo):
        return info.get_data()
    raise NotImplementedError(f'return_info() gave {type(info).__name__}: a Variable or ReturnInfo is needed.')


class _RefsHidden:
    """Projections keep the models they only use (pre, post, a merged synapse, the delay) in ``self.refs``,
    which nodes() does not enter (as BrainPy): they belong to the groups they are registered on."""

    def _node_attrs(self):
        return ((k, v) for k, v in self.__dict__.items() if k != 'refs')


# ---------------------------------------------------------------- align post
def _post_key(out_label, syn, out):
    return f'{out_label} // {syn.identifier} // {out.identifier}'


class _AlignPost(_RefsHidden, DynamicalSystem):
    """The synapse + output merged into post (a before-update of post): at each post call the synapse steps
    and binds its conductance to the output, which post's sum_current_inputs then reads."""

    def __init__(self, syn, out):
        super().__init__()
        self.syn = syn
        self.out = out

    def update(self, *args, **kwargs):
        self.out.bind_cond(self.syn(*args, **kwargs))

    def reset_state(self, *args, **kwargs):
        pass


def _align_post_merge(out_label, syn_desc, out_desc, post, proj_name):
    """The synapse and output for post: built once per distinct (label, syn, out) description and shared."""
    key = _post_key(out_label, syn_desc, out_desc)
    if not post.has_bef_update(key):
        syn = syn_desc()
        out = out_desc()
        post.add_inp_fun(proj_name, out, label=out_label)
        post.add_bef_update(key, _AlignPost(syn, out))
    merged = post.get_bef_update(key)
    return merged.syn, merged.out


_SYN_POST = JointType[DynamicalSystem, AlignPost]
_OUT = JointType[DynamicalSystem, BindCondData]
_PRE = JointType[DynamicalSystem, SupportAutoDelay]


class HalfProjAlignPostMg(_RefsHidden, Projection):
    """comm -> syn -> out -> post, the input given to update(x); syn and out are descriptions (.desc) merged
    with equal ones on post (one synapse state per distinct description)."""

    def __init__(self, comm, syn, out, post, out_label=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(comm, DynamicalSystem, 'comm')
        _check(syn, ParamDescriber[_SYN_POST], 'syn')
        _check(out, ParamDescriber[_OUT], 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        syn, out = _align_post_merge(out_label, syn, out, post, self.name)
        self.refs = dict(post=post, syn=syn, out=out, comm=comm)

    def update(self, x):
        current = self.comm(x)
        self.refs['syn'].add_current(current)
        return current

    syn = property(lambda self: self.refs['syn'])
    out = property(lambda self: self.refs['out'])
    post = property(lambda self: self.refs['post'])


class FullProjAlignPostMg(_RefsHidden, Projection):
    """pre -> delay -> comm -> syn -> out -> post. The delay of pre's output is shared by all projections from
    pre (an entry each); syn and out are descriptions merged with equal ones on post.

    delay: a time (ms), or None / 0 for none (then comm reads pre's output of the previous step directly)."""

    def __init__(self, pre, delay, comm, syn, out, post, out_label=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(pre, _PRE, 'pre')
        _check(comm, DynamicalSystem, 'comm')
        _check(syn, ParamDescriber[_SYN_POST], 'syn')
        _check(out, ParamDescriber[_OUT], 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        delay_cls = register_delay_by_return(pre)
        delay_cls.register_entry(self.name, delay)
        syn, out = _align_post_merge(out_label, syn, out, post, self.name)
        self.refs = dict(pre=pre, post=post, syn=syn, out=out, comm=comm, delay=delay_cls)

    def update(self):
        x = self.refs['delay'].at(self.name)
        current = self.comm(x)
        self.refs['syn'].add_current(current)
        return current

    syn = property(lambda self: self.refs['syn'])
    out = property(lambda self: self.refs['out'])
    delay = property(lambda self: self.refs['delay'])
    pre = property(lambda self: self.refs['pre'])
    post = property(lambda self: self.refs['post'])


class HalfProjAlignPost(_RefsHidden, Projection):
    """comm -> syn -> out -> post, the input given to update(x); syn and out are instances owned by this
    projection (no merging)."""

    def __init__(self, comm, syn, out, post, out_label=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(comm, DynamicalSystem, 'comm')
        _check(syn, _SYN_POST, 'syn')
        _check(out, _OUT, 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        self.syn = syn
        self.out = out
        post.add_inp_fun(self.name, out, label=out_label)
        self.refs = dict(post=post, syn=syn, out=out, comm=comm)

    def update(self, x):
        current = self.comm(x)
        self.refs['out'].bind_cond(self.syn(current))
        return current

    post = property(lambda self: self.refs['post'])


class FullProjAlignPost(_RefsHidden, Projection):
    """pre -> delay -> comm -> syn -> out -> post with syn and out instances owned by this projection."""

    def __init__(self, pre, delay, comm, syn, out, post, out_label=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(pre, _PRE, 'pre')
        _check(comm, DynamicalSystem, 'comm')
        _check(syn, _SYN_POST, 'syn')
        _check(out, _OUT, 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        self.syn = syn
        delay_cls = register_delay_by_return(pre)
        delay_cls.register_entry(self.name, delay)
        post.add_inp_fun(self.name, out, label=out_label)
        self.refs = dict(pre=pre, post=post, out=out, delay=delay_cls, comm=comm, syn=syn)

    def update(self):
        x = self.refs['delay'].at(self.name)
        g = self.syn(self.comm(x))
        self.refs['out'].bind_cond(g)
        return g

    delay = property(lambda self: self.refs['delay'])
    pre = property(lambda self: self.refs['pre'])
    post = property(lambda self: self.refs['post'])
    out = property(lambda self: self.refs['out'])


# ---------------------------------------------------------------- align pre
class _AlignPre(_RefsHidden, DynamicalSystem):
    """After pre's update: its output goes through syn (and into syn's delay)."""

    def __init__(self, syn, delay=None):
        super().__init__()
        self.syn = syn
        self.delay = delay

    def update(self, x):
        if self.delay is None:
            return x >> self.syn
        return x >> self.syn >> self.delay

    def reset_state(self, *args, **kwargs):
        pass


class _AlignPreMg(_RefsHidden, DynamicalSystem):
    """Before a delay's update: the delayed value goes through a synapse (merged by delay and description)."""

    def __init__(self, access, syn):
        super().__init__()
        self.access = access
        self.syn = syn

    def update(self, *args, **kwargs):
        return self.syn(self.access())

    def reset_state(self, *args, **kwargs):
        pass


def _align_pre1_merge(syn_desc, pre):
    key = f'{syn_desc.identifier} // Delay'
    if not pre.has_aft_update(key):
        syn = syn_desc()
        pre.add_aft_update(key, _AlignPre(syn, init_delay_by_return(syn.return_info())))
    merged = pre.get_aft_update(key)
    return merged.delay, merged.syn


def _align_pre2_merge(syn_desc, delay, delay_cls, proj_name):
    key = f'Delay({delay}) // {syn_desc.identifier}'
    if not delay_cls.has_bef_update(key):
        access = DelayAccess(delay_cls, delay, delay_entry=proj_name)
        delay_cls.add_bef_update(key, _AlignPreMg(access, syn_desc()))
    return delay_cls.get_bef_update(key).syn


class FullProjAlignPreSDMg(_RefsHidden, Projection):
    """pre -> syn -> delay -> comm -> out -> post: the synapse (a description, merged on pre with equal ones)
    runs after pre's update, its output is delayed, then comm and out."""

    def __init__(self, pre, syn, delay, comm, out, post, out_label=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(pre, DynamicalSystem, 'pre')
        _check(syn, ParamDescriber[JointType[DynamicalSystem, SupportAutoDelay]], 'syn')
        _check(comm, DynamicalSystem, 'comm')
        _check(out, _OUT, 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        delay_cls, syn_cls = _align_pre1_merge(syn, pre)
        delay_cls.register_entry(self.name, delay)
        post.add_inp_fun(self.name, out, label=out_label)
        self.refs = dict(pre=pre, post=post, out=out, delay=delay_cls, syn=syn_cls, comm=comm)

    def update(self, x=None):
        if x is None:
            x = self.refs['delay'].at(self.name)
        current = self.comm(x)
        self.refs['out'].bind_cond(current)
        return current

    pre = property(lambda self: self.refs['pre'])
    post = property(lambda self: self.refs['post'])
    syn = property(lambda self: self.refs['syn'])
    delay = property(lambda self: self.refs['delay'])
    out = property(lambda self: self.refs['out'])


class FullProjAlignPreDSMg(_RefsHidden, Projection):
    """pre -> delay -> syn -> comm -> out -> post: pre's output is delayed (shared delay), then a synapse
    (a description, merged per delay and description) runs before the delay's update."""

    def __init__(self, pre, delay, syn, comm, out, post, out_label=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(pre, _PRE, 'pre')
        _check(syn, ParamDescriber[DynamicalSystem], 'syn')
        _check(comm, DynamicalSystem, 'comm')
        _check(out, _OUT, 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        delay_cls = register_delay_by_return(pre)
        syn_cls = _align_pre2_merge(syn, delay, delay_cls, self.name)
        post.add_inp_fun(self.name, out, label=out_label)
        self.refs = dict(pre=pre, post=post, syn=syn_cls, out=out, comm=comm)

    def update(self):
        x = _return_value(self.refs['syn'].return_info())
        current = self.comm(x)
        self.refs['out'].bind_cond(current)
        return current

    pre = property(lambda self: self.refs['pre'])
    post = property(lambda self: self.refs['post'])
    syn = property(lambda self: self.refs['syn'])
    out = property(lambda self: self.refs['out'])


class FullProjAlignPreSD(_RefsHidden, Projection):
    """pre -> syn -> delay -> comm -> out -> post with a synapse instance owned by this projection."""

    def __init__(self, pre, syn, delay, comm, out, post, out_label=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(pre, DynamicalSystem, 'pre')
        _check(syn, JointType[DynamicalSystem, SupportAutoDelay], 'syn')
        _check(comm, DynamicalSystem, 'comm')
        _check(out, _OUT, 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        delay_cls = init_delay_by_return(syn.return_info())
        delay_cls.register_entry(self.name, delay)
        pre.add_aft_update(self.name, _AlignPre(syn, delay_cls))
        post.add_inp_fun(self.name, out, label=out_label)
        self.refs = dict(pre=pre, post=post, out=out, delay=delay_cls, syn=syn, comm=comm)

    def update(self, x=None):
        if x is None:
            x = self.refs['delay'].at(self.name)
        current = self.comm(x)
        self.refs['out'].bind_cond(current)
        return current

    pre = property(lambda self: self.refs['pre'])
    post = property(lambda self: self.refs['post'])
    syn = property(lambda self: self.refs['syn'])
    delay = property(lambda self: self.refs['delay'])
    out = property(lambda self: self.refs['out'])


class FullProjAlignPreDS(_RefsHidden, Projection):
    """pre -> delay -> syn -> comm -> out -> post with a synapse instance owned by this projection."""

    def __init__(self, pre, delay, syn, comm, out, post, out_label=None, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(pre, _PRE, 'pre')
        _check(syn, DynamicalSystem, 'syn')
        _check(comm, DynamicalSystem, 'comm')
        _check(out, _OUT, 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        self.syn = syn
        delay_cls = register_delay_by_return(pre)
        delay_cls.register_entry(self.name, delay)
        post.add_inp_fun(self.name, out, label=out_label)
        self.refs = dict(pre=pre, post=post, out=out, delay=delay_cls, syn=syn, comm=comm)

    def update(self):
        spk = self.refs['delay'].at(self.name)
        g = self.comm(self.syn(spk))
        self.refs['out'].bind_cond(g)
        return g

    pre = property(lambda self: self.refs['pre'])
    post = property(lambda self: self.refs['post'])
    delay = property(lambda self: self.refs['delay'])
    out = property(lambda self: self.refs['out'])


# ---------------------------------------------------------------- no synapse dynamics
class VanillaProj(_RefsHidden, Projection):
    """comm -> out -> post: update(x) binds comm(x) to out (no synapse dynamics)."""

    def __init__(self, comm, out, post, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(comm, DynamicalSystem, 'comm')
        _check(out, _OUT, 'out')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        post.add_inp_fun(self.name, out)
        self.refs = dict(post=post, out=out, comm=comm)

    def update(self, x):
        current = self.comm(x)
        self.refs['out'].bind_cond(current)
        return current


class _Delta:
    """A delta input: what was bound this step, added once to post (sum_delta_inputs)."""

    def __init__(self):
        self._cond = None

    def bind_cond(self, cond):
        self._cond = cond

    def __call__(self, *args, **kwargs):
        return self._cond


class HalfProjDelta(_RefsHidden, Projection):
    """comm -> post as a delta input (a jump of post's state): update(x)."""

    def __init__(self, comm, post, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(comm, DynamicalSystem, 'comm')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        out = _Delta()
        post.add_inp_fun(self.name, out, category='delta')
        self.refs = dict(post=post, out=out, comm=comm)

    def update(self, x):
        current = self.comm(x)
        self.refs['out'].bind_cond(current)
        return current


class FullProjDelta(_RefsHidden, Projection):
    """pre -> delay -> comm -> post as a delta input."""

    def __init__(self, pre, delay, comm, post, name=None, mode=None):
        super().__init__(name=name, mode=mode)
        _check(pre, _PRE, 'pre')
        _check(comm, DynamicalSystem, 'comm')
        _check(post, DynamicalSystem, 'post')
        self.comm = comm
        delay_cls = register_delay_by_return(pre)
        delay_cls.register_entry(self.name, delay)
        out = _Delta()
        post.add_inp_fun(self.name, out, category='delta')
        self.refs = dict(pre=pre, post=post, out=out, comm=comm, delay=delay_cls)

    def update(self):
        x = self.refs['delay'].at(self.name)
        current = self.comm(x)
        self.refs['out'].bind_cond(current)
        return current


# ---------------------------------------------------------------- inputs
class InputVar(Dynamic, SupportAutoDelay):
    """A Variable ``input`` as a model (its value is the output), cleared at each step's end."""

    def __init__(self, size, keep_size=False, sharding=None, name=None, mode=None, method='exp_auto'):
        super().__init__(size=size, keep_size=keep_size, sharding=sharding, name=name, mode=mode, method=method)
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        if 'input' in self.__dict__:
            self.input.value = bm.zeros_like(self.input.value)
        else:
            self.input = self.init_variable(bm.zeros, batch_or_mode)

    def update(self, *args, **kwargs):
        return self.input.value

    def return_info(self):
        return self.input

    def clear_input(self, *args, **kwargs):
        self.reset_state(self.mode)


class PoissonInput(Projection):
    """num_input Poisson spike trains of rate freq (Hz), each adding weight to target_var at each step: the
    count is drawn per element (a normal approximation when num_input*p > 5 and num_input*(1-p) > 5, as
    BrainPy; a binomial draw otherwise)."""

    def __init__(self, target_var, num_input, freq, weight, mode=None, name=None):
        super().__init__(name=name, mode=mode)
        if not isinstance(target_var, bm.Variable):
            raise TypeError(f'"target_var" must be an instance of Variable. But we got {type(target_var)}: '
                            f'{target_var}')
        if not isinstance(num_input, numbers.Integral) or isinstance(num_input, bool) or num_input < 1:
            raise ValueError(f'num_input must be an int >= 1, but we got {num_input!r}')
        if not isinstance(freq, numbers.Real) or freq < 0:
            raise ValueError(f'freq must be a number >= 0, but we got {freq!r}')
        if not isinstance(weight, numbers.Real):
            raise ValueError(f'weight must be a number, but we got {weight!r}')
        self.target_var = target_var
        self.num_input = int(num_input)
        self.freq = float(freq)
        self.weight = float(weight)

    def reset_state(self, *args, **kwargs):
        pass

    def update(self):
        dt = share['dt']
        if not isinstance(dt, numbers.Number):
            raise NotImplementedError('PoissonInput needs dt as a number (share.save(dt=...) with a traced dt is '
                                      'not supported).')
        p = self.freq * dt / 1e3
        a = self.num_input * p
        b = self.num_input * (1 - p)
        shape = tuple(self.target_var.shape)
        if a > 5 and b > 5:
            inp = bm.random.normal(a, (b * p) ** 0.5, shape)
        else:
            inp = _binomial(self.num_input, p, shape)
        self.target_var += inp * self.weight

    def __repr__(self):
        return f'{self.name}(num_input={self.num_input}, freq={self.freq}, weight={self.weight})'


def _binomial(n, p, shape):
    """Binomial(n, p) counts of the given shape (bm.random.binomial when there is one). Otherwise by inversion of
    the CDF, computed here in float64 from the numbers n and p: one uniform per element compared with the K
    thresholds where the CDF is not yet 1 (K is about the mean plus a few standard deviations: this branch runs
    only when n*p or n*(1-p) is <= 5)."""
    binomial = getattr(bm.random, 'binomial', None)
    if binomial is not None:
        return binomial(n, p, shape)
    flip = p > 0.5
    q = 1. - p if flip else p
    if q <= 0.:
        count = bm.zeros(shape)
    else:
        pmf = (1. - q) ** n
        cdf, thresholds = pmf, []
        k = 0
        while k < n and cdf < 1. - 1e-12:
            thresholds.append(cdf)
            pmf *= (n - k) / (k + 1) * q / (1. - q)
            k += 1
            cdf += pmf
        u = bm.random.random(shape)
        if not thresholds:
            count = bm.zeros(shape)
        else:
            thr = bm.asarray(np.asarray(thresholds, dtype=np.float32))
            count = bm.sum((bm.expand_dims(u, -1) >= thr).astype(bm.float32), axis=-1)
    return n - count if flip else count


# BrainPy's shorter names
ProjAlignPostMg1 = HalfProjAlignPostMg
ProjAlignPostMg2 = FullProjAlignPostMg
ProjAlignPreMg1 = FullProjAlignPreDSMg
ProjAlignPreMg2 = FullProjAlignPreSDMg
ProjAlignPost1 = HalfProjAlignPost
ProjAlignPost2 = FullProjAlignPost
