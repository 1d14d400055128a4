"""bp.measure (firing_rate, cross_correlation, voltage_fluctuation, ...) and bp.visualize with and without
matplotlib."""

import builtins
import sys
import types

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm
from brainjit import errors, measure, visualize

T, N = 60, 5
_k = np.arange(T)[:, None] * 7 + np.arange(N)[None, :] * 3
SP = (_k % 11 == 0)
V = np.sin(np.arange(T)[:, None] * 0.3 + np.arange(N)[None, :]) * (1 + np.arange(N)[None, :] * 0.1)

# BrainPy 2.8.2 (/work/venv-bp) on SP and V above
BP_RATE_1_5 = [533.3333333333334, 533.3333333333334, 666.6666666666667, 666.6666666666667, 800.0000000000001,
               800.0000000000001, 800.0000000000001, 933.3333333333335, 800.0000000000001, 933.3333333333335,
               933.3333333333335, 933.3333333333335]
BP_CC = {0.5: 0.3360593616962433, 0.3: 0.13302968442440033}
BP_VF = 0.06569303572177887


def _rate_by_hand(sp, width, dt):
    h = int(width / 2 / dt)
    mean = sp.mean(axis=1)
    out = np.array([mean[max(0, t - h):t + h + 1].sum() for t in range(len(mean))])
    return out * 1000. / ((2 * h + 1) * dt)


@pytest.mark.parametrize('width', [1.5, 1., 4.])
def test_firing_rate_against_numpy(width):
    want = _rate_by_hand(SP, width, 0.1)
    got = measure.firing_rate(SP, width, dt=0.1)
    assert isinstance(got, np.ndarray) and got.shape == (T,)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    got2 = measure.firing_rate(bm.asarray(SP), width, dt=0.1, numpy=False)
    assert isinstance(got2, bm.Array)
    np.testing.assert_allclose(np.asarray(got2), want, rtol=1e-5)
    jitted = bm.jit(lambda s: measure.firing_rate(s, width, dt=0.1, numpy=False))
    np.testing.assert_allclose(np.asarray(jitted(SP)), want, rtol=1e-5)


def test_firing_rate_values_and_default_dt():
    np.testing.assert_allclose(measure.firing_rate(SP, 1.5, dt=0.1)[:12], BP_RATE_1_5, rtol=1e-12)
    np.testing.assert_allclose(measure.firing_rate(SP, 1.5), measure.firing_rate(SP, 1.5, dt=bm.get_dt()))
    # a window longer than the recording: numpy's 'same' mode gives the longer length, both paths alike
    short = SP[:5]
    np.testing.assert_allclose(np.asarray(measure.firing_rate(short, 2., 0.1, numpy=False)),
                               measure.firing_rate(short, 2., 0.1), rtol=1e-5)
    assert bp.measure.firing_rate is measure.firing_rate


def _cc_by_hand(sp, bin_, dt):
    b = int(round(bin_ / dt))
    nb = -(-len(sp) // b)
    pad = np.zeros((nb * b, sp.shape[1]))
    pad[:len(sp)] = sp
    states = pad.reshape(nb, b, -1).sum(1) > 0
    vals = []
    for i in range(sp.shape[1]):
        for j in range(i):
            d = np.sqrt(states[:, i].sum() * states[:, j].sum())
            vals.append(0. if d == 0 else (states[:, i] & states[:, j]).sum() / d)
    return np.mean(vals)


@pytest.mark.parametrize('bin_', [0.5, 0.3, 0.1])
def test_cross_correlation(bin_):
    want = _cc_by_hand(SP, bin_, 0.1)
    np.testing.assert_allclose(measure.cross_correlation(SP, bin_, dt=0.1), want, rtol=1e-12)
    np.testing.assert_allclose(float(measure.cross_correlation(SP, bin_, dt=0.1, numpy=False)), want, rtol=1e-6)
    if bin_ in BP_CC:
        np.testing.assert_allclose(measure.cross_correlation(SP, bin_, dt=0.1), BP_CC[bin_], rtol=1e-6)


def test_cross_correlation_edges():
    assert measure.cross_correlation(SP[:, :1], 1., 0.1) == 0.
    assert measure.cross_correlation(np.zeros((10, 3)), 1., 0.1) == 0.
    with pytest.raises(ValueError):
        measure.cross_correlation(SP, 0.01, 0.1)
    with pytest.raises(ValueError):
        measure.cross_correlation(SP, 1., 0.1, method='fast')


def test_voltage_fluctuation():
    want = np.var(V.mean(1)) / np.mean(V.var(0))
    np.testing.assert_allclose(measure.voltage_fluctuation(V), want, rtol=1e-12)
    np.testing.assert_allclose(measure.voltage_fluctuation(V), BP_VF, rtol=1e-6)
    np.testing.assert_allclose(float(measure.voltage_fluctuation(bm.asarray(V), numpy=False)), want, rtol=1e-5)
    assert measure.voltage_fluctuation(np.ones((10, 3))) == 1.


def test_raster_and_correlations():
    idx, times = measure.raster_plot(SP, np.arange(T) * 0.1)
    rows, cols = np.nonzero(SP)
    np.testing.assert_array_equal(idx, cols)
    np.testing.assert_allclose(times, rows * 0.1)
    x = np.arange(16.).reshape(4, 4)
    assert measure.matrix_correlation(x, x) == pytest.approx(1.)
    fc = measure.functional_connectivity(V)
    np.testing.assert_allclose(fc, np.corrcoef(V.T), rtol=1e-12)
    w = np.linspace(1, 2, T)
    a, b = V[:, 0], V[:, 1]
    ma, mb = np.average(a, weights=w), np.average(b, weights=w)
    want = np.average((a - ma) * (b - mb), weights=w) / np.sqrt(np.average((a - ma) ** 2, weights=w)
                                                                 * np.average((b - mb) ** 2, weights=w))
    np.testing.assert_allclose(measure.weighted_correlation(a, b, w), want, rtol=1e-12)
    np.testing.assert_allclose(float(measure.weighted_correlation(a, b, w, numpy=False)), want, rtol=1e-4)


# ---------------------------------------------------------------------------------------------------- visualize
def test_visualize_without_matplotlib(monkeypatch):
    real_import = builtins.__import__

    def no_mpl(name, *args, **kwargs):
        if name == 'matplotlib' or name.startswith('matplotlib.'):
            raise ImportError(f'No module named {name!r}')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_mpl)
    for mod in [m for m in sys.modules if m == 'matplotlib' or m.startswith('matplotlib.')]:
        monkeypatch.delitem(sys.modules, mod)
    for call in (lambda: visualize.raster_plot(np.arange(T), SP), lambda: visualize.line_plot(np.arange(T), V),
                 visualize.show, lambda: visualize.get_figure(1, 1)):
        with pytest.raises(ImportError, match='pip install matplotlib') as e:
            call()
        assert isinstance(e.value, errors.PackageMissingError)
    assert bp.visualize is visualize  # importing bp.visualize itself needs no matplotlib


class _FakePlt:
    """Records pyplot calls (the test of what is drawn, where matplotlib is not installed)."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *a, **k: self.calls.append((name, a, k))


def _fake_matplotlib(monkeypatch):
    plt = _FakePlt()
    mpl = types.ModuleType('matplotlib')
    pyplot = types.ModuleType('matplotlib.pyplot')
    pyplot.__getattr__ = plt.__getattr__
    mpl.pyplot = pyplot
    monkeypatch.setitem(sys.modules, 'matplotlib', mpl)
    monkeypatch.setitem(sys.modules, 'matplotlib.pyplot', pyplot)
    return plt


def test_visualize_draws_the_data(monkeypatch):
    plt = _fake_matplotlib(monkeypatch)
    ts = np.arange(T) * 0.1
    visualize.raster_plot(ts, SP, xlim=(0, 3), title='E', show=True)
    name, args, kw = plt.calls[0]
    rows, cols = np.nonzero(SP)
    assert name == 'plot' and args[2] == '.k' and kw['markersize'] == 2
    np.testing.assert_allclose(args[0], ts[rows])
    np.testing.assert_array_equal(args[1], cols)
    assert [c[0] for c in plt.calls[1:]] == ['xlim', 'xlabel', 'ylabel', 'title', 'show']
    plt.calls.clear()
    visualize.line_plot(ts, V, plot_ids=[1, 3], legend='V')
    plots = [c for c in plt.calls if c[0] == 'plot']
    assert len(plots) == 2 and plots[1][2]['label'] == 'V-3'
    np.testing.assert_array_equal(plots[1][1][1], V[:, 3])
    assert ('legend', (), {}) in plt.calls
    with pytest.raises(errors.BrainPyError):
        visualize.line_plot(ts, V, plot_ids='all')
    with pytest.raises(errors.BrainPyError):
        visualize.raster_plot(None, SP)


def test_visualize_with_real_matplotlib():
    mpl = pytest.importorskip('matplotlib')
    mpl.use('Agg')
    import matplotlib.pyplot as plt
    ts = np.arange(T) * 0.1
    fig, gs = visualize.get_figure(1, 2)
    ax = fig.add_subplot(gs[0, 0])
    visualize.raster_plot(ts, SP, ax=ax)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), ts[np.nonzero(SP)[0]])
    ax2 = fig.add_subplot(gs[0, 1])
    visualize.line_plot(ts, V, plot_ids=[0, 2], ax=ax2, legend='V')
    assert len(ax2.get_lines()) == 2
    np.testing.assert_allclose(ax2.get_lines()[1].get_ydata(), V[:, 2])
    plt.close(fig)
