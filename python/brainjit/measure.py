"""bp.measure: firing rates, synchrony and correlation measures of recorded activity (BrainPy's names)."""

import numpy as onp

from . import math as bm

__all__ = ['firing_rate', 'cross_correlation', 'voltage_fluctuation', 'raster_plot', 'matrix_correlation',
           'functional_connectivity', 'weighted_correlation']


def _data(x, numpy):
    """x as a numpy array (numpy=True) or a bm Array (numpy=False: the computation is bm ops, so it also runs
    inside bm.jit on traced values)."""
    if numpy:
        return onp.asarray(bm.as_numpy(x) if isinstance(x, bm.Array) else x)
    return bm.asarray(x)


def raster_plot(sp_matrix, times):
    """(neuron index, spike time) of every spike in a ``[T, N]`` spike matrix recorded at ``times``."""
    sp = onp.asarray(sp_matrix)
    rows, cols = onp.where(sp > 0.)
    return cols, onp.asarray(times)[rows]


def firing_rate(spikes, width, dt=None, numpy=True):
    """The population's mean firing rate in Hz over time, smoothed with a rectangular window of ``width`` ms.

    ``spikes``: ``[T, N]`` (bool or 0/1). The window has ``int(width / 2 / dt) * 2 + 1`` steps and is centred
    (numpy's ``convolve(..., mode='same')``); the spike count in it is divided by its duration (BrainPy 2.8;
    BrainPy 2.6 divided by ``width``, which differs by the rounding of the window to whole steps).
    Returns a numpy array (a bm Array with ``numpy=False``) of length T.
    """
    dt = bm.get_dt() if dt is None else dt
    width1 = int(width / 2 / dt) * 2 + 1
    scale = 1000. / (width1 * dt)
    x = _data(spikes, numpy)
    if numpy:
        return onp.convolve(onp.mean(x, axis=1), onp.ones(width1) * scale, mode='same')
    mean = bm.mean(x.astype(bm.get_float()) if x.dtype == bm.bool_ else x, axis=1)
    # 'same' convolution with a window of ones, as differences of a running sum (the index ranges are static)
    n, m = int(mean.shape[0]), width1
    full_lo = onp.arange(max(n, m)) + (min(n, m) - 1) // 2  # positions in the full convolution
    lo = onp.maximum(0, full_lo - m + 1)
    hi = onp.minimum(n - 1, full_lo) + 1
    csum = bm.concatenate([bm.zeros(1, dtype=mean.dtype), bm.cumsum(mean)])
    return (csum[hi] - csum[lo]) * scale


def _binned_states(spikes, bin, dt, xp):
    dt = bm.get_dt() if dt is None else dt
    bin_size = int(round(bin / dt))
    if bin_size < 1:
        raise ValueError(f'`bin` ({bin}) must be at least as large as `dt` ({dt}); got a bin width of {bin_size} '
                         f'samples.')
    num_hist, num_neu = spikes.shape
    num_bin = -(-num_hist // bin_size)
    if num_bin * bin_size != num_hist:
        pad = xp.zeros((num_bin * bin_size - num_hist, num_neu), dtype=spikes.dtype)
        spikes = xp.concatenate([spikes, pad], axis=0)
    states = xp.sum(spikes.T.reshape((num_neu, num_bin, bin_size)), axis=2) > 0
    return states.astype(bm.get_float() if xp is bm else float), num_neu


def cross_correlation(spikes, bin, dt=None, numpy=True, method='loop'):
    """Synchrony index (Wang & Buzsaki 1996): the mean over neuron pairs of the coincidences of their binned spike
    trains, ``sum_l X(l) Y(l) / sqrt(sum_l X(l) * sum_l Y(l))`` (0 for a pair where one never fires).

    ``spikes``: ``[T, N]``; ``bin``: the bin width in ms (``round(bin / dt)`` steps; a spike anywhere in a bin
    counts once). ``method`` ('loop' or 'vmap') is accepted: both compute all pairs at once here."""
    if method not in ('loop', 'vmap'):
        raise ValueError(f'Do not support {method}. We only support "loop" or "vmap".')
    xp = onp if numpy else bm
    x = _data(spikes, numpy)
    states, num_neu = _binned_states(x, bin, dt, xp)
    if num_neu < 2:
        return onp.float64(0.) if numpy else bm.asarray(0.)
    counts = xp.sum(states, axis=1)
    coinc = states @ states.T
    i, j = onp.tril_indices(num_neu, k=-1)
    flat = i * num_neu + j
    prod = (counts[i] * counts[j]) if numpy else counts[bm.asarray(i)] * counts[bm.asarray(j)]
    c = coinc.reshape(-1)[flat if numpy else bm.asarray(flat)]
    sq = xp.sqrt(prod)
    vals = xp.where(sq == 0., 0., c / xp.where(sq == 0., 1., sq))
    return xp.mean(vals)


def voltage_fluctuation(potentials, numpy=True, method='loop'):
    """Synchrony index of membrane potentials (Golomb & Rinzel 1993): the variance over time of the population
    mean divided by the mean over neurons of each neuron's variance over time (1 when no neuron varies).

    ``potentials``: ``[T, N]``. ``method`` ('loop' or 'vmap') is accepted; the result is the same."""
    if method not in ('loop', 'vmap'):
        raise ValueError(f'Do not support {method}. We only support "loop" or "vmap".')
    xp = onp if numpy else bm
    v = _data(potentials, numpy)
    avg_var = xp.var(xp.mean(v, axis=1))
    var_mean = xp.mean(xp.var(v, axis=0))
    return xp.where(var_mean == 0., 1., avg_var / xp.where(var_mean == 0., 1., var_mean))


def matrix_correlation(x, y, numpy=True):
    """Pearson correlation of the upper triangles (above the diagonal) of two square matrices (numpy on the host;
    numpy=False returns it as a bm Array)."""
    x, y = onp.asarray(x), onp.asarray(y)
    for a in (x, y):
        if a.ndim != 2:
            raise ValueError(f'Only support 2d array, but we got a array with the shape of {a.shape}')
    cc = onp.corrcoef(x[onp.triu_indices_from(x, k=1)], y[onp.triu_indices_from(y, k=1)])[0, 1]
    return cc if numpy else bm.asarray(cc)


def functional_connectivity(activities, numpy=True):
    """The ``[N, N]`` matrix of Pearson correlations between the columns of ``[T, N]`` activities (NaN -> 0;
    numpy on the host; numpy=False returns it as a bm Array)."""
    a = onp.asarray(activities)
    if a.ndim != 2:
        raise ValueError(f'Only support 2d array with shape of "(num_time, num_sample)". But we got a array with '
                         f'the shape of {a.shape}')
    with onp.errstate(invalid='ignore', divide='ignore'):
        fc = onp.nan_to_num(onp.corrcoef(a.T))
    return fc if numpy else bm.asarray(fc)


def weighted_correlation(x, y, w, numpy=True):
    """Weighted Pearson correlation of two 1-d series with weights w."""
    xp = onp if numpy else bm
    x, y, w = _data(x, numpy), _data(y, numpy), _data(w, numpy)
    for a in (x, y, w):
        if a.ndim != 1:
            raise ValueError(f'Only support 1d array, but we got a array with the shape of {a.shape}')

    def cov(a, b):
        ma, mb = xp.sum(a * w) / xp.sum(w), xp.sum(b * w) / xp.sum(w)
        return xp.sum(w * (a - ma) * (b - mb)) / xp.sum(w)

    return cov(x, y) / xp.sqrt(cov(x, x) * cov(y, y))
