"""The issue-12 networks of examples/python (COBA, CUBA, COBA-HH through bp.DSRunner): spike for spike the same as
the C examples (examples/coba, cuba, coba_hh: the same models written with the C API from the same seeds), in their
rate bands on three seeds, and the monitors' shapes as BrainPy documents them."""
import importlib.util
import os
import subprocess

import numpy as np
import pytest

import brainjit as bp
import brainjit.math as bm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.environ.get('BJ_EXAMPLES_DIR', os.path.join(ROOT, 'build', 'examples'))


def _script(name):
    spec = importlib.util.spec_from_file_location(f'ex_{name}', os.path.join(ROOT, 'examples', 'python', name + '.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(name, cls, n, ms, seed, **kw):
    mod = _script(name)
    net = getattr(mod, cls)(n, prob=min(1., 80. / n), seed=seed)
    ne = net.ne
    runner = bp.DSRunner(net, monitors={'spike': net.N.spike}, progress_bar=False, **kw)
    runner.run(ms)
    spk = runner.mon['spike']
    return spk, ne


def _c_spikes(n, seconds, seed, tmp_path, model='coba'):
    exe = os.path.join(EXAMPLES, model)
    assert os.path.exists(exe), f'{exe} is missing: build it with `make examples` (make py-test does)'
    out = str(tmp_path / 'c.npy')
    subprocess.run([exe, '--n', str(n), '--duration', str(seconds), '--seed', str(seed), '--quiet', '--npy', out],
                   check=True, capture_output=True)
    return np.load(out)


@pytest.mark.parametrize('seed', [1, 42])
def test_python_coba_is_the_c_example_spike_for_spike(seed, tmp_path):
    spk, _ = _run('coba', 'COBA', 4000, 300., seed)
    c = _c_spikes(4000, 0.3, seed, tmp_path)
    assert spk.shape == c.shape == (3000, 4000)
    assert spk.sum() > 10000  # the network is active, not silent on both sides
    bad = np.nonzero((spk != c).any(axis=1))[0]
    assert bad.size == 0, f'first differing step {bad[0]}: {spk[bad[0]].sum()} vs {c[bad[0]].sum()} spikes'


def test_python_coba_hh_is_the_c_example_spike_for_spike(tmp_path):
    bm.random.seed(5)  # the script's HH draws V0 from the default RandomState, as examples/coba_hh.c from its seed
    spk, _ = _run('coba_hh', 'COBAHH', 4000, 200., 5)
    c = _c_spikes(4000, 0.2, 5, tmp_path, 'coba_hh')
    assert spk.shape == c.shape == (2000, 4000) and spk.sum() > 10000
    bad = np.nonzero((spk != c).any(axis=1))[0]
    assert bad.size == 0, f'first differing step {bad[0]}'


def test_python_cuba_is_the_c_example_spike_for_spike(tmp_path):
    spk, _ = _run('cuba', 'CUBA', 4000, 400., 9)
    c = _c_spikes(4000, 0.4, 9, tmp_path, 'cuba')
    assert spk.shape == c.shape == (4000, 4000) and spk.sum() > 3000
    bad = np.nonzero((spk != c).any(axis=1))[0]
    assert bad.size == 0, f'first differing step {bad[0]}'


def test_python_coba_on_the_interpreter_is_the_same_network():
    a, _ = _run('coba', 'COBA', 400, 50., 3)
    b, _ = _run('coba', 'COBA', 400, 50., 3, backend='interp')
    assert a.sum() > 0 and np.array_equal(a, b)


BANDS = {'coba': ('COBA', 15., 25., 300.), 'cuba': ('CUBA', 2., 10., 500.), 'coba_hh': ('COBAHH', 25., 45., 300.)}


@pytest.mark.parametrize('name', sorted(BANDS))
@pytest.mark.parametrize('seed', [1, 2, 3])
def test_networks_fire_in_their_bands(name, seed):
    cls, lo, hi, ms = BANDS[name]
    spk, ne = _run(name, cls, 4000, ms, seed)
    skip = int(100. / bm.get_dt())  # the first 100 ms settle from the initial state
    rate_e = spk[skip:, :ne].mean() * 1000. / bm.get_dt()
    rate_i = spk[skip:, ne:].mean() * 1000. / bm.get_dt()
    assert lo <= rate_e <= hi and lo <= rate_i <= hi, (name, seed, rate_e, rate_i)


def test_monitor_shapes_as_brainpy_documents_them():
    # BrainPy's docs: a 100 ms COBA run at dt = 0.1 monitors E.spike as (1000, 3200)
    mod = _script('coba')
    net = mod.COBA(4000, prob=0.02, seed=7)
    runner = bp.DSRunner(net, monitors={'E.spike': lambda: net.N.spike[:net.ne], 'V': net.N.V}, progress_bar=False)
    runner.run(100.)
    assert runner.mon['E.spike'].shape == (1000, 3200) and runner.mon['E.spike'].dtype == np.bool_
    assert runner.mon['V'].shape == (1000, 4000) and runner.mon['V'].dtype == np.float32
    assert runner.mon.ts.shape == (1000,) and np.allclose(runner.mon.ts[:3], [0., 0.1, 0.2])
    assert bp.share.load('t') == pytest.approx(99.9) and isinstance(bp.share.load('t'), float)


@pytest.mark.parametrize('name,cls,n', [('coba', 'COBA', 2000), ('coba_hh', 'COBAHH', 2000)])
def test_spikes_do_not_depend_on_the_thread_count(name, cls, n):
    """The compiled run loop splits its kernels (the event-driven ones by post-synaptic ranges) over threads; every
    loop threaded ("loop_threads_min" 0) with 1, 2 and 4 threads gives the same spikes as the default."""
    from brainjit import _core
    runs = []
    try:
        for threads, loop_min in [('1', ''), ('2', '0'), ('4', '0')]:
            _core.config_set('num_threads', threads)
            _core.config_set('loop_threads_min', loop_min)
            bm.random.seed(11)
            spk, _ = _run(name, cls, n, 30., 11)
            runs.append(spk)
    finally:
        _core.config_set('num_threads', '')
        _core.config_set('loop_threads_min', '')
    assert runs[0].sum() > 0
    for r in runs[1:]:
        assert np.array_equal(r, runs[0])
