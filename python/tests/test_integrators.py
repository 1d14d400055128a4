"""Tests of bp.odeint / bp.sdeint / bp.JointEq: tableaus, convergence orders, exponential Euler, SDE statistics,
BrainPy's values, argument parsing and errors; integrals run inside bm.jit + bm.for_loop on both backends, f32 and f64."""
import contextlib
import math
from fractions import Fraction as Fr

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm
from brainjit import errors

BACKENDS = ['cpu', 'interp']


@contextlib.contextmanager
def precision(x64):
    prev = bm.x64_enabled()
    bm.enable_x64() if x64 else bm.disable_x64()
    try:
        yield
    finally:
        bm.enable_x64() if prev else bm.disable_x64()


def needs_jvp():
    if not hasattr(bm, 'jvp'):
        pytest.skip('bm.jvp (math/autograd.py) is not there yet')


# ---------------------------------------------------------------------------------------------------- tableaus
# Butcher tableaus written out independently of brainjit/integrators/ode.py (the B1 weights for the embedded pairs)
def F(s):
    return Fr(s)


TABLEAUS = {
    'euler': ([[]], [1], [0]),
    'midpoint': ([[], [F('1/2')]], [0, 1], [0, F('1/2')]),
    'heun2': ([[], [1]], [F('1/2'), F('1/2')], [0, 1]),
    'ralston2': ([[], [F('2/3')]], [F('1/4'), F('3/4')], [0, F('2/3')]),
    'rk2': ([[], [F('2/3')]], [F('1/4'), F('3/4')], [0, F('2/3')]),
    'rk3': ([[], [F('1/2')], [-1, 2]], [F('1/6'), F('2/3'), F('1/6')], [0, F('1/2'), 1]),
    'heun3': ([[], [F('1/3')], [0, F('2/3')]], [F('1/4'), 0, F('3/4')], [0, F('1/3'), F('2/3')]),
    'ralston3': ([[], [F('1/2')], [0, F('3/4')]], [F('2/9'), F('1/3'), F('4/9')], [0, F('1/2'), F('3/4')]),
    'ssprk3': ([[], [1], [F('1/4'), F('1/4')]], [F('1/6'), F('1/6'), F('2/3')], [0, 1, F('1/2')]),
    'rk4': ([[], [F('1/2')], [0, F('1/2')], [0, 0, 1]], [F('1/6'), F('1/3'), F('1/3'), F('1/6')],
            [0, F('1/2'), F('1/2'), 1]),
    'ralston4': ([[], [0.4], [0.29697761, 0.15875964], [0.21810040, -3.05096516, 3.83286476]],
                 [0.17476028, -0.55148066, 1.20553560, 0.17118478], [0, 0.4, 0.45573725, 1]),
    'rk4_38rule': ([[], [F('1/3')], [F('-1/3'), 1], [1, -1, 1]], [F('1/8'), F('3/8'), F('3/8'), F('1/8')],
                   [0, F('1/3'), F('2/3'), 1]),
    'rkf12': ([[], [F('1/2')], [F('1/256'), F('255/256')]], [F('1/512'), F('255/256'), F('1/512')],
              [0, F('1/2'), 1]),
    'rkf45': ([[], [F('1/4')], [F('3/32'), F('9/32')], [F('1932/2197'), F('-7200/2197'), F('7296/2197')],
               [F('439/216'), -8, F('3680/513'), F('-845/4104')],
               [F('-8/27'), 2, F('-3544/2565'), F('1859/4104'), F('-11/40')]],
              [F('16/135'), 0, F('6656/12825'), F('28561/56430'), F('-9/50'), F('2/55')],
              [0, F('1/4'), F('3/8'), F('12/13'), 1, F('1/2')]),
    'rkdp': ([[], [F('1/5')], [F('3/40'), F('9/40')], [F('44/45'), F('-56/15'), F('32/9')],
              [F('19372/6561'), F('-25360/2187'), F('64448/6561'), F('-212/729')],
              [F('9017/3168'), F('-355/33'), F('46732/5247'), F('49/176'), F('-5103/18656')],
              [F('35/384'), 0, F('500/1113'), F('125/192'), F('-2187/6784'), F('11/84')]],
             [F('35/384'), 0, F('500/1113'), F('125/192'), F('-2187/6784'), F('11/84'), 0],
             [0, F('1/5'), F('3/10'), F('4/5'), F('8/9'), 1, 1]),
    'ck': ([[], [F('1/5')], [F('3/40'), F('9/40')], [F('3/10'), F('-9/10'), F('6/5')],
            [F('-11/54'), F('5/2'), F('-70/27'), F('35/27')],
            [F('1631/55296'), F('175/512'), F('575/13824'), F('44275/110592'), F('253/4096')]],
           [F('37/378'), 0, F('250/621'), F('125/594'), 0, F('512/1771')],
           [0, F('1/5'), F('3/10'), F('3/5'), 1, F('7/8')]),
    'bs': ([[], [F('1/2')], [0, F('3/4')], [F('2/9'), F('1/3'), F('4/9')]], [F('2/9'), F('1/3'), F('4/9'), 0],
           [0, F('1/2'), F('3/4'), 1]),
    'heun_euler': ([[], [1]], [F('1/2'), F('1/2')], [0, 1]),
    'BoSh3': ([[], [F('1/2')], [0, F('3/4')], [F('2/9'), F('1/3'), F('4/9')]], [F('2/9'), F('1/3'), F('4/9'), 0],
              [0, F('1/2'), F('3/4'), 1]),
}
RK_METHODS = list(TABLEAUS)


def np_rk_step(f, A, B, C, x, t, dt):
    ks = []
    for row, c in zip(A, C):
        xs = x + dt * sum((float(a) * k for a, k in zip(row, ks)), np.zeros_like(x))
        ks.append(f(xs, t + float(c) * dt))
    return x + dt * sum(float(b) * k for b, k in zip(B, ks))


def f_test(x, t, a):
    """The one-step test problem (nonlinear in x, depends on t): brainjit form."""
    return -a * x + 0.3 * x * x + bm.sin(t)


def f_test_np(x, t, a=1.5):
    return -a * x + 0.3 * x * x + np.sin(t)


X0 = [0.5, -1.2, 2.0]

# One step of each method with BrainPy 2.8.2 (/work/venv-bp), f = -a x + 0.3 x^2 + sin(t), x0 = X0, t = 0.3, a = 1.5,
# dt = 0.1: the values BrainPy printed (f32 with x64 off, f64 with bm.enable_x64()). FHN: the JointEq of
# dV = V - V^3/3 - w + I, dw = (V + 0.7 - 0.8 w) / 12.5 with V = [0.1, -1], w = [0.2, 0.3], t = 0, I = 0.5, dt = 0.1.
# 'rkf45_adaptive': odeint(f, method='rkf45', adaptive=True) -> (x, dt_new).
BRAINPY_F32 = {
    'euler': [0.46205201745033264, -0.9472479820251465, 1.849552035331726],
    'midpoint': [0.469077467918396, -0.9700865745544434, 1.856716275215149],
    'heun2': [0.4690454304218292, -0.9696503281593323, 1.856843113899231],
    'ralston2': [0.46906721591949463, -0.9699407815933228, 1.8567590713500977],
    'rk2': [0.46906721591949463, -0.9699407815933228, 1.8567590713500977],
    'rk3': [0.46878141164779663, -0.9683561325073242, 1.8566663265228271],
    'heun3': [0.4687824547290802, -0.9683150053024292, 1.8566737174987793],
    'ralston3': [0.4687824249267578, -0.9683334231376648, 1.8566715717315674],
    'ssprk3': [0.4687846302986145, -0.9683374166488647, 1.8566749095916748],
    'rk4': [0.46879076957702637, -0.9684188365936279, 1.856671929359436],
    'ralston4': [0.4687907099723816, -0.9684197902679443, 1.8566720485687256],
    'rk4_38rule': [0.46879079937934875, -0.9684184789657593, 1.856671929359436],
    'rkf12': [0.46907567977905273, -0.9700756669044495, 1.8567161560058594],
    'rkf45': [0.46879053115844727, -0.9684168696403503, 1.856671929359436],
    'rkdp': [0.46879053115844727, -0.9684168100357056, 1.8566718101501465],
    'ck': [0.46879053115844727, -0.9684168100357056, 1.8566718101501465],
    'bs': [0.4687824249267578, -0.9683334231376648, 1.8566715717315674],
    'heun_euler': [0.4690454304218292, -0.9696503281593323, 1.856843113899231],
    'BoSh3': [0.4687824249267578, -0.9683334231376648, 1.8566715717315674],
    'exp_auto': [0.46424049139022827, -0.9733376502990723, 1.8517862558364868],
    'fhn_rk4': [[0.14173582196235657, -1.0463721752166748], [0.20526786148548126, 0.2955082654953003]],
    'fhn_exp_auto': [[0.14201194047927856, -1.0466666221618652], [0.20510363578796387, 0.2956938147544861]],
    'rkf45_adaptive': [[0.46879053115844727, -0.9684168696403503, 1.856671929359436], 0.5],
}
BRAINPY_F64 = {
    'euler': [0.46205202066613393, -0.947247979333866, 1.849552020666134],
    'midpoint': [0.46907745987409355, -0.9700865666687646, 1.8567162598941955],
    'heun2': [0.4690454069455643, -0.9696502930861792, 1.856843166055792],
    'ralston2': [0.469067209737567, -0.9699407079682529, 1.8567589961210442],
    'rk2': [0.469067209737567, -0.9699407079682529, 1.8567589961210442],
    'rk3': [0.4687814131077492, -0.9683561046389856, 1.856666389175948],
    'heun3': [0.4687824599650885, -0.9683149382900308, 1.8566737261682396],
    'ralston3': [0.4687824545299692, -0.9683334367808272, 1.85667146219954],
    'ssprk3': [0.46878463080188476, -0.9683374839059425, 1.8566749469172608],
    'rk4': [0.46879076463037483, -0.9684188327560742, 1.8566719297229681],
    'ralston4': [0.46879070773213727, -0.9684199004137398, 1.8566718379064453],
    'rk4_38rule': [0.4687907806279973, -0.9684184489676122, 1.8566718885248965],
    'rkf12': [0.4690756662611686, -0.9700756419866937, 1.856716214648864],
    'rkf45': [0.46879049987666377, -0.9684167235079623, 1.8566718180320751],
    'rkdp': [0.4687905029232255, -0.968416770817076, 1.856671817215927],
    'ck': [0.46879050238686776, -0.968416716603564, 1.856671817371879],
    'bs': [0.4687824545299692, -0.9683334367808272, 1.85667146219954],
    'heun_euler': [0.4690454069455643, -0.9696502930861792, 1.856843166055792],
    'BoSh3': [0.4687824545299692, -0.9683334367808272, 1.85667146219954],
    'exp_auto': [0.4642404922455008, -0.973337639873892, 1.8517863414027507],
    'fhn_rk4': [[0.14173582266337262, -1.0463721480888606], [0.20526785461777103, 0.2955082573059016]],
    'fhn_exp_auto': [[0.14201195056265975, -1.0466666666666666], [0.2051036508966808, 0.29569379455592554]],
    'rkf45_adaptive': [[0.46879049987666377, -0.9684167235079623, 1.8566718180320751], 0.5],
}


def fhn_dV(V, t, w, I):
    return V - V * V * V / 3 - w + I


def fhn_dw(w, t, V):
    return (V + 0.7 - 0.8 * w) / 12.5


def one_step_all(methods, backend, x64):
    """One step of each method (t = 0.3, a = 1.5, dt = 0.1 given positionally) inside one bm.jit."""
    igs = {m: bp.odeint(f_test, method=m, dt=0.1) for m in methods}

    def step(x):
        return [igs[m](x, 0.3, 1.5, 0.1) for m in methods]

    with precision(x64):
        x = np.asarray(X0, np.float64 if x64 else np.float32)
        outs = bm.jit(step, backend=backend)(x)
        return {m: np.asarray(o) for m, o in zip(methods, outs)}


@pytest.mark.parametrize('backend', BACKENDS)
def test_each_method_against_its_tableau(backend):
    got = one_step_all(RK_METHODS, backend, True)
    x = np.asarray(X0)
    for m, (A, B, C) in TABLEAUS.items():
        want = np_rk_step(f_test_np, A, B, C, x, 0.3, 0.1)
        assert got[m].dtype == np.float64
        np.testing.assert_allclose(got[m], want, rtol=1e-14, atol=1e-15, err_msg=m)
    # the methods differ from each other (a wrong tableau lookup would make them equal)
    assert not np.allclose(got['rk4'], got['rk3'], rtol=1e-9, atol=0)
    assert not np.allclose(got['midpoint'], got['heun2'], rtol=1e-9, atol=0)


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('x64', [False, True])
def test_one_step_matches_brainpy(backend, x64):
    ref = BRAINPY_F64 if x64 else BRAINPY_F32
    got = one_step_all(RK_METHODS, backend, x64)
    dtype = np.float64 if x64 else np.float32
    for m in RK_METHODS:
        assert got[m].dtype == dtype, m
        # brainjit applies the tableau entries in BrainPy's order of operations ('p/q' entries as `* p / q`):
        # the results agree to the last bits (a few ulp where XLA fuses differently)
        np.testing.assert_allclose(got[m], ref[m], rtol=4 * np.finfo(dtype).eps, atol=0, err_msg=m)


def test_adaptive_rkf45_matches_brainpy():
    for x64, ref in ((False, BRAINPY_F32), (True, BRAINPY_F64)):
        with precision(x64):
            ig = bp.odeint(f_test, method='rkf45', adaptive=True, dt=0.1)
            x, dt_new = bm.jit(lambda x: ig(x, 0.3, 1.5))(np.asarray(X0))
            np.testing.assert_allclose(np.asarray(x), ref['rkf45_adaptive'][0], rtol=4e-7 if not x64 else 1e-15)
            assert float(dt_new) == ref['rkf45_adaptive'][1]
            # a large error shrinks dt (the factor is clipped at 0.2)
            big = bp.odeint(lambda x, t: 50 * x * x, method='rkf45', adaptive=True, tol=1e-6)
            _, dt2 = big(bm.asarray([1.0]), 0., 0.1)
            assert 0.02 - 1e-9 <= float(dt2) < 0.1


def test_rk2_beta():
    with precision(True):
        x = bm.asarray(X0)
        mid = bp.odeint(f_test, method='midpoint')(x, 0.3, 1.5)
        heun = bp.odeint(f_test, method='heun2')(x, 0.3, 1.5)
        np.testing.assert_allclose(np.asarray(bp.odeint(f_test, method='rk2', beta=0.5)(x, 0.3, 1.5)),
                                   np.asarray(mid), rtol=1e-15)
        np.testing.assert_allclose(np.asarray(bp.odeint(f_test, method='rk2', beta=1.)(x, 0.3, 1.5)),
                                   np.asarray(heun), rtol=1e-15)


# ---------------------------------------------------------------------------------------------------- orders
# x' = -2 t x^2, x(0) = 1: x(t) = 1 / (1 + t^2) (nonlinear, time-dependent); the fifth-order pairs on x' = x cos t,
# x(0) = 1: x(t) = exp(sin t) (on the first problem RKF45's leading error term changes sign in this range of dt).
ORDERS = {'euler': 1, 'midpoint': 2, 'heun2': 2, 'ralston2': 2, 'rk2': 2, 'rkf12': 2, 'heun_euler': 2,
          'rk3': 3, 'heun3': 3, 'ralston3': 3, 'ssprk3': 3, 'bs': 3, 'BoSh3': 3,
          'rk4': 4, 'ralston4': 4, 'rk4_38rule': 4, 'rkf45': 5, 'rkdp': 5, 'ck': 5}
FIFTH = ('rkf45', 'rkdp', 'ck')
T_END = 2.0
NS = [20, 40, 80, 160]


@pytest.mark.parametrize('backend', BACKENDS)
def test_convergence_orders(backend):
    def f1(x, t):
        return -2. * t * x * x

    def f2(x, t):
        return x * bm.cos(t)

    with precision(True):
        igs = {m: bp.odeint(f2 if m in FIFTH else f1, method=m) for m in ORDERS}
        xs = {m: bm.Variable(bm.ones(1)) for m in ORDERS}

        def run(n, dt):
            for v in xs.values():
                v.value = bm.ones(1)

            def body(i):
                t = i * dt
                for m, ig in igs.items():  # steps past n leave x alone: one compiled loop serves every dt
                    xs[m].value = bm.where(i < n, ig(xs[m].value, t, dt), xs[m].value)

            bm.for_loop(body, bm.arange(NS[-1]))
            return [xs[m].value for m in ORDERS]

        jrun = bm.jit(run, backend=backend)
        errs = []
        for n in NS:
            out = jrun(n, T_END / n)
            errs.append([abs(float(o[0]) - (math.exp(math.sin(T_END)) if m in FIFTH else 1 / (1 + T_END ** 2)))
                         for m, o in zip(ORDERS, out)])
    errs = np.asarray(errs)
    for j, (m, order) in enumerate(ORDERS.items()):
        slope = np.polyfit(np.log2(NS), -np.log2(errs[:, j]), 1)[0]
        assert abs(slope - order) < 0.2, (m, order, slope, errs[:, j])


# ---------------------------------------------------------------------------------------------------- exp Euler
def np_exprel(z):
    z = np.asarray(z, np.float64)
    small = np.abs(z) < 1e-8
    return np.where(small, 1 + z / 2, np.expm1(np.where(small, 1., z)) / np.where(small, 1., z))


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('x64', [False, True])
def test_exp_auto_exact_on_linear(backend, x64):
    needs_jvp()
    tau, V_rest, R = np.array([10., 0.05, 1.]), -65., 2.

    def dV(V, t, I):
        return (-(V - V_rest) + R * I) / tau

    with precision(x64):
        ig = bp.odeint(dV, method='exp_auto')
        V = bm.Variable(bm.asarray([-70., -60., -65.]))

        def run(Is):
            def body(I):
                V.value = ig(V.value, 0., I, 0.1)
                return V.value
            return bm.for_loop(body, Is)

        Is = np.linspace(0., 5., 50)
        hist = np.asarray(bm.jit(run, backend=backend)(Is))
    dtype = np.float64 if x64 else np.float32
    assert hist.dtype == dtype
    # exact solution of the linear ODE over each step (I constant within the step)
    v, want = np.array([-70., -60., -65.]), []
    for I in Is:
        inf = V_rest + R * I
        v = inf + (v - inf) * np.exp(-0.1 / tau)
        want.append(v)
    np.testing.assert_allclose(hist, np.asarray(want), rtol=1e-12 if x64 else 2e-6, atol=0)


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('x64', [False, True])
def test_exp_auto_nonlinear_against_hand_step(backend, x64):
    needs_jvp()

    def f(x, t, I):
        return -x * x * x + bm.sin(t) * x + I

    with precision(x64):
        ig = bp.odeint(f, method='exp_auto', dt=0.05)
        x = bm.Variable(bm.asarray([0.5, -1.0, 2.0, 0.0]))

        def run(ts):
            def body(t):
                x.value = ig(x.value, t, 0.3)
                return x.value
            return bm.for_loop(body, ts)

        ts = np.arange(40) * 0.05
        hist = np.asarray(bm.jit(run, backend=backend)(ts))
    v, want = np.array([0.5, -1.0, 2.0, 0.0]), []
    for t in ts:
        J = -3 * v * v + np.sin(t)  # df/dx by hand
        v = v + 0.05 * np_exprel(0.05 * J) * (-v ** 3 + np.sin(t) * v + 0.3)
        want.append(v)
    np.testing.assert_allclose(hist, np.asarray(want), rtol=1e-12 if x64 else 1e-5, atol=1e-14 if x64 else 1e-6)


def test_exp_auto_matches_brainpy():
    needs_jvp()
    for x64, ref in ((False, BRAINPY_F32), (True, BRAINPY_F64)):
        with precision(x64):
            ig = bp.odeint(f_test, method='exp_auto', dt=0.1)
            got = np.asarray(bm.jit(lambda x: ig(x, 0.3, 1.5))(np.asarray(X0)))
            np.testing.assert_allclose(got, ref['exp_auto'], rtol=1e-6 if not x64 else 1e-14)
            fhn = bp.odeint(bp.JointEq(fhn_dV, fhn_dw), method='exp_auto', dt=0.1)
            V, w = fhn(bm.asarray([0.1, -1.0]), bm.asarray([0.2, 0.3]), 0., 0.5)
            np.testing.assert_allclose(np.asarray(V), ref['fhn_exp_auto'][0], rtol=1e-6 if not x64 else 1e-14)
            np.testing.assert_allclose(np.asarray(w), ref['fhn_exp_auto'][1], rtol=1e-6 if not x64 else 1e-14)


def test_exp_auto_eager_and_variables():
    needs_jvp()
    ig = bp.odeint(lambda V, t, I: (-V + I) / 10., method='exp_euler')
    V = bm.Variable(bm.zeros(3))
    out = ig(V, 0., 1.0)  # a Variable as the variable: its value is integrated
    np.testing.assert_allclose(np.asarray(out), 1 - np.exp(-0.01), rtol=1e-6)
    assert float(ig(0., 0., 1.0)) == pytest.approx(1 - np.exp(-0.01), rel=1e-6)  # Python numbers work
    with pytest.raises(ValueError, match='float32, float64'):
        ig(bm.zeros(3, dtype=bm.int32), 0., 1.)


# ---------------------------------------------------------------------------------------------------- JointEq
def np_fhn(V, w, t, I=0.5):
    return np.array([V - V ** 3 / 3 - w + I, (V + 0.7 - 0.8 * w) / 12.5])


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('x64', [False, True])
def test_joint_eq_fhn_against_numpy_rk4(backend, x64):
    with precision(x64):
        ig = bp.odeint(bp.JointEq(fhn_dV, fhn_dw), method='rk4', dt=0.01)
        assert ig.variables == ['V', 'w'] and ig.parameters == ['t', 'I']
        V, w = bm.Variable(bm.asarray([0.1, -1.0])), bm.Variable(bm.asarray([0.2, 0.3]))

        def run(ts):
            def body(t):
                V.value, w.value = ig(V.value, w.value, t, 0.5)
            bm.for_loop(body, ts)
            return V.value, w.value

        got = np.asarray(bm.jit(run, backend=backend)(np.arange(1000) * 0.01))
    # numpy RK4 at dt / 10
    y, h = np.array([[0.1, -1.0], [0.2, 0.3]]), 0.001
    for i in range(10000):
        t = i * h
        k1 = np_fhn(*y, t)
        k2 = np_fhn(*(y + h / 2 * k1), t + h / 2)
        k3 = np_fhn(*(y + h / 2 * k2), t + h / 2)
        k4 = np_fhn(*(y + h * k3), t + h)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    np.testing.assert_allclose(got, y, rtol=0, atol=1e-7 if x64 else 2e-4)


def test_joint_eq_couples_the_stages():
    with precision(True):
        joint = bp.odeint(bp.JointEq(fhn_dV, fhn_dw), method='rk4', dt=0.1)
        iv, iw = bp.odeint(fhn_dV, method='rk4', dt=0.1), bp.odeint(fhn_dw, method='rk4', dt=0.1)
        V, w = bm.asarray([0.1, -1.0]), bm.asarray([0.2, 0.3])
        Vj, wj = joint(V, w, 0., 0.5)
        Vs, ws = iv(V, 0., w, 0.5), iw(w, 0., V)
        # the joint step: numpy RK4 on the system
        h, y = 0.1, np.array([[0.1, -1.0], [0.2, 0.3]])
        k1 = np_fhn(*y, 0.)
        k2 = np_fhn(*(y + h / 2 * k1), h / 2)
        k3 = np_fhn(*(y + h / 2 * k2), h / 2)
        k4 = np_fhn(*(y + h * k3), h)
        want = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        np.testing.assert_allclose(np.asarray([Vj, wj]), want, rtol=1e-14)
        assert np.abs(np.asarray(Vs) - np.asarray(Vj)).max() > 1e-6  # held separately: a different step
        assert np.abs(np.asarray(ws) - np.asarray(wj)).max() > 1e-7
        np.testing.assert_allclose(np.asarray([Vj, wj]), BRAINPY_F64['fhn_rk4'], rtol=1e-14)


def test_joint_eq_signature_and_nesting():
    def dx(x, t, y, a=1.):
        return -a * x + y

    def dy(y, t, x, z, b=2.):
        return -b * y + x * z

    def dz(z, t):
        return -z

    eq = bp.JointEq(dx, dy)
    assert eq.arg_keys == ['x', 'y', 't', 'z'] and eq.kwarg_keys == ['a', 'b']
    import inspect
    assert str(inspect.signature(eq)) == '(x, y, t, z, a=1.0, b=2.0)'
    assert eq(1., 2., 0., 3.) == [1., 2 * -2. + 3.]
    nested = bp.JointEq(eq, dz)
    assert nested.arg_keys == ['x', 'y', 'z', 't']
    ig = bp.odeint(nested, method='euler', dt=0.5)
    assert ig.variables == ['x', 'y', 'z'] and ig.arguments == ['x', 'y', 'z', 't', 'a=1.0', 'b=2.0', 'dt=0.5']
    x, y, z = ig(1., 2., 3., 0., b=1.)
    assert (x, y, z) == (1 + 0.5 * 1., 2 + 0.5 * (-2. + 3.), 3 - 1.5)
    assert bp.JointEq([dx, [dy]]).eqs == [dx, dy]  # lists flatten


def test_joint_eq_errors():
    with pytest.raises(errors.DiffEqError, match='Variable "x" has been used'):
        bp.JointEq(lambda x, t: x, lambda x, t: x)
    with pytest.raises(errors.DiffEqError, match='only supports callable'):
        bp.JointEq(1)
    with pytest.raises(errors.DiffEqError, match='VAR_POSITIONAL'):
        bp.JointEq(lambda x, t, *a: x)
    with pytest.raises(errors.DiffEqError, match='two different default'):
        bp.JointEq(lambda x, t, a=1.: x, lambda y, t, a=2.: y)
    with pytest.raises(ValueError, match='Do not find time variable "t"'):
        bp.JointEq(lambda x: x)


# ---------------------------------------------------------------------------------------------------- SDEs
def _seeded_normal(seed, shape):
    bm.random.seed(seed)
    return np.asarray(bm.random.randn(*shape), np.float64)


@pytest.mark.parametrize('backend', BACKENDS)
def test_sde_steps_against_hand_formulas(backend):
    """One step of each SDE method with the noise the integrator drew, redrawn from the same seed."""
    needs_grad = ('milstein', 'exp_auto')
    mu, sig = 0.1, 0.3

    def f(x, t, I):
        return mu * x + I

    def g(x, t, I):
        return sig * x * x

    x0, dt = np.array([0.5, 1.0, 2.0, -1.0]), 0.01
    with precision(True):
        for method, kw in [('euler', {}), ('euler', {'intg_type': 'Stratonovich'}),
                           ('heun', {'intg_type': 'Stratonovich'}), ('milstein', {}),
                           ('milstein', {'intg_type': 'Stratonovich'}), ('milstein2', {}), ('exp_auto', {})]:
            if method in needs_grad and not hasattr(bm, 'jvp'):
                continue
            ig = bp.sdeint(f, g, method=method, dt=dt, **kw)
            bm.random.seed(7)
            got = np.asarray(bm.jit(lambda x: ig(x, 0., 0.2), backend=backend)(x0))
            xi = _seeded_normal(7, x0.shape)
            dW = xi * math.sqrt(dt)
            fx, gx = mu * x0 + 0.2, sig * x0 * x0
            strat = kw.get('intg_type') == 'Stratonovich'
            if method == 'euler' and not strat:
                want = x0 + fx * dt + gx * dW
            elif method in ('euler', 'heun'):
                want = x0 + fx * dt + (gx + sig * (x0 + gx * dW) ** 2) / 2 * dW
            elif method == 'milstein':
                want = x0 + fx * dt + gx * dW + gx * (2 * sig * x0) / 2 * (dW ** 2 - (0 if strat else dt))
            elif method == 'milstein2':
                gbar = sig * (x0 + fx * dt + gx * math.sqrt(dt)) ** 2
                want = x0 + fx * dt + gx * dW + (gbar - gx) / 2 / math.sqrt(dt) * (dW ** 2 - dt)
            else:  # exponential Euler of the drift (linear part mu), then the noise
                want = x0 + dt * np_exprel(dt * mu) * fx + gx * dW
            np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=f'{method} {kw}')


def _ou_run(ig, backend, n_particles, n_steps, x0):
    x = bm.Variable(bm.full(n_particles, x0))

    def run(ts):
        def body(t):
            x.value = ig(x.value, t)
            return bm.mean(x.value)
        return bm.for_loop(body, ts)

    means = np.asarray(bm.jit(run, backend=backend)(np.arange(n_steps) * ig.dt))
    return means, np.asarray(x.value, np.float64)


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('x64', [False, True])
@pytest.mark.parametrize('method', ['euler', 'exp_auto'])
def test_sde_ou_statistics(backend, x64, method):
    """dx = theta (mu - x) dt + sigma dW: the discrete scheme's exact mean and variance after n steps."""
    if method == 'exp_auto':
        needs_jvp()
    theta, mu, sigma, dt, n, N, x0 = 1.0, 0.5, 0.4, 0.01, 300, 4000, 2.0
    with precision(x64):
        ig = bp.sdeint(lambda x, t: theta * (mu - x), lambda x, t: sigma, method=method, dt=dt)
        bm.random.seed(2024)
        means, final = _ou_run(ig, backend, N, n, x0)
    assert means.dtype == (np.float64 if x64 else np.float32)
    a = 1 - theta * dt if method == 'euler' else math.exp(-theta * dt)
    mean_n = mu + (x0 - mu) * a ** np.arange(1, n + 1)
    var_n = sigma ** 2 * dt * (1 - a ** (2 * np.arange(1, n + 1))) / (1 - a * a)
    se = np.sqrt(var_n / N)
    assert np.all(np.abs(means - mean_n)[[9, 99, n - 1]] < 5 * se[[9, 99, n - 1]]), (means[-1], mean_n[-1])
    assert abs(final.var() / var_n[-1] - 1) < 5 * math.sqrt(2 / N)
    assert final.std() > 0.1  # noise was drawn at all


@pytest.mark.parametrize('backend', BACKENDS)
def test_sde_gbm_statistics(backend):
    """Geometric Brownian motion dX = m X dt + s X dW: mean (1 + m dt)^n (Itô, Euler–Maruyama and Milstein) and
    exp((m + s^2 / 2) t) to first order (Stratonovich, Heun)."""
    m, s, dt, n, N = 0.2, 0.5, 0.01, 200, 4000
    for method, kw in [('euler', {}), ('milstein', {}), ('heun', {'intg_type': 'Stratonovich'})]:
        if method == 'milstein' and not hasattr(bm, 'jvp'):
            continue
        ig = bp.sdeint(lambda x, t: m * x, lambda x, t: s * x, method=method, dt=dt, **kw)
        bm.random.seed(11)
        _, final = _ou_run(ig, backend, N, n, 1.0)
        want = math.exp((m + s * s / 2) * n * dt) if kw else (1 + m * dt) ** n
        var = want ** 2 * (math.exp(s * s * n * dt) - 1)  # lognormal variance (close enough for the bound)
        assert abs(final.mean() - want) < 5 * math.sqrt(var / N), (method, final.mean(), want)


def test_sde_vector_wiener_and_none_diffusion():
    with precision(True):
        ig = bp.sdeint(lambda x, y, t: (-x, -y), lambda x, y, t: (bm.ones((3, 2)) * 0.5, None),
                       wiener_type='vector', dt=0.04)
        x0, y0 = bm.ones(3), bm.ones(3)
        bm.random.seed(3)
        x, y = ig(x0, y0, 0.)
        xi = _seeded_normal(3, (3, 2))
        np.testing.assert_allclose(np.asarray(x), 1 - 0.04 + (0.5 * xi).sum(-1) * 0.2, rtol=1e-13)
        np.testing.assert_allclose(np.asarray(y), 1 - 0.04, rtol=1e-15)  # None: no noise
        with pytest.raises(ValueError, match='multiple dimensional'):
            bp.sdeint(lambda x, t: -x, lambda x, t: 0.5, wiener_type='vector')(bm.ones(3), 0.)


def test_sdeint_forms_and_errors():
    f, g = (lambda x, t: -x), (lambda x, t: 0.1)
    assert isinstance(bp.sdeint(f)(g), bp.integrators.sde.Euler)
    assert isinstance(bp.sdeint(g=g)(f), bp.integrators.sde.Euler)
    ig = bp.sdeint(f, g, method='milstein2', dt=0.2)
    assert (ig.f, ig.g, ig.dt, ig.variables, ig.parameters) == (f, g, 0.2, ['x'], ['t'])
    assert (ig.intg_type, ig.wiener_type, ig.var_type) == ('Ito', 'scalar', 'scalar')
    with pytest.raises(ValueError, match='Must provide "f" or "g"'):
        bp.sdeint()
    with pytest.raises(ValueError, match='Unknown SDE numerical method "foo". Currently BrainPy only support: '):
        bp.sdeint(f, g, method='foo')
    with pytest.raises(errors.IntegratorError, match='Heun method only supports Stranovich'):
        bp.sdeint(f, g, method='heun')
    for key, msg in (('intg_type', 'SDE_INT types'), ('wiener_type', 'Wiener Process types'),
                     ('var_type', 'variable types')):
        with pytest.raises(errors.IntegratorError, match=msg):
            bp.sdeint(f, g, **{key: 'foo'})
    with pytest.raises(NotImplementedError):
        bp.sdeint(f, g, method='exp_auto', intg_type='Stratonovich')
    assert bp.integrators.sde.get_supported_methods()[:3] == ['euler', 'heun', 'milstein']
    assert bp.integrators.get_default_sdeint() == 'euler'


# ---------------------------------------------------------------------------------------------------- parsing
def test_odeint_arguments_and_attributes():
    def dV(V, w, t, I, a=2.):
        return -a * V + I, -w

    ig = bp.odeint(dV, method='rk4', dt=0.05)
    assert ig.f is dV and ig.dt == 0.05 and ig.method == 'rk4'
    assert ig.variables == ['V', 'w'] and ig.parameters == ['t', 'I', 'a']
    assert ig.arguments == ['V', 'w', 't', 'I', 'a=2.0', 'dt=0.05']
    assert ig.arg_names == ['V', 'w', 't', 'I', 'a', 'dt']
    ref = ig(1., 1., 0., 0.5)
    assert isinstance(ref, tuple) and len(ref) == 2
    same = [ig(1., 1., 0., 0.5, 2.), ig(1., 1., 0., 0.5, 2., 0.05), ig(1., 1., 0., I=0.5, dt=0.05),
            ig(V=1., w=1., t=0., I=0.5, a=2.)]
    for s in same:
        assert s == ref
    assert ig(1., 1., 0., 0.5, 2., 0.1) != ref  # positional dt after the parameters
    assert ig(1., 1., 0., 0.5, dt=0.1) == ig(1., 1., 0., 0.5, 2., 0.1)
    with pytest.raises(TypeError, match="missing a required argument: 'I'"):
        ig(1., 1., 0.)
    with pytest.raises(TypeError):
        ig(1., 1., 0., 0.5, 2., 0.1, 7)
    with pytest.raises(ValueError, match='Cannot set "dt" by users.'):
        ig.dt = 0.2
    with pytest.raises(ValueError, match='Cannot set "variables" by users.'):
        ig.variables = ['x']
    assert ig.name.startswith('RK4')


def test_odeint_forms_default_method_and_dt():
    assert bp.integrators.get_default_odeint() == 'euler'  # BrainPy's default (2.6 and 2.8)

    @bp.odeint
    def a(x, t):
        return -x

    @bp.odeint(method='rk4', dt=0.2)
    def b(x, t):
        return -x

    assert type(a).__name__ == 'Euler' and type(b).__name__ == 'RK4' and b.dt == 0.2
    assert a(1., 0.) == pytest.approx(0.9)
    old = bm.get_dt()
    try:
        bm.set_dt(0.05)
        assert bp.odeint(lambda x, t: -x).dt == 0.05  # bm.get_dt() when the integrator is made
    finally:
        bm.set_dt(old)
    try:
        bp.integrators.set_default_odeint('rk2')
        assert type(bp.odeint(lambda x, t: -x)).__name__ == 'RK2'
    finally:
        bp.integrators.set_default_odeint('euler')
    with pytest.raises(ValueError, match='Unsupported ODE_INT numerical method'):
        bp.integrators.set_default_odeint('foo')
    names = bp.integrators.ode.get_supported_methods()
    for m in ['euler', 'midpoint', 'heun2', 'ralston2', 'rk2', 'rk3', 'heun3', 'ralston3', 'ssprk3', 'rk4',
              'ralston4', 'rk4_38rule', 'exp_euler', 'exp_auto']:
        assert m in names
    assert bp.integrators.get_supported_methods() == names


def test_odeint_signature_errors():
    with pytest.raises(ValueError) as e:
        bp.odeint(lambda x, t: -x, method='foo')
    assert str(e.value).startswith('Unknown ODE numerical method "foo". Currently BrainPy only support: [')
    with pytest.raises(ValueError, match='Do not find time variable "t".'):
        bp.odeint(lambda x: -x)
    with pytest.raises(errors.CodeError, match='dt is a system keyword'):
        bp.odeint(lambda x, t, dt: -x)
    with pytest.raises(errors.DiffEqError, match='KEYWORD_ONLY'):
        bp.odeint(lambda x, t, *, a: -x)
    with pytest.raises(errors.DiffEqError, match='VAR_KEYWORD'):
        bp.odeint(lambda x, t, **a: -x)
    with pytest.raises(errors.DiffEqError, match='one variable per derivative'):
        bp.odeint(lambda x, y, t: (-x, -y), method='exp_auto')
    with pytest.raises(NotImplementedError):
        bp.odeint(lambda x, t: -x, method='exp_auto', var_type='system')
    with pytest.raises(errors.IntegratorError, match='"var_type" only supports'):
        bp.odeint(lambda x, t: -x, method='rkf45', var_type='foo')
    with pytest.raises(ValueError, match='dt must be a float'):
        bp.odeint(lambda x, t: -x, dt='a')
    two = bp.odeint(lambda x, y, t: -x, method='rk4')
    with pytest.raises(ValueError, match='2 values'):
        two(1., 1., 0.)


def test_integral_of_a_bound_method_and_varargs():
    class Neuron:
        def __init__(self):
            self.tau = 10.
            self.integral = bp.odeint(self.derivative, method='rk2')

        def derivative(self, V, t, I):
            return (-V + I) / self.tau

    n = Neuron()
    assert n.integral.variables == ['V'] and n.integral.parameters == ['t', 'I']
    np.testing.assert_allclose(n.integral(0., 0., 1.), np_rk_step(lambda v, t: (-v + 1.) / 10., *TABLEAUS['rk2'],
                                                                  np.float64(0.), 0., 0.1), rtol=1e-15)
    ig = bp.odeint(lambda x, t, *args: -x * sum(args), method='euler', dt=0.5)
    assert ig.arguments == ['x', 't', '*args', 'dt=0.5']
    assert ig(1., 0., 1., 1.) == 0.
    assert ig(1., 0., 1., dt=0.25) == 0.75


def test_state_delays_are_updated():
    class Rec:
        def __init__(self):
            self.got = []

        def update(self, v):
            self.got.append(v)

    rec = Rec()
    ig = bp.odeint(lambda x, y, t: (-x, -y), method='euler', state_delays={'y': rec}, dt=0.5)
    ig(1., 2., 0.)
    assert rec.got == [1.]
    with pytest.raises(errors.DiffEqError, match='not defined in the variables'):
        bp.odeint(lambda x, t: -x, state_delays={'z': rec})
