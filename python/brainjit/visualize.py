"""bp.visualize: raster and line plots of monitored values with matplotlib (optional; imported on first use)."""

import numpy as np

from . import errors

__all__ = ['get_figure', 'line_plot', 'raster_plot', 'remove_axis', 'show', 'MatplotlibMissingError']


class MatplotlibMissingError(errors.PackageMissingError, ImportError):
    """bp.visualize was used without matplotlib installed."""


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise MatplotlibMissingError(
            'bp.visualize draws with matplotlib, which is not installed: `pip install matplotlib` (the rest of '
            'brainjit runs without it).') from e
    return plt


def get_figure(row_num, col_num, row_len=3, col_len=6, name=None):
    """(figure, GridSpec) of row_num x col_num panels, each col_len wide and row_len high (inches)."""
    plt = _plt()
    from matplotlib.gridspec import GridSpec
    args = () if name is None else (name,)
    fig = plt.figure(*args, figsize=(col_num * col_len, row_num * row_len), constrained_layout=True)
    return fig, GridSpec(row_num, col_num, figure=fig)


def _labels(plt, xlim, ylim, xlabel, ylabel, title, show):
    if xlim is not None:
        plt.xlim(xlim[0], xlim[1])
    if ylim is not None:
        plt.ylim(ylim[0], ylim[1])
    if xlabel:
        plt.xlabel(xlabel)
    if ylabel:
        plt.ylabel(ylabel)
    if title:
        plt.title(title)
    if show:
        plt.show()


def line_plot(ts, val_matrix, plot_ids=None, ax=None, xlim=None, ylim=None, xlabel='Time (ms)', ylabel=None,
              legend=None, title=None, show=False, **kwargs):
    """Plots columns ``plot_ids`` (default [0]; an int or a 1-d sequence) of a ``[T, ...]`` recording against
    ``ts``; with ``legend`` each line is labelled ``legend`` (one line) or ``f'{legend}-{id}'``."""
    plt = _plt()
    if plot_ids is None:
        plot_ids = [0]
    elif isinstance(plot_ids, (int, np.integer)):
        plot_ids = [int(plot_ids)]
    if not isinstance(plot_ids, (list, tuple)) and not (isinstance(plot_ids, np.ndarray) and plot_ids.ndim == 1):
        raise errors.BrainPyError(f'"plot_ids" specifies the value index to plot, it must be a list/tuple/1D '
                                  f'numpy.ndarray, not {type(plot_ids)}.')
    vals = np.asarray(val_matrix)
    vals = vals.reshape((vals.shape[0], -1))
    ts = np.asarray(ts)
    target = plt if ax is None else ax
    for idx in plot_ids:
        label = None if not legend else (legend if len(plot_ids) == 1 else f'{legend}-{idx}')
        if label is None:
            target.plot(ts, vals[:, idx], **kwargs)
        else:
            target.plot(ts, vals[:, idx], label=label, **kwargs)
    if legend:
        target.legend()
    _labels(plt, xlim, ylim, xlabel, ylabel, title, show)


def raster_plot(ts, sp_matrix, ax=None, marker='.', markersize=2, color='k', xlabel='Time (ms)',
                ylabel='Neuron index', xlim=None, ylim=None, title=None, show=False, **kwargs):
    """A dot at (time, neuron index) for every spike of a ``[T, N]`` spike matrix recorded at ``ts``."""
    plt = _plt()
    if ts is None:
        raise errors.BrainPyError('Must provide "ts".')
    rows, cols = np.where(np.asarray(sp_matrix) > 0.)
    target = plt if ax is None else ax
    target.plot(np.asarray(ts)[rows], cols, marker + color, markersize=markersize, **kwargs)
    _labels(plt, xlim, ylim, xlabel, ylabel, title, show)


def remove_axis(ax, *pos):
    """Hides the named spines ('left', 'right', 'top', 'bottom') of ax."""
    for p in pos:
        if p not in ('left', 'right', 'top', 'bottom'):
            raise ValueError(f'remove_axis: {p!r} is not one of left, right, top, bottom.')
        ax.spines[p].set_visible(False)


def show(*args, **kwargs):
    """matplotlib.pyplot.show."""
    return _plt().show(*args, **kwargs)
