"""Tests of bp.inputs: the deterministic generators against BrainPy 2.8.2's values, waveforms against their formulas,
the noise processes' shapes, recurrences, statistics and seeds, and the currents used inside bm.jit."""
import math

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm

# Recorded from BrainPy 2.8.2 (/work/venv-bp), the calls of test_matches_brainpy; SQUARE as run-length encodings
# (length, start indices of the runs, their values).
BRAINPY = {'constant': ([0.0, 0.0, 1.0, 1.0, 1.0, 1.0], 3.0),
 'ramp': [0.0, 0.1111111119389534, 0.2222222238779068, 0.3333333432674408, 0.4444444477558136, 0.5555555820465088,
          0.6666666865348816, 0.7777777910232544, 0.8888888955116272, 1.0],
 'ramp2': [0.0, 0.0, 0.0, 0.3333333432674408, 0.6666666865348816, 1.0, 0.0, 0.0, 0.0, 0.0],
 'ramp3': [0.0, 0.0, 0.0, 2.0, 1.399999976158142, 0.800000011920929, 0.20000000298023224, -0.4000000059604645, -1.0,
           0.0, 0.0],
 'section': [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
 'section_frac': [1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
 'section_len': ([0.0, 0.0, 1.0, 1.0, 1.0, 1.0], 3.0),
 'spike': [0.0, 0.0, 0.5, 0.5, 0.0, 0.5, 0.5, 0.0, 0.5, 0.5, 0.0, 0.0],
 'spike_list': [0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 2.0, 0.0]}
SQUARE = {'square': (1000, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900],
            [2.0, -2.0, 2.0, -2.0, 2.0, -2.0, 2.0, -2.0, 2.0, -2.0]),
 'square_b2': (1000, [0, 250, 500, 750], [2.0, 0.0, 2.0, 0.0]),
 'square_bias': (1000, [0, 100, 267, 434, 600], [0.0, 4.0, 0.0, 4.0, 0.0]),
 'square_fine': (12000, [0, 2858, 5715, 8572, 11429], [1.5, -1.5, 1.5, -1.5, 1.5])}

CALLS = {
    'section': lambda: bp.inputs.section_input([0, 1., 2.], [1, 2, 1.5], dt=0.5),
    'section_len': lambda: bp.inputs.section_input([0, 1.], [1, 2], dt=0.5, return_length=True),
    'section_frac': lambda: bp.inputs.section_input([1., 2.], [0.25, 0.3], dt=0.1),
    'constant': lambda: bp.inputs.constant_input([(0, 1.), (1., 2.)], dt=0.5),
    'spike': lambda: bp.inputs.spike_input([1., 2.5, 4.], 1., 0.5, 6., dt=0.5),
    'spike_list': lambda: bp.inputs.spike_input([1., 2.5], [0.5, 1.], [1., 2.], 4., dt=0.5),
    'ramp': lambda: bp.inputs.ramp_input(0., 1., 5., dt=0.5),
    'ramp2': lambda: bp.inputs.ramp_input(0., 1., 5., 1., 3., dt=0.5),
    'ramp3': lambda: bp.inputs.ramp_input(2., -1., 1.05, 0.21, 0.83, dt=0.1),
}

SQUARE_CALLS = {
    'square': lambda: bp.inputs.square_input(2., 50., 100., dt=0.1),
    'square_bias': lambda: bp.inputs.square_input(2., 30., 100., dt=0.1, t_start=10., t_end=60., bias=True),
    'square_fine': lambda: bp.inputs.square_input(1.5, 7., 300., dt=0.025),
    'square_b2': lambda: bp.inputs.square_input(1., 40., 50., dt=0.05, bias=True),
}


def _check(got, ref):
    assert isinstance(got, bm.Array) and got.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got), np.asarray(ref, dtype=np.float32), rtol=0, atol=2e-7)


@pytest.mark.parametrize('name', sorted(CALLS))
def test_matches_brainpy(name):
    got, ref = CALLS[name](), BRAINPY[name]
    if isinstance(ref, tuple):
        assert isinstance(got, tuple) and got[1] == ref[1]
        got, ref = got[0], ref[0]
    _check(got, ref)


@pytest.mark.parametrize('name', sorted(SQUARE_CALLS))
def test_square_matches_brainpy(name):
    n, starts, values = SQUARE[name]
    a = np.asarray(SQUARE_CALLS[name]())
    assert a.shape == (n,) and a.dtype == np.float32
    ref = np.repeat(values, np.diff(starts + [n]))
    np.testing.assert_array_equal(a, ref)


def test_sections_shapes_and_steps():
    a = bp.inputs.section_input([0., np.ones(3)], [1, 1], dt=0.5)
    assert a.shape == (4, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(a), [[0] * 3] * 2 + [[1] * 3] * 2)
    # float noise is not a step: 1.1 / 0.1 = 11.000000000000002 gives 11 steps (BrainPy's ceil: 12)
    assert bp.inputs.section_input([1.], [1.1], dt=0.1).shape == (11,)
    assert bp.inputs.section_input([1., 2.], [100., 300.], dt=0.1).shape == (4000,)
    cur, length = bp.inputs.constant_input([(np.arange(2.), 0.3), (5., 0.2)], dt=0.1)
    assert cur.shape == (5, 2) and length == 0.5
    np.testing.assert_allclose(np.asarray(cur)[3:], 5.)
    with pytest.raises(ValueError, match='same length'):
        bp.inputs.section_input([1.], [1., 2.])
    old = bm.get_dt()
    bm.set_dt(0.25)
    try:
        assert bp.inputs.section_input([1.], [2.]).shape == (8,)
        assert bp.inputs.spike_input([0.5], 0.5, 1., 2.).shape == (8,)
    finally:
        bm.set_dt(old)
    # overlapping pulses: the later one wins, as BrainPy's sequential writes
    np.testing.assert_array_equal(np.asarray(bp.inputs.spike_input([0., 1.], [2., 2.], [1., 2.], 4., dt=1.)),
                                  [1, 2, 2, 0])
    with pytest.warns(DeprecationWarning):
        bp.inputs.constant_current([(1., 1.)], dt=0.5)


@pytest.mark.parametrize('kw', [dict(), dict(t_start=10., t_end=60., bias=True)])
def test_sinusoidal(kw):
    a = np.asarray(bp.inputs.sinusoidal_input(2., 50., 100., dt=0.1, **kw))
    assert a.shape == (1000,) and a.dtype == np.float32
    i0, i1 = int(round(kw.get('t_start', 0.) / 0.1)), int(round(kw.get('t_end', 100.) / 0.1))
    t = np.arange(i1 - i0) * 0.1
    ref = np.zeros(1000)
    ref[i0:i1] = 2. * np.sin(2 * np.pi * 50. / 1000. * t) + (2. if kw.get('bias') else 0.)
    np.testing.assert_allclose(a, ref, atol=2e-5)
    if kw:
        assert abs(a.sum() - 1127.3134765625) < 1e-2  # BrainPy 2.8.2's sum


def test_wiener_process():
    a = bp.inputs.wiener_process(100., dt=0.1, n=3, seed=1)
    assert a.shape == (1000, 3) and a.dtype == np.float32
    x = np.asarray(a)
    assert abs(x.std() - math.sqrt(0.1)) < 0.02 and abs(x.mean()) < 5 * math.sqrt(0.1 / 3000)
    assert bp.inputs.wiener_process(10., dt=0.1).shape == (100,)
    b = np.asarray(bp.inputs.wiener_process(10., dt=0.1, n=2, t_start=2., t_end=5., seed=1))
    assert b.shape == (100, 2) and (b[:20] == 0).all() and (b[50:] == 0).all() and (b[20:50] != 0).all()
    np.testing.assert_array_equal(x, np.asarray(bp.inputs.wiener_process(100., dt=0.1, n=3, seed=1)))
    assert (x != np.asarray(bp.inputs.wiener_process(100., dt=0.1, n=3, seed=2))).any()
    with pytest.raises(ValueError):
        bp.inputs.wiener_process(10., dt=0.1, n=-1)


def test_ou_process_recurrence_and_statistics():
    mean, sigma, tau, dt = 1., 0.5, 10., 0.1
    a = bp.inputs.ou_process(mean, sigma, tau, 20., dt=dt, n=3, seed=4)
    assert a.shape == (200, 3) and a.dtype == np.float32
    # the same noise (RandomState(4)'s first draw) through the Euler-Maruyama recurrence from x = mean
    xi = np.asarray(bm.random.RandomState(4).standard_normal((200, 3)), dtype=np.float64) * sigma * math.sqrt(dt)
    x, ref = np.full(3, mean), []
    for k in range(200):
        x = x + (mean - x) * dt / tau + xi[k]
        ref.append(x)
    np.testing.assert_allclose(np.asarray(a), np.array(ref), atol=1e-4)
    b = np.asarray(bp.inputs.ou_process(mean, sigma, tau, 10., dt=dt, n=2, t_start=2., t_end=5., seed=4))
    assert b.shape == (100, 2) and (b[:20] == 0).all() and (b[50:] == 0).all()
    assert bp.inputs.ou_process(mean, sigma, tau, 10., dt=dt, seed=4).shape == (100,)
    # stationary statistics: mean, variance sigma^2 tau / 2 (the Euler chain's, within sampling error)
    x = np.asarray(bp.inputs.ou_process(mean, sigma, tau, 500., dt=dt, n=100, seed=5))[1000:]
    var = sigma ** 2 * dt / (1 - (1 - dt / tau) ** 2)
    assert abs(x.mean() - mean) < 0.1 and abs(x.var() / var - 1) < 0.15


@pytest.mark.parametrize('backend', ['cpu', 'interp'])
def test_currents_inside_jit(backend):
    cur = bp.inputs.section_input([0., 1., 0.5], [1., 2., 1.], dt=0.1)
    noise = bp.inputs.wiener_process(4., dt=0.1, n=2, seed=3)
    acc = bm.Variable(bm.zeros(2))

    def step(i):
        acc.value = acc + cur[i] + noise[i]
        return acc.value

    out = bm.jit(lambda: bm.for_loop(step, bm.arange(40)), backend=backend)()
    ref = np.cumsum(np.asarray(cur)[:, None] + np.asarray(noise), axis=0)
    np.testing.assert_allclose(np.asarray(out), ref, atol=1e-5)
