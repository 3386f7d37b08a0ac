"""Figures and axes: the pieces every ``bp.visualize`` drawing shares.

Renderers (``line_plot``, ``raster_plot``, the ``draw_*`` functions of the
analysis results) take an optional ``ax``, draw into :func:`resolve_axes` of
it, label it with :func:`finish_axes` and return the axes. ``pyplot`` is
imported only when something is drawn, so ``import workbench`` stays light
and never picks a GUI backend.
"""

__all__ = ["get_figure", "resolve_axes", "finish_axes"]


def _pyplot():
    import matplotlib.pyplot as plt
    return plt


def get_figure(row_num, col_num, row_len=3, col_len=6):
    """A figure with a grid of ``row_num`` x ``col_num`` cells.

    Parameters
    ----------
    row_num, col_num : int
        Number of rows and columns of the grid.
    row_len : float, optional
        Height of one row in inches.
    col_len : float, optional
        Width of one column in inches.

    Returns
    -------
    fig : matplotlib.figure.Figure
        A new figure of size ``(col_num * col_len, row_num * row_len)``.
    gs : matplotlib.gridspec.GridSpec
        The grid; add axes with ``fig.add_subplot(gs[0, 0])`` (spans such as
        ``gs[:4, 0]`` work too). The new axes become the current ones, so a
        following ``line_plot(...)`` without ``ax`` draws into them.

    Raises
    ------
    ValueError
        If a count is not a positive int or a length not a positive number.

    Examples
    --------
    >>> fig, gs = get_figure(2, 1, 3, 8)
    >>> fig.get_size_inches().tolist()
    [8.0, 6.0]
    """
    from matplotlib.gridspec import GridSpec
    for name, value in (("row_num", row_num), ("col_num", col_num)):
        if isinstance(value, bool) or not hasattr(value, "__index__") or value < 1:
            raise ValueError(f"`{name}`={value!r} must be a positive int.")
    for name, value in (("row_len", row_len), ("col_len", col_len)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"`{name}`={value!r} must be a positive size in inches.")
    fig = _pyplot().figure(figsize=(col_num * col_len, row_num * row_len))
    return fig, GridSpec(int(row_num), int(col_num), figure=fig)


def resolve_axes(ax=None):
    """The axes to draw into: ``ax``, or pyplot's current axes when None.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        If ``ax`` is neither None nor a matplotlib Axes.
    """
    if ax is None:
        return _pyplot().gca()
    from matplotlib.axes import Axes
    if not isinstance(ax, Axes):
        raise TypeError(f"`ax`={ax!r} must be a matplotlib Axes or None (the current axes).")
    return ax


def finish_axes(ax, xlim=None, ylim=None, xlabel=None, ylabel=None, title=None,
                legend=False, show=False):
    """Set limits, labels, title and legend of ``ax``; optionally show the figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    xlim, ylim : (float, float), optional
        Axis limits; unchanged when None.
    xlabel, ylabel, title : str, optional
        Texts; unchanged when None (an empty string clears them).
    legend : bool, optional
        Draw a legend of the labelled artists.
    show : bool, optional
        Call ``matplotlib.pyplot.show()``.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if legend:
        ax.legend()
    if show:
        _pyplot().show()
    return ax
