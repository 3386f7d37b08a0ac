"""``bp.visualize.animate_1D``: animate values along a 1-D space over time."""

import math
import os

import numpy as np

from ..inputs import resolve_dt
from .figures import _pyplot

__all__ = ["animate_1D"]

#: File endings :func:`animate_1D` can save to, and the matplotlib writer of each.
SAVE_FORMATS = {".gif": "pillow", ".mp4": "ffmpeg", ".avi": "ffmpeg", ".mov": "ffmpeg",
                ".mkv": "ffmpeg"}


def _curves(name, spec, ndim):
    """Normalise ``spec`` to a list of dicts ``{'ys', 'xs', 'legend'}``.

    ``spec`` may be an array, a dict with key ``'ys'`` (and optionally
    ``'xs'``, ``'legend'``), a dict ``{legend: array}``, or a list/tuple of
    arrays and such dicts.
    """
    if isinstance(spec, dict):
        items = [spec] if "ys" in spec else [{"ys": v, "legend": k} for k, v in spec.items()]
    elif isinstance(spec, (list, tuple)):
        items = list(spec)
    else:
        items = [spec]
    curves = []
    for k, item in enumerate(items):
        where = f"{name}[{k}]" if len(items) > 1 else name
        if isinstance(item, dict):
            unknown = sorted(set(item) - {"ys", "xs", "legend"})
            if unknown or "ys" not in item:
                raise ValueError(f"`{where}` has keys {sorted(item)}; an entry needs 'ys' and may "
                                 f"have 'xs' and 'legend'.")
            ys, xs, legend = item["ys"], item.get("xs"), item.get("legend")
        else:
            ys, xs, legend = item, None, None
        ys = np.asarray(ys, dtype=float)
        if ys.ndim == ndim - 1:
            ys = ys[..., None]
        if ys.ndim != ndim:
            wanted = "(steps, n)" if ndim == 2 else "(n,)"
            raise ValueError(f"`{where}` has values of shape {ys.shape}; give a {wanted} array.")
        xs = np.arange(ys.shape[-1]) if xs is None else np.asarray(xs, dtype=float)
        if xs.shape != (ys.shape[-1],):
            raise ValueError(f"`{where}`: 'xs' has shape {xs.shape} but the values have "
                             f"{ys.shape[-1]} points.")
        curves.append({"ys": ys, "xs": xs, "legend": legend})
    return curves


def _span(arrays, margin=0.05):
    """(min, max) over finite entries of arrays, widened by ``margin`` or when degenerate."""
    finite = [a[np.isfinite(a)] for a in arrays]
    finite = [a for a in finite if a.size]
    if not finite:
        return (-1.0, 1.0)
    low = min(float(a.min()) for a in finite)
    high = max(float(a.max()) for a in finite)
    if high == low:
        return (low - 1.0, high + 1.0)
    pad = margin * (high - low)
    return (low - pad, high + pad)


def _writer(save_path, frame_delay, video_fps):
    """The matplotlib writer for ``save_path``'s ending."""
    from matplotlib import animation
    ending = os.path.splitext(str(save_path))[1].lower()
    if ending not in SAVE_FORMATS:
        raise ValueError(f"`save_path`={save_path!r} has an unknown ending; use one of: "
                         f"{', '.join(sorted(SAVE_FORMATS))}.")
    fps = video_fps if video_fps is not None else 1000.0 / frame_delay
    if SAVE_FORMATS[ending] == "pillow":
        return animation.PillowWriter(fps=fps)
    if not animation.writers.is_available("ffmpeg"):
        raise RuntimeError(f"saving `save_path`={save_path!r} needs ffmpeg, which is not "
                           f"installed; install it or save as .gif.")
    return animation.FFMpegWriter(fps=fps)


def animate_1D(dynamical_vars, static_vars=(), dt=None, xlim=None, ylim=None, xlabel=None,
               ylabel=None, frame_delay=50., frame_step=1, title_size=10, figsize=None,
               gif_dpi=None, video_fps=None, save_path=None, show=True):
    """Animate values over a 1-D space (e.g. a chain of neurons) through time.

    Each frame draws, for every dynamical variable, its row at one time step
    against the positions ``xs``; static curves stay fixed. The title shows the
    time of the frame.

    Parameters
    ----------
    dynamical_vars : array_like, dict or list
        ``(steps, n)`` values to animate. Several curves: a list of arrays or
        of dicts ``{'ys': (steps, n) array, 'xs': (n,) positions,
        'legend': str}`` (``xs`` default ``0..n-1``), or a dict
        ``{legend: array}``. All curves must have the same number of steps.
    static_vars : array_like, dict or list, optional
        Fixed curves, each ``(n,)`` values, given the same ways.
    dt : float, optional
        Time between rows in ms (for the title); ``bp.backend.get_dt()`` when
        omitted.
    xlim, ylim : (float, float), optional
        Axis limits; by default the span of the positions and of all values
        (every frame), so the axes do not jump.
    xlabel, ylabel : str, optional
        Axis labels.
    frame_delay : float, optional
        Milliseconds between frames when shown (and ``1000 / frame_delay`` the
        frame rate of a saved gif).
    frame_step : int, optional
        Draw every ``frame_step``-th row.
    title_size : float, optional
        Font size of the time title.
    figsize : (float, float), optional
        Figure size in inches.
    gif_dpi : float, optional
        Resolution of a saved gif (matplotlib's default when omitted).
    video_fps : float, optional
        Frame rate of a saved video (``1000 / frame_delay`` when omitted).
    save_path : str or path, optional
        Save the animation: ``.gif`` with pillow, ``.mp4``/``.avi``/``.mov``/
        ``.mkv`` with ffmpeg.
    show : bool, optional
        Call ``matplotlib.pyplot.show()`` at the end.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        The animation (keep a reference to it while it is displayed; in a
        notebook ``IPython.display.HTML(anim.to_jshtml())`` shows it).

    Raises
    ------
    ValueError
        If the variables have bad shapes or differ in steps, ``frame_step`` or
        ``frame_delay`` is not positive, or ``save_path`` has an unknown ending.
    RuntimeError
        If a video is asked for and ffmpeg is missing.

    Examples
    --------
    >>> V = np.sin(np.linspace(0, 6, 50)[None, :] - 0.2 * np.arange(20)[:, None])
    >>> anim = animate_1D({'ys': V, 'legend': 'V'}, show=False)
    >>> len(list(anim.new_frame_seq()))
    20
    """
    from matplotlib import animation
    dynamic = _curves("dynamical_vars", dynamical_vars, ndim=2)
    static = _curves("static_vars", static_vars, ndim=1) if _given(static_vars) else []
    num_steps = {c["ys"].shape[0] for c in dynamic}
    if len(num_steps) != 1:
        raise ValueError(f"`dynamical_vars` have different numbers of steps {sorted(num_steps)}; "
                         f"every curve needs one row per step.")
    num_steps = num_steps.pop()
    if isinstance(frame_step, bool) or not hasattr(frame_step, "__index__") or frame_step < 1:
        raise ValueError(f"`frame_step`={frame_step!r} must be a positive int.")
    if not (isinstance(frame_delay, (int, float)) and 0 < frame_delay < math.inf):
        raise ValueError(f"`frame_delay`={frame_delay!r} must be a positive number of ms.")
    writer = _writer(save_path, frame_delay, video_fps) if save_path is not None else None
    dt = resolve_dt(dt)

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    lines = [ax.plot(c["xs"], c["ys"][0], label=c["legend"])[0] for c in dynamic]
    for c in static:
        ax.plot(c["xs"], c["ys"], label=c["legend"])
    everything = dynamic + static
    ax.set_xlim(xlim if xlim is not None else _span([c["xs"] for c in everything], margin=0))
    ax.set_ylim(ylim if ylim is not None else _span([c["ys"] for c in everything]))
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if any(c["legend"] is not None for c in everything):
        ax.legend()
    title = ax.set_title("", fontsize=title_size)

    def draw_frame(step):
        for line, curve in zip(lines, dynamic):
            line.set_ydata(curve["ys"][step])
        title.set_text(f"Time: {step * dt:.2f} ms")
        return lines + [title]

    frames = range(0, num_steps, int(frame_step))
    draw_frame(0)
    anim = animation.FuncAnimation(fig, draw_frame, frames=frames, interval=frame_delay,
                                   blit=False, cache_frame_data=False)
    if writer is not None:
        anim.save(str(save_path), writer=writer, dpi=gif_dpi)
    if show:
        plt.show()
    return anim


def _given(spec):
    """Whether an optional curve specification holds anything."""
    if isinstance(spec, (list, tuple, dict)):
        return len(spec) > 0
    return spec is not None
