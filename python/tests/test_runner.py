"""bp.DSRunner: monitors, inputs, chunks, continued runs, bp.share after a run, the NaN report, jit=False."""

import io

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm
from brainjit import errors, runners


class Acc(bp.DynamicalSystem):
    """V <- V + input + 1 (+ x when given); spike = V > thr; input is cleared after every step; returns 2 V."""

    def __init__(self, n=3, thr=5.5, name=None):
        super().__init__(name=name)
        self.n, self.thr = n, thr
        self.V = bm.Variable(bm.zeros(n))
        self.input = bm.Variable(bm.zeros(n))
        self.spike = bm.Variable(bm.zeros(n, dtype=bool))

    def reset_state(self, *args, **kwargs):
        self.V.value = bm.zeros(self.n)
        self.input.value = bm.zeros(self.n)
        self.spike.value = bm.zeros(self.n, dtype=bool)

    def update(self, x=None):
        v = self.V + self.input + 1.
        if x is not None:
            v = v + x
        self.V.value = v
        self.spike.value = v > self.thr
        return v * 2.

    def clear_input(self):
        self.input.value = bm.zeros(self.n)


class Clock(bp.DynamicalSystem):
    """Records the shared t and i: T <- t, I <- i."""

    def __init__(self):
        super().__init__()
        self.T = bm.Variable(bm.zeros(1))
        self.I = bm.Variable(bm.zeros(1, dtype=bm.int32))

    def update(self):
        self.T.value = bm.zeros(1) + bp.share.load('t')
        self.I.value = bm.zeros(1, dtype=bm.int32) + bp.share.load('i')


class Net(bp.DynamicalSystem):
    def __init__(self):
        super().__init__()
        self.E = Acc(4)
        self.I = Acc(2)

    def update(self):
        self.E()
        self.I()


class Blow(bp.DynamicalSystem):
    """W doubles from 1 each step: float32 overflows to inf when W would reach 2**128, at step 127."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.W = bm.Variable(bm.ones(2))
        self.k = bm.Variable(bm.zeros(1, dtype=bm.int32))

    def update(self):
        self.W.value = self.W * 2.
        self.k.value = self.k + 1


def _quiet(**kw):
    kw.setdefault('progress_bar', False)
    return kw


# ---------------------------------------------------------------------------------------------------- monitors
def test_monitor_shapes_and_values():
    m = Acc(3)
    r = bp.DSRunner(m, monitors=['V', 'spike', ('input', 1), ('V', [0, 2])], inputs=('input', 2.), **_quiet())
    out = r.run(100.)  # 1000 steps at dt 0.1
    T = 1000
    want = 3. * np.arange(1, T + 1, dtype=np.float32)  # each step adds input 2 + 1
    assert r.mon['V'].shape == (T, 2)  # ('V', [0, 2]) replaced 'V' under the same key, as BrainPy
    assert isinstance(r.mon['V'], np.ndarray) and r.mon['V'].dtype == np.float32
    np.testing.assert_array_equal(r.mon['V'], np.stack([want, want], 1))
    assert r.mon['spike'].shape == (T, 3) and r.mon['spike'].dtype == np.bool_
    np.testing.assert_array_equal(r.mon['spike'][:, 0], want > 5.5)
    assert r.mon['input'].shape == (T, 1)  # recorded before clear_input, as BrainPy
    np.testing.assert_array_equal(r.mon['input'], 2.)
    assert out.shape == (T, 3)
    np.testing.assert_array_equal(np.asarray(out)[:, 1], 2 * want)
    np.testing.assert_allclose(r.mon.ts, np.arange(T) * 0.1)
    assert r.mon.ts is r.mon['ts'] and r.mon.ts.dtype == np.float64


def test_dict_and_callable_monitors():
    m = Acc(3)
    r = bp.DSRunner(m, monitors={'v': m.V, 'v1': (m.V, 1), 'v02': (m.V, [0, 2]), 'name': 'V', 'sp': ('spike', 0),
                                 'f': lambda: m.V[:2] * 10., 't': lambda: bp.share.load('t')},
                    inputs=('input', 1.), **_quiet())
    r.run(1.)
    want = 2. * np.arange(1, 11, dtype=np.float32)
    assert r.mon.v.shape == (10, 3) and r.mon.v1.shape == (10, 1) and r.mon.v02.shape == (10, 2)
    assert r.mon.sp.shape == (10, 1) and r.mon.sp.dtype == np.bool_
    np.testing.assert_array_equal(r.mon['name'][:, 2], want)
    np.testing.assert_array_equal(r.mon.f, np.stack([want * 10.] * 2, 1))
    np.testing.assert_allclose(r.mon.t, np.arange(10) * 0.1, rtol=1e-6)


def test_old_style_monitor_function_gets_shared_args():
    m = Acc(2)
    r = bp.DSRunner(m, monitors={'t': lambda tdi: tdi['t'] + 0. * m.V[0]}, **_quiet())
    with pytest.warns(UserWarning, match='shared'):
        r.run(0.5)
    np.testing.assert_allclose(r.mon.t, np.arange(5) * 0.1, rtol=1e-6)


def test_monitor_names_through_children_and_node_names():
    net = Net()
    r = bp.DSRunner(net, monitors=['E.V', 'I.spike', f'{net.E.name}.input', ('E.V', [3])], **_quiet())
    r.run(0.3)
    assert r.mon['E.V'].shape == (3, 1) and r.mon['I.spike'].shape == (3, 2)
    assert r.mon[f'{net.E.name}.input'].shape == (3, 4)
    np.testing.assert_array_equal(r.mon['E.V'][:, 0], [1., 2., 3.])
    with pytest.raises(errors.MonitorError):
        bp.DSRunner(net, monitors=['Nobody.V'])
    with pytest.raises(errors.RunningError):
        bp.DSRunner(net, monitors=['nothing'])
    with pytest.raises(errors.MonitorError):
        bp.DSRunner(net, monitors=[3])
    with pytest.raises(errors.MonitorError):
        bp.DSRunner(net, monitors={'a': 3})


# ---------------------------------------------------------------------------------------------------- inputs
def test_input_operations_and_order():
    m = Acc(2)
    # BrainPy's order: fixed inputs grouped by operation ('=' first, then '+', '-', '*', '/')
    r = bp.DSRunner(m, inputs=[('input', 3., 'fix', '*'), ('input', 4., 'fix', '+'), ('input', 5., 'fix', '='),
                               ('input', 2., 'fix', '/')], monitors=['V'], **_quiet())
    r.run(0.2)
    np.testing.assert_array_equal(r.mon.V[:, 0], [(5 + 4) * 3 / 2 + 1, 2 * ((5 + 4) * 3 / 2 + 1)])
    r = bp.DSRunner(m, inputs=(m.input, 7., 'fix', '-'), monitors=['V'], **_quiet())
    m.reset()
    r.run(0.1)
    np.testing.assert_array_equal(r.mon.V[:, 0], [-6.])


def test_iter_func_and_callable_inputs():
    m = Acc(2)
    arr = np.arange(10, dtype=np.float32)
    r = bp.DSRunner(m, inputs=[('input', arr, 'iter'), ('input', lambda: bp.share.load('i') * 0. + 100., 'func')],
                    monitors=['V'], **_quiet())
    r.run(0.5)
    np.testing.assert_array_equal(r.mon.V[:, 0], np.cumsum(arr[:5] + 101.))
    r.run(0.5)  # the array is read at the global step i: the second run continues along it
    np.testing.assert_array_equal(r.mon.V[:, 0], np.cumsum(arr + 101.)[5:])
    with pytest.raises(errors.RunningError, match='rows'):
        r.run(0.1)  # no row 10

    m2 = Acc(2)
    r = bp.DSRunner(m2, inputs=('input', iter([1., 2., 3.]), 'iter'), monitors=['V'], chunk_steps=2, **_quiet())
    r.run(0.3)
    np.testing.assert_array_equal(r.mon.V[:, 0], [2., 5., 9.])

    m3 = Acc(2)

    def give():
        m3.input.value = m3.input + 10.

    r = bp.DSRunner(m3, inputs=give, monitors=['V'], **_quiet())
    r.run(0.2)
    np.testing.assert_array_equal(r.mon.V[:, 0], [11., 22.])

    with pytest.raises(errors.RunningError):
        bp.DSRunner(m3, inputs=('input', 1., 'fix', '%'))
    with pytest.raises(errors.RunningError):
        bp.DSRunner(m3, inputs=('input', 1., 'sometimes'))
    with pytest.raises(errors.RunningError, match='Variable'):
        bp.DSRunner(m3, inputs=('n', 1.))
    with pytest.raises(ValueError):
        bp.DSRunner(m3, inputs=('input', 1., 'func'))


def test_run_inputs_are_step_arguments():
    m = Acc(2)
    r = bp.DSRunner(m, monitors=['V'], **_quiet())
    xs = np.arange(6, dtype=np.float32)
    out = r.run(inputs=xs)  # 6 steps; step k calls m(xs[k])
    np.testing.assert_array_equal(r.mon.V[:, 0], np.cumsum(xs + 1.))
    assert out.shape == (6, 2)
    with pytest.warns(UserWarning, match='duration'):
        r.run(1., inputs=xs)  # inputs give the length
    assert r.mon.V.shape == (6, 2)

    class Two(bp.DynamicalSystem):
        def __init__(self):
            super().__init__()
            self.s = bm.Variable(bm.zeros(()))

        def update(self, a, b):
            self.s.value = self.s + a * b['w']
            return a

    t = Two()
    r = bp.DSRunner(t, monitors=['s'], **_quiet())
    out = r.run(inputs=(bm.arange(4.), {'w': np.full(4, 2., np.float32)}))
    np.testing.assert_array_equal(r.mon.s, [0., 2., 6., 12.])
    np.testing.assert_array_equal(np.asarray(out), [0., 1., 2., 3.])
    with pytest.raises(ValueError):
        r.run(inputs=(np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError):
        r.run()


# ---------------------------------------------------------------------------------------------------- chunks, runs
def _chunked(chunk, jit=True, backend=None):
    m = Acc(3)
    r = bp.DSRunner(m, monitors=['V', 'spike'], inputs=[('input', np.linspace(0, 1, 50, dtype=np.float32), 'iter')],
                    chunk_steps=chunk, jit=jit, backend=backend, **_quiet())
    out = r.run(5.)
    return r, np.asarray(out), {k: v.copy() for k, v in r.mon.items()}


def test_chunks_give_identical_results():
    r0, out0, mon0 = _chunked(None)
    assert r0._jit_chunk.stats()['traces'] == 1
    for chunk in (1, 7, 50):
        r, out, mon = _chunked(chunk)
        np.testing.assert_array_equal(out, out0)
        for k in mon0:
            np.testing.assert_array_equal(mon[k], mon0[k])
    # 50 steps in chunks of 7: 7 chunks of one executable and a last one of 1 step
    r, _, _ = _chunked(7)
    assert r._jit_chunk.stats()['traces'] == 2
    # the interpreter gives the same bits
    _, out_i, mon_i = _chunked(7, backend='interp')
    np.testing.assert_array_equal(out_i, out0)
    np.testing.assert_array_equal(mon_i['V'], mon0['V'])


def test_eager_equals_compiled():
    _, out0, mon0 = _chunked(None)
    r, out, mon = _chunked(None, jit=False)
    np.testing.assert_array_equal(out, out0)
    for k in mon0:
        np.testing.assert_array_equal(mon[k], mon0[k])
    assert mon['spike'].dtype == np.bool_
    r2 = bp.DSRunner(Acc(2), jit={'predict': False}, **_quiet())
    assert r2.jit['predict'] is False


def test_second_run_continues_and_share_holds_numbers():
    c = Clock()
    r = bp.DSRunner(c, monitors=['T', 'I'], t0=5., chunk_steps=4, **_quiet())
    r.run(1.)
    np.testing.assert_array_equal(r.mon.I[:, 0], np.arange(10))
    np.testing.assert_allclose(r.mon.T[:, 0], 5. + np.arange(10) * np.float32(0.1), rtol=1e-6)
    assert r.i0 == 10
    t, i = bp.share.load('t'), bp.share.load('i')
    assert type(t) is float and type(i) is int
    assert i == 9 and t == pytest.approx(5.9)
    r.run(0.5)
    np.testing.assert_array_equal(r.mon.I[:, 0], np.arange(10, 15))
    np.testing.assert_allclose(r.mon.ts, 5. + np.arange(10, 15) * 0.1)
    assert r.i0 == 15 and bp.share.load('i') == 14 and bp.share.load('t') == pytest.approx(6.4)
    # reset_state=True resets the model and starts again at step 0
    m = Acc(2)
    r = bp.DSRunner(m, monitors=['V'], **_quiet())
    r.run(0.3)
    r.run(0.3)
    np.testing.assert_array_equal(r.mon.V[:, 0], [4., 5., 6.])
    r.run(0.3, reset_state=True)
    np.testing.assert_array_equal(r.mon.V[:, 0], [1., 2., 3.])
    np.testing.assert_allclose(r.mon.ts, [0., 0.1, 0.2])


def test_loop_is_one_compiled_loop_with_only_the_model():
    m = Acc(3)
    r = bp.DSRunner(m, monitors=['V'], **_quiet())
    r.run(1.)
    src = r._jit_chunk.source(10, np.asarray(0, np.int32), 0., (), [], ())
    assert src.count('for (int64_t l0_i = 0; l0_i < 10; l0_i++)') == 1
    assert 'l1_' not in src  # one loop, no second loop
    # t = t0 + i dt is dead when no model reads it: the loop holds the model's kernel and clear_input only
    assert src.count('static void l0_k') <= 2


def test_zero_steps_numbers_and_misc():
    m = Acc(2)
    r = bp.DSRunner(m, monitors=['V'], **_quiet())
    out = r.run(0.)
    assert r.mon.V.shape == (0, 2) and r.mon.ts.shape == (0,) and out.shape == (0, 2)
    assert runners._num_steps(0.3, 0.1) == 3  # BrainPy's int(0.3 / 0.1) gives 2
    assert runners._num_steps(0.35, 0.1) == 3
    r = bp.DSRunner(m, monitors=['V'], numpy_mon_after_run=False, **_quiet())
    elapsed, out = r.run(0.2, eval_time=True)
    assert isinstance(r.mon.V, bm.Array) and elapsed >= 0.
    with pytest.raises(errors.RunningError):
        bp.DSRunner(lambda: None)
    with pytest.raises(errors.RunningError):
        bp.DSRunner(m, dt=1)
    with pytest.raises(ValueError):
        bp.DSRunner(m, chunk_steps=0)
    r = bp.DSRunner(m, dt=0.5, **_quiet())
    r.run(1.)
    assert r.mon.ts.tolist() == [0., 0.5]


def test_shared_args_are_seen_by_the_model():
    class Fit(bp.DynamicalSystem):
        def __init__(self):
            super().__init__()
            self.x = bm.Variable(bm.zeros(1))

        def update(self):
            self.x.value = self.x + (1. if bp.share.load('fit', False) else 10.)

    f = Fit()
    r = bp.DSRunner(f, monitors=['x'], **_quiet())
    r.run(0.2, shared_args={'fit': True})
    np.testing.assert_array_equal(r.mon.x[:, 0], [1., 2.])
    r.run(0.2, shared_args={'fit': False})
    np.testing.assert_array_equal(r.mon.x[:, 0], [12., 22.])
    with pytest.raises(errors.RunningError, match='hashable'):
        r.run(0.1, shared_args={'w': np.ones(2)})


def test_progress_bar_on_a_terminal_only(monkeypatch, capsys):
    m = Acc(2)
    bp.DSRunner(m, progress_bar=True).run(1.)
    assert capsys.readouterr().err == ''  # not a terminal: nothing
    term = io.StringIO()
    monkeypatch.setattr(runners, '_terminal', lambda: term)
    r = bp.DSRunner(m, monitors=['V'], progress_bar=True)
    r.run(10.)
    text = term.getvalue()
    assert '100.0%' in text and '100/100 steps' in text and text.endswith('\n')
    assert r.mon.V.shape == (100, 2)
    # chunks of one length that divides the run: one executable
    plan = runners._chunk_plan(1000, None, True)
    assert len({n for _, n in plan}) == 1 and sum(n for _, n in plan) == 1000 and len(plan) > 10
    plan = runners._chunk_plan(997, None, True)  # a prime: a shorter last chunk
    assert sum(n for _, n in plan) == 997 and len({n for _, n in plan}) == 2
    assert runners._chunk_plan(10, None, False) == [(0, 10)]


# ---------------------------------------------------------------------------------------------------- NaN / inf
@pytest.mark.parametrize('chunk', [None, 10, 1])
def test_nonfinite_state_is_reported_with_its_step(chunk):
    b = Blow()
    r = bp.DSRunner(b, monitors=['W'], chunk_steps=chunk, **_quiet())
    with pytest.raises(runners.NonFiniteError) as e:
        r.run(20.)
    msg = str(e.value)
    assert f'{b.name}.W (inf)' in msg and 'step 127 ' in msg and 't = 12.7' in msg
    assert isinstance(e.value, errors.RunningError) and isinstance(e.value, FloatingPointError)
    assert f'{b.name}.k' not in msg
    # the model is left just after the bad step; the runner counts the steps that ran; share holds numbers
    assert int(b.k.value[0]) == 128 and r.i0 == 128
    assert bp.share.load('i') == 127


def test_nonfinite_check_off_and_eager():
    b = Blow()
    r = bp.DSRunner(b, monitors=['W'], check_finite=False, **_quiet())
    r.run(13.)
    assert np.isinf(r.mon.W[127:]).all() and np.isfinite(r.mon.W[:127]).all()
    b2 = Blow()
    with pytest.raises(runners.NonFiniteError, match='step 127 '):
        bp.DSRunner(b2, jit=False, **_quiet()).run(13.)
    # a state that is already NaN is named as such
    b3 = Blow()
    b3.W.value = bm.asarray([np.nan, 1.], dtype=bm.float32)
    with pytest.raises(runners.NonFiniteError, match='already'):
        bp.DSRunner(b3, chunk_steps=5, **_quiet()).run(1.)


def test_nonfinite_replay_restores_random_state():
    class Noisy(bp.DynamicalSystem):
        """x accumulates uniform draws; becomes NaN once it passes 20 (a step that depends on the draws)."""

        def __init__(self):
            super().__init__()
            self.x = bm.Variable(bm.zeros(1))

        def update(self):
            x = self.x + bm.random.rand(1)
            self.x.value = bm.where(x > 20., bm.nan, x)

    bm.random.seed(3)
    n = Noisy()
    r = bp.DSRunner(n, monitors=['x'], check_finite=False, **_quiet())
    r.run(10.)
    first = int(np.argmax(np.isnan(r.mon.x[:, 0])))
    assert 20 < first < 99
    bm.random.seed(3)
    n2 = Noisy()
    with pytest.raises(runners.NonFiniteError, match=f'step {first} '):
        bp.DSRunner(n2, chunk_steps=30, **_quiet()).run(10.)


# ---------------------------------------------------------------------------------------------------- bp.dyn models
def test_hh_rk4_blow_up_is_reported():
    # BrainPy 2.8.2 runs this model to NaN silently (from step 27 on; recorded in /work/venv-bp)
    hh = bp.dyn.HH(1, method='rk4', V_initializer=bp.init.Constant(-65.))
    r = bp.DSRunner(hh, monitors=['V'], chunk_steps=10, **_quiet())
    with pytest.raises(runners.NonFiniteError, match=f'{hh.name}.V \\((NaN|inf)\\).* at step 27 \\(t = 2.7'):
        r.run(inputs=np.full(1000, 10., np.float32))
    hh2 = bp.dyn.HH(1, method='rk4', V_initializer=bp.init.Constant(-65.))
    r = bp.DSRunner(hh2, monitors=['V'], check_finite=False, **_quiet())
    r.run(inputs=np.full(40, 10., np.float32))
    assert np.isfinite(r.mon.V[:27]).all() and not np.isfinite(r.mon.V[27:]).any()


def test_lifref_spikes_match_brainpy():
    # BrainPy 2.8.2: neuron 0 spikes at steps [281, 460, 639, 818, 997]; firing_rate(spike, 10.).mean() = 45.2475...
    lif = bp.dyn.LifRef(10, method='euler', V_initializer=bp.init.Constant(-60.))
    r = bp.DSRunner(lif, monitors=['V', 'spike'], **_quiet())
    r.run(inputs=np.full(1000, 25., np.float32))
    assert r.mon.spike.shape == (1000, 10) and r.mon.spike.dtype == np.bool_
    np.testing.assert_array_equal(np.nonzero(r.mon.spike[:, 0])[0], [281, 460, 639, 818, 997])
    assert bp.measure.firing_rate(r.mon.spike, 10.).mean() == pytest.approx(45.24752475247525, rel=1e-9)


def test_dt_set_before_the_runner_is_its_dt():
    old = bm.get_dt()
    bm.set_dt(0.5)
    try:
        c = Clock()
        r = bp.DSRunner(c, monitors=['T'], **_quiet())
        assert r.dt == 0.5
        r.run(2.)
        np.testing.assert_array_equal(r.mon.T[:, 0], [0., 0.5, 1., 1.5])
        assert bp.share.load('dt') == 0.5
    finally:
        bm.set_dt(old)
        bp.share.save(dt=old)


def test_batching_mode_data_first_axis():
    class Batched(bp.DynamicalSystem):
        def __init__(self, b, n):
            super().__init__(mode=bm.BatchingMode(b))
            self.b, self.n = b, n
            self.V = bm.Variable(bm.zeros((b, n)), batch_axis=0)

        def reset_state(self, batch_size=None, **kwargs):
            self.V.value = bm.zeros((batch_size or self.b, self.n))

        def update(self, x):
            self.V.value = self.V + x
            return self.V.value

    m = Batched(2, 3)
    r = bp.DSRunner(m, monitors=['V'], **_quiet())
    assert r.data_first_axis == 'B'
    xs = np.arange(2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3)  # [batch, time, n]
    out = r.run(inputs=xs)
    assert out.shape == (2, 4, 3) and r.mon.V.shape == (2, 4, 3) and r.mon.ts.shape == (4,)
    np.testing.assert_array_equal(r.mon.V, np.cumsum(xs, axis=1))
    np.testing.assert_array_equal(np.asarray(out), np.cumsum(xs, axis=1))
    r = bp.DSRunner(m, monitors=['V'], data_first_axis='T', **_quiet())
    r.run(inputs=np.moveaxis(xs, 0, 1), reset_state=True)
    assert r.mon.V.shape == (4, 2, 3)
    np.testing.assert_array_equal(r.mon.V, np.moveaxis(np.cumsum(xs, axis=1), 0, 1))


def test_python_changes_between_runs_take_effect():
    m = Acc(2)
    r = bp.DSRunner(m, monitors=['spike'], **_quiet())
    r.run(0.1)
    assert not r.mon.spike.any()
    m.thr = -1.  # a Python constant of the trace: the next run traces again, as BrainPy does
    r.run(0.1)
    assert r.mon.spike.all()
