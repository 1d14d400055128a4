"""bp.VarDelay / DataDelay timing: an entry of d steps reads the target d steps later than an entry of 0 (a list of
past values as reference), and a delay of k*dt in a projection moves the synaptic response by exactly k steps."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import brainjit as bp  # noqa: E402
import brainjit.math as bm  # noqa: E402

BACKENDS = ['cpu', 'interp']
METHODS = ['rotation', 'concat']
STEPS = [0, 1, 2, 3, 7]
N_STEPS = 30


@pytest.fixture(autouse=True)
def _fresh_share():
    bp.share.clear()
    yield
    bp.share.clear()


def reference(x0, values, entries, init=0.):
    """At step i an entry of d steps reads the target's value at the end of step i - 1 - d: past[i - d], where
    past[0] is the target's value before the run and past[j + 1] the value written at step j; before that, init."""
    past = [np.asarray(x0, np.float64)]
    out = []
    for i, v in enumerate(values):
        out.append([past[i - d] if i - d >= 0 else np.broadcast_to(init, np.shape(x0)) for d in entries])
        past.append(np.asarray(v, np.float64))
    return np.asarray(out, np.float64)


class Src(bp.DynamicalSystem):
    def __init__(self, x0):
        super().__init__()
        self.x = bm.Variable(bm.asarray(np.asarray(x0, np.float32)))

    def update(self, v):
        self.x.value = v


def make(entries, method, x0, init=None, time=None):
    src = Src(x0)
    d = bp.VarDelay(src.x, time=time, init=init, method=method)
    for k, steps in enumerate(entries):
        d.register_entry(f'e{k}', delay_step=steps)
    return src, d


def step_fn(src, d, entries):
    def step(i, v):
        bp.share.save(i=i)
        got = bm.stack([d.at(f'e{k}') for k in range(len(entries))])  # read before the model's update
        src(v)
        d()  # the write at the end of the step
        return got
    return step


def run_traced(src, d, entries, values, backend):
    step = step_fn(src, d, entries)
    f = bm.jit(lambda: bm.for_loop(step, (bm.arange(len(values)), bm.asarray(values))), backend=backend)
    return np.asarray(f(), np.float64)


def values_of(seed, n=3):
    return np.random.RandomState(seed).uniform(1., 2., (N_STEPS, n)).astype(np.float32)


@pytest.mark.parametrize('method', METHODS)
@pytest.mark.parametrize('backend', BACKENDS)
def test_entries_together_against_past_values(backend, method):
    x0 = np.asarray([-1., -2., -3.], np.float32)  # not the buffer's init: a delayed entry must show it once
    values = values_of(0)
    src, d = make(STEPS, method, x0)
    assert d.max_length == 7 and d.data.shape == (8, 3)
    got = run_traced(src, d, STEPS, values, backend)
    np.testing.assert_array_equal(got, reference(x0, values, STEPS))
    # d steps more latency than the entry of 0, shown directly
    for k, steps in enumerate(STEPS):
        np.testing.assert_array_equal(got[steps:, k], got[:N_STEPS - steps, 0])


@pytest.mark.parametrize('method', METHODS)
@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('steps', STEPS)
def test_each_entry_alone_against_past_values(backend, method, steps):
    x0 = np.asarray([0.5, -0.5, 4.], np.float32)
    values = values_of(steps + 1)
    src, d = make([steps], method, x0)
    assert d.max_length == steps and (d.data is None if steps == 0 else d.data.shape == (steps + 1, 3))
    got = run_traced(src, d, [steps], values, backend)
    np.testing.assert_array_equal(got, reference(x0, values, [steps]))


@pytest.mark.parametrize('method', METHODS)
def test_eager_steps_reset_and_init(method):
    x0 = np.asarray([9., 8.], np.float32)
    values = values_of(3, 2)
    src, d = make([1, 3, 0], method, x0, init=0.25)
    step = step_fn(src, d, [1, 3, 0])
    got = np.asarray([np.asarray(step(i, bm.asarray(values[i]))) for i in range(12)], np.float64)
    np.testing.assert_array_equal(got, reference(x0, values[:12], [1, 3, 0], init=0.25))
    # after a reset (the target first, as a model's reset does) the same run gives the same values
    src.x.value = bm.asarray(x0)
    d.reset_state()
    np.testing.assert_array_equal(run_traced(src, d, [1, 3, 0], values[:12], 'cpu'), got)
    # BrainPy's layout of init: one row per delay 1 .. max_length (an array: the length known from the start)
    past = np.asarray([[1., 2.], [3., 4.], [5., 6.]], np.float32)
    src, d = make([1, 3], method, x0, init=bm.asarray(past), time=3 * bm.get_dt())
    got = run_traced(src, d, [1, 3], values[:5], 'cpu')
    np.testing.assert_array_equal(got[:4, 1], [past[2], past[1], past[0], x0])
    np.testing.assert_array_equal(got[:2, 0], [past[0], x0])
    calls = []
    src, d = make([2], method, x0, init=lambda shape, dtype=None: calls.append(shape) or bm.ones(shape) * 7.)
    assert calls == [(2, 2)]
    got = run_traced(src, d, [2], values[:4], 'cpu')
    np.testing.assert_array_equal(got[:, 0], [[7., 7.], [7., 7.], x0, values[0]])


@pytest.mark.parametrize('method', METHODS)
@pytest.mark.parametrize('backend', BACKENDS)
def test_retrieve_counts_writes_back_from_the_latest(backend, method):
    x0 = np.asarray([-1., -2.], np.float32)
    src, d = make([4], method, x0)
    values = values_of(5, 2)

    def step(i, v):
        bp.share.save(i=i)
        fixed = bm.stack([d.retrieve(k) for k in range(5)])
        traced = bm.stack([d.retrieve(i * 0 + k) for k in range(5)])  # a step index at run time
        src(v)
        d()
        return fixed, traced

    fixed, traced = bm.jit(lambda: bm.for_loop(step, (bm.arange(10), bm.asarray(values[:10]))), backend=backend)()
    fixed = np.asarray(fixed)
    # read before step i's write, the latest write is step i - 1's: k writes before it is past[i - k]
    np.testing.assert_array_equal(fixed, reference(x0, values[:10], range(5)))
    np.testing.assert_array_equal(np.asarray(traced), fixed)
    with pytest.raises(ValueError, match='maximum delay 4'):
        d.retrieve(5)
    with pytest.raises(ValueError, match='maximum delay 4'):
        d.retrieve(-1)


def test_delay_times_to_steps():
    dt = bm.get_dt()
    d = bp.VarDelay(bm.Variable(bm.zeros(1)))
    cases = {'a': (3 * 0.1) * (dt / 0.1), 'b': 1.05 * dt, 'c': 2 * dt, 'd': 0.7 * (dt / 0.1), 'e': 2.5 * dt}
    for name, time in cases.items():
        d.register_entry(name, time)
    # 0.3 / 0.1 is 3.0000000000000004: BrainPy's ceil makes it 4 steps, we round near integers
    assert [d._registered_entries[n] for n in 'abcde'] == [3, 2, 2, 7, 3]
    assert d.max_length == 7 and d.data.shape == (8, 1)
    assert bp.VarDelay(bm.Variable(bm.zeros(1)), time=0.3 * (dt / 0.1)).max_length == 3
    with pytest.raises(ValueError, match='negative'):
        d.register_entry('f', delay_step=-1)


def test_data_delay_writes_target_then_buffer():
    dd = bp.DataDelay(bm.Variable(bm.asarray([5.])), data_init=bm.asarray([5.]), method='concat')
    dd.register_entry('two', delay_step=2)
    seen = []
    for i in range(5):
        bp.share.save(i=i)
        seen.append(float(dd.at('two')[0]))
        dd(bm.asarray([i + 1.]))
    assert seen == [0., 0., 5., 1., 2.]
    dd.reset_state()
    assert dd.data.numpy()[:, 0].tolist() == [5., 0., 0.]


def test_reset_puts_the_delay_after_its_target():
    # the delay is created before the model that owns its target is reset: reset() still sees the reset value
    class Pre(bp.Dynamic, bp.mixin.SupportAutoDelay):
        def __init__(self):
            super().__init__(1)
            self.reset_state()

        def reset_state(self, *args):
            self.x = bm.Variable(bm.asarray([3.])) if 'x' not in self.__dict__ else self.x
            self.x.value = bm.asarray([3.])

        def update(self):
            self.x.value = self.x.value + 1.

        def return_info(self):
            return self.x

    class Net(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            pre = Pre()
            self.a_delay = bp.VarDelay(pre.x, entries={'one': bp.math.get_dt()})
            self.pre = pre

        def update(self):
            got = self.a_delay.at('one')
            self.pre()
            self.a_delay()
            return got

    net = Net()
    f = bm.jit(lambda: bm.for_loop(lambda i: net.step_run(i), bm.arange(4)))
    first = np.asarray(f())[:, 0].tolist()
    assert first == [0., 3., 4., 5.]
    net.reset()
    assert np.asarray(f())[:, 0].tolist() == first


# ---------------------------------------------------------------------------------------------- in a projection
class TwoNeurons(bp.DynSysGroup):
    """pre (forced to spike by its input) -> FullProjAlignPost(delay, Expon, CUBA | COBA) -> post."""

    def __init__(self, delay, out):
        super().__init__()
        lif = dict(V_rest=0., V_reset=0., V_th=1., tau=10., spk_reset='hard')
        self.pre = bp.dyn.Lif(1, **lif)
        self.post = bp.dyn.Lif(1, **lif)
        self.proj = bp.dyn.FullProjAlignPost(pre=self.pre, delay=delay, comm=bp.dnn.AllToAll(1, 1, 0.3),
                                             syn=bp.dyn.Expon(1, tau=5.), out=out, post=self.post)

    def update(self, inp):
        self.proj()
        self.pre(inp)
        self.post(0.)
        return self.pre.spike.value, self.proj.syn.g.value, self.post.V.value


def first_response(delay, out, backend, spike_step=3, n=20):
    net = TwoNeurons(delay, out)
    inputs = np.zeros((n, 1), np.float32)
    inputs[spike_step] = 1000.
    f = bm.jit(lambda: bm.for_loop(lambda i, x: net.step_run(i, x), (bm.arange(n), bm.asarray(inputs))),
               backend=backend)
    spikes, g, V = (np.asarray(a)[:, 0] for a in f())
    assert np.flatnonzero(spikes).tolist() == [spike_step]
    return np.flatnonzero(g)[0], np.flatnonzero(V)[0]


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('out', ['CUBA', 'COBA'])
def test_projection_delay_of_k_steps_moves_the_response_by_k(backend, out):
    make_out = (lambda: bp.dyn.CUBA()) if out == 'CUBA' else (lambda: bp.dyn.COBA(E=5.))
    dt = bm.get_dt()
    g0, v0 = first_response(None, make_out(), backend)
    assert g0 == 3 + 1 and v0 == g0  # the spike of step 3 acts at step 4, on g and on V at once
    assert first_response(0., make_out(), backend) == (g0, v0)
    for k in (1, 2, 5):
        assert first_response(k * dt, make_out(), backend) == (g0 + k, v0 + k), k
