"""bp.dyn's synapse models and synaptic outputs: dynamics against exact step maps, analytic solutions and numpy
RK4, and against BrainPy 2.8.2's own numbers, compiled (bm.jit around bm.for_loop) on both backends, f32 and f64."""

import math

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm

BACKENDS = ('cpu', 'interp')


@pytest.fixture(params=[False, True], ids=['f32', 'f64'])
def x64(request):
    was = bm.x64_enabled()
    bm.set_x64(request.param)
    yield request.param
    bm.set_x64(was)


def sim(syn, xs, dt, backend, read=('g',)):
    """Runs out = syn(x) for each row of xs in one compiled loop (t = i * dt): the read Variables and out."""
    def step(i, x):
        bp.share.save(t=i * dt, i=i, dt=dt)
        out = syn(x)
        return tuple(getattr(syn, r).value for r in read) + (out,)

    xs = np.asarray(xs)
    xs = bm.asarray(xs, dtype=bool if xs.dtype == bool else bm.float_)
    try:
        out = bm.jit(lambda xs: bm.for_loop(step, (bm.arange(xs.shape[0]), xs)), backend=backend)(xs)
    finally:
        bp.share.save(t=0., i=0, dt=bm.get_dt())
    return [np.asarray(o)[:, 0] for o in out]


def pulses(n, at=(0, 20), boolean=False):
    xs = np.zeros((n, 1), bool if boolean else float)
    xs[list(at)] = 1
    return xs


def tol(x64):
    return 1e-10 if x64 else 3e-6


# ------------------------------------------------------------------------------------------- exact step maps

@pytest.mark.parametrize('backend', BACKENDS)
def test_expon_decays_exactly_and_adds_inputs_after_the_decay(backend, x64):
    tau, dt, n = 5., 0.1, 40
    xs = pulses(n)
    xs[25] = 0.5
    g, out = sim(bp.dyn.Expon(1, tau=tau), xs, dt, backend)
    steps = np.arange(n)[:, None]
    k = np.array([0, 20, 25])
    w = np.array([1., 1., 0.5])
    expect = (w * np.exp(-(steps - k) * dt / tau) * (steps >= k)).sum(1)
    assert g.dtype == (np.float64 if x64 else np.float32)
    np.testing.assert_allclose(g, expect, rtol=0, atol=tol(x64))
    np.testing.assert_array_equal(out, g)


def test_expon_without_input_and_add_current():
    e = bp.dyn.Expon(2, tau=2.)
    assert isinstance(e, bp.mixin.AlignPost) and isinstance(e, bp.dyn.SynDyn)
    e.add_current(bm.asarray([1., 2.]))
    bp.share.save(t=0., dt=0.1)
    g = e()  # x=None: only the decay
    np.testing.assert_allclose(np.asarray(g), np.array([1., 2.]) * math.exp(-0.05), rtol=1e-6)
    bp.share.save(dt=bm.get_dt())


@pytest.mark.parametrize('backend', BACKENDS)
def test_dual_expon_v2_is_the_difference_of_two_exponentials(backend, x64):
    tr, td, dt, n = 1., 5., 0.1, 40
    syn = bp.dyn.DualExponV2(1, tau_rise=tr, tau_decay=td)
    a = td / (td - tr) * (tr / td) ** (tr / (tr - td))  # the peak normaliser A
    np.testing.assert_allclose(float(np.asarray(syn.a).reshape(-1)[0]), a, rtol=1e-6)
    g_rise, g_decay, out = sim(syn, pulses(n), dt, backend, read=('g_rise', 'g_decay'))
    steps = np.arange(n)
    rise = np.exp(-steps * dt / tr) + np.exp(-(steps - 20) * dt / tr) * (steps >= 20)
    decay = np.exp(-steps * dt / td) + np.exp(-(steps - 20) * dt / td) * (steps >= 20)
    np.testing.assert_allclose(g_rise, rise, rtol=0, atol=tol(x64))
    np.testing.assert_allclose(g_decay, decay, rtol=0, atol=tol(x64))
    np.testing.assert_allclose(out, a * (decay - rise), rtol=0, atol=10 * tol(x64))
    ri = syn.return_info()
    assert isinstance(ri, bp.mixin.ReturnInfo)


@pytest.mark.parametrize('backend', BACKENDS)
def test_std_and_stp_step_maps(backend, x64):
    dt, n = 0.1, 40
    xs = pulses(n)
    x, out = sim(bp.dyn.STD(1, tau=20., U=0.07), xs, dt, backend, read=('x',))
    v, expect = 1., []
    for s in xs[:, 0]:
        v = 1 + (v - 1) * math.exp(-dt / 20.) - s * 0.07 * v  # the spike uses the step's starting x
        expect.append(v)
    np.testing.assert_allclose(x, expect, rtol=0, atol=tol(x64))

    u, x, out = sim(bp.dyn.STP(1, U=0.15, tau_f=50., tau_d=20.), xs, dt, backend, read=('u', 'x'))
    uu, xx, eu, ex, eo = 0.15, 1., [], [], []
    for s in xs[:, 0]:
        uu, xx = uu * math.exp(-dt / 50.), 1 + (xx - 1) * math.exp(-dt / 20.)
        uu = uu + s * 0.15 * (1 - uu)
        xx = xx - s * uu * xx
        eu.append(uu), ex.append(xx), eo.append(uu * xx)
    np.testing.assert_allclose(u, eu, rtol=0, atol=tol(x64))
    np.testing.assert_allclose(x, ex, rtol=0, atol=tol(x64))
    np.testing.assert_allclose(out, eo, rtol=0, atol=tol(x64))


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('cls', ['AMPA', 'GABAa'])
def test_receptor_kinetics_step_map(cls, backend, x64):
    """Transmitter T for T_dur after the last spike (held over a step), g linear in itself: exp_auto is exact."""
    syn = getattr(bp.dyn, cls)(1)
    alpha, beta, T, T_dur = syn.alpha, syn.beta, syn.T, syn.T_duration
    dt, n = 0.3, 60  # no step lands on t - arrival == T_dur
    xs = pulses(n, at=(0, 3, 30), boolean=True)
    g, out = sim(syn, xs, dt, backend)
    gg, arrival, expect = 0., -1e7, []
    for i, s in enumerate(xs[:, 0]):
        if s:
            arrival = i * dt
        TT = T if i * dt - arrival < T_dur else 0.
        rate = alpha * TT + beta
        g_inf = alpha * TT / rate
        gg = g_inf + (gg - g_inf) * math.exp(-dt * rate)
        expect.append(gg)
    np.testing.assert_allclose(g, expect, rtol=0, atol=tol(x64))
    np.testing.assert_array_equal(out, g)


# ------------------------------------------------------------------------------ against analytic / numpy RK4

def rk4_step(f, y, dt):
    k1 = f(y)
    k2 = f([a + dt / 2 * b for a, b in zip(y, k1)])
    k3 = f([a + dt / 2 * b for a, b in zip(y, k2)])
    k4 = f([a + dt * b for a, b in zip(y, k3)])
    return [a + dt / 6 * (b1 + 2 * b2 + 2 * b3 + b4) for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4)]


def np_rk4(f, y, xs, dt, kick):
    """numpy float64 RK4 of dy/dt = f(y) with kick(y, x) applied after each step; y[0] per step."""
    out = []
    for x in xs:
        y = kick(rk4_step(f, y, dt), x)
        out.append(y[0])
    return np.array(out)


@pytest.mark.parametrize('backend', BACKENDS)
def test_alpha_is_t_over_tau_exp(backend, x64):
    tau, dt, n = 3., 0.01, 800
    g, _ = sim(bp.dyn.Alpha(1, tau_decay=tau, method='rk4'), pulses(n, at=(0,)), dt, backend)
    t = dt * np.arange(n)  # the input lands in h after step 0's integration
    np.testing.assert_allclose(g, t / tau * np.exp(-t / tau), rtol=0, atol=1e-9 if x64 else 2e-6)
    assert abs(g.max() - 1 / math.e) < 1e-4


@pytest.mark.parametrize('backend', BACKENDS)
def test_dual_expon_peak_is_one_and_matches_numpy_rk4(backend, x64):
    tr, td, dt, n = 1., 5., 0.01, 2000
    syn = bp.dyn.DualExpon(1, tau_rise=tr, tau_decay=td, method='rk4')
    g, _ = sim(syn, pulses(n, at=(0,)), dt, backend)
    a = (tr / td) ** (tr / (tr - td)) / tr
    expect = np_rk4(lambda y: [-y[0] / td + y[1], -y[1] / tr], [0., 0.], pulses(n, at=(0,))[:, 0], dt,
                    lambda y, x: [y[0], y[1] + a * x])
    np.testing.assert_allclose(g, expect, rtol=0, atol=1e-10 if x64 else 3e-6)
    assert abs(g.max() - 1.) < 1e-4  # the default A normalises the peak to 1
    assert float(bp.dyn.DualExpon(1, tau_rise=tr, tau_decay=td, A=2.).a) == pytest.approx((td - tr) / tr / td * 2)
    # equal time constants: the alpha-function limit e / tau (BrainPy 2.8; 2.6 divided by zero)
    assert float(bp.dyn.DualExpon(1, tau_rise=5., tau_decay=5.).a) == pytest.approx(0.5436563491821289, rel=1e-6)
    with pytest.raises(ValueError):
        bp.dyn.DualExponV2(1, tau_rise=5., tau_decay=5.)


@pytest.mark.parametrize('backend', BACKENDS)
def test_nmda_and_bionmda_match_numpy_rk4(backend, x64):
    dt, n = 0.04, 400  # no step lands on t - arrival == T_dur
    xs = pulses(n, at=(0, 100, 120))
    g, _ = sim(bp.dyn.NMDA(1, method='rk4'), xs, dt, backend)
    expect = np_rk4(lambda y: [-y[0] / 100. + 0.5 * y[1] * (1 - y[0]), -y[1] / 2.], [0., 0.], xs[:, 0], dt,
                    lambda y, x: [y[0], y[1] + x])
    np.testing.assert_allclose(g, expect, rtol=0, atol=1e-10 if x64 else 3e-6)

    # BioNMDA: T = 1 for 0.5 ms after a spike, held over each step (computed at its start)
    g, _ = sim(bp.dyn.BioNMDA(1, method='rk4'), xs.astype(bool), dt, backend)
    out, y, arrival = [], [0., 0.], -1e7
    for i, s in enumerate(xs[:, 0]):
        if s:
            arrival = i * dt
        T = 1. if i * dt - arrival < 0.5 else 0.
        y = rk4_step(lambda y: [2. * y[1] * (1 - y[0]) - 0.01 * y[0], T * (1 - y[1]) - 0.5 * y[1]], y, dt)
        out.append(y[0])
    np.testing.assert_allclose(g, out, rtol=0, atol=1e-10 if x64 else 3e-6)


# ------------------------------------------------------------------------------ BrainPy 2.8.2's own numbers

# Recorded with BrainPy 2.8.2 (/work/venv-bp, float32, dt = 0.1, default method exp_auto): one synapse driven by
# x = 1 (True for the receptor models) at steps 0 and 20 in bm.for_loop with bp.share.save(t=i*dt, i=i, dt=dt);
# every 4th step of (the read state, the returned value).
BP_RUNS = {
    'Expon': (dict(tau=5.), 'g', False,
              [1., 0.923116326, 0.852143824, 0.786627889, 0.726149082, 1.670320034, 1.54189992, 1.423353076,
               1.313920617, 1.212901592], None),
    'DualExpon': (dict(tau_decay=5., tau_rise=1.), 'g', False,
                  [0., 0.496625721, 0.791341543, 0.953648627, 1.029909372, 1.050993204, 1.534025669, 1.794035316,
                   1.909451604, 1.932470441], None),
    'DualExponV2': (dict(tau_decay=5., tau_rise=1.), 'g_decay', False,
                    [1., 0.923116326, 0.852143824, 0.786627889, 0.726149082, 1.670320034, 1.54189992, 1.423353076,
                     1.313920617, 1.212901592],
                    [0., 0.472523183, 0.752935886, 0.907365799, 0.979925513, 0.999985933, 1.45957613, 1.706966758,
                     1.816781759, 1.838683367]),
    'Alpha': (dict(tau_decay=3.), 'g', False,
              [0., 0.118656471, 0.207689941, 0.272647023, 0.318151176, 0.34804675, 0.484177947, 0.580900371,
               0.645931363, 0.685675681], None),
    'NMDA': (dict(), 'g', False,
             [0., 0.169253632, 0.28564319, 0.368069023, 0.427818984, 0.471923411, 0.588554859, 0.663581192,
              0.713740647, 0.748275876], None),
    'STD': (dict(tau=20.), 'x', False,
            [0.930000007, 0.931386054, 0.932744682, 0.934076488, 0.93538183, 0.871117294, 0.873669386, 0.876170933,
             0.878622949, 0.881026328], None),
    'STP': (dict(tau_d=20., tau_f=50.), 'u', False,
            [0.277245253, 0.275036126, 0.272844613, 0.270670563, 0.268513829, 0.376418144, 0.373418808,
             0.370443344, 0.367491603, 0.364563406],
            [0.20038031, 0.200293556, 0.200165808, 0.199998543, 0.19979319, 0.175843358, 0.178382233, 0.180792078,
             0.183076948, 0.185240746]),
    'AMPA': (dict(), 'g', True,
             [0.047394551, 0.208185554, 0.193723097, 0.180265322, 0.167742461, 0.196020067, 0.321870387, 0.29951036,
              0.27870366, 0.259342402], None),
    'GABAa': (dict(), 'g', True,
              [0.051162262, 0.22306776, 0.352472484, 0.359528631, 0.334552526, 0.346403837, 0.445315748,
               0.519773304, 0.507171154, 0.471938461], None),
    'BioNMDA': (dict(), 'g', True,
                [0., 0.148995489, 0.343889683, 0.468841881, 0.552345634, 0.610009611, 0.695291519, 0.776146531,
                 0.824877203, 0.855627954], None),
}


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('name', list(BP_RUNS))
def test_matches_brainpy(name, backend):
    kw, read, boolean, state, returned = BP_RUNS[name]
    s, out = sim(getattr(bp.dyn, name)(1, **kw), pulses(40, boolean=boolean), 0.1, backend, read=(read,))
    np.testing.assert_allclose(s[::4], state, rtol=0, atol=2e-6)
    np.testing.assert_allclose(out[::4], state if returned is None else returned, rtol=0, atol=2e-6)


# BrainPy 2.8.2: the state Variables of each synapse of size 2 (name: initial value), all float32
BP_STATE = {
    'Expon': {'g': 0.}, 'DualExpon': {'h': 0., 'g': 0.}, 'DualExponV2': {'g_rise': 0., 'g_decay': 0.},
    'Alpha': {'h': 0., 'g': 0.}, 'NMDA': {'g': 0., 'x': 0.}, 'STD': {'x': 1.}, 'STP': {'x': 1., 'u': 0.15},
    'AMPA': {'g': 0., 'spike_arrival_time': -1e7}, 'GABAa': {'g': 0., 'spike_arrival_time': -1e7},
    'BioNMDA': {'g': 0., 'x': 0., 'spike_arrival_time': -1e7},
}


@pytest.mark.parametrize('name', list(BP_STATE))
def test_state_variables_as_brainpy(name):
    syn = getattr(bp.dyn, name)(2)
    assert syn.method == 'exp_auto' if hasattr(syn, 'method') else True
    assert sorted(k.split('.', 1)[1] for k in syn.vars()) == sorted(BP_STATE[name])
    for var, value in BP_STATE[name].items():
        v = getattr(syn, var)
        assert isinstance(v, bm.Variable) and v.dtype == np.float32 and v.shape == (2,)
        np.testing.assert_allclose(np.asarray(v), value, rtol=1e-7)


def test_defaults_and_descriptors():
    a, g = bp.dyn.AMPA(1), bp.dyn.GABAa(1)
    assert (a.alpha, a.beta, a.T, a.T_duration) == (0.98, 0.18, 0.5, 0.5)
    assert (g.alpha, g.beta, g.T, g.T_duration) == (0.53, 0.18, 1., 1.)
    n = bp.dyn.NMDA(1)
    assert (n.a, n.tau_decay, n.tau_rise) == (0.5, 100., 2.)
    assert bp.dyn.Expon(1).tau == 8.
    d = bp.dyn.Expon.desc(4, tau=5.)
    e = d()
    assert isinstance(e, bp.dyn.Expon) and e.tau == 5. and e.varshape == (4,)
    assert bp.dyn.NMDA(3).return_info() is not None


# ------------------------------------------------------------------------------------------------- outputs

# BrainPy 2.8.2: output(V) with V = [-70, -50, 0, 20] and the bound conductance g = [0.5, 1, 2, 0.1]
BP_OUTS = {'COBA': [35., 50., 0., -2.], 'CUBA': [0.5, 1., 2., 0.100000001],
           'MgBlock': [1.306747794, 5.909121037, 0., -1.82270205]}


@pytest.mark.parametrize('backend', BACKENDS)
def test_outputs(backend, x64):
    V = np.array([-70., -50., 0., 20.])
    g = np.array([0.5, 1., 2., 0.1])
    expect = {'COBA': g * (0. - V), 'CUBA': g,
              'MgBlock': g * (0. - V) / (1 + 1.2 / 3.57 * np.exp(0.062 * (0. - V)))}
    for name, make in [('COBA', lambda: bp.dyn.COBA(E=0.)), ('CUBA', bp.dyn.CUBA),
                       ('MgBlock', lambda: bp.dyn.MgBlock(E=0.))]:
        out = make()
        assert isinstance(out, bp.dyn.SynOut)
        f = bm.jit(lambda g, V: (out.bind_cond(g), out(V))[1], backend=backend)
        got = np.asarray(f(bm.asarray(g, dtype=bm.float_), bm.asarray(V, dtype=bm.float_)))
        np.testing.assert_allclose(got, expect[name], rtol=1e-12 if x64 else 1e-6)
        np.testing.assert_allclose(got, BP_OUTS[name], rtol=1e-6)


def test_output_without_conductance_is_an_error():
    out = bp.dyn.COBA(E=0.)
    with pytest.raises(ValueError, match='bind_cond'):
        out(bm.zeros(2))
    out.bind_cond(bm.ones(2))
    np.testing.assert_allclose(np.asarray(out(bm.full(2, -10.))), 10.)
    out.unbind_cond()
    with pytest.raises(ValueError):
        out(bm.zeros(2))
