"""bp.visualize.get_figure and the shared axes helpers."""

import matplotlib.pyplot as plt
import pytest

import workbench as bp
from workbench.visualize.figures import finish_axes, resolve_axes


def test_get_figure_sizes_the_figure_per_cell_and_returns_the_grid():
    fig, gs = bp.visualize.get_figure(row_num=5, col_num=1, row_len=1, col_len=10)
    assert fig.get_size_inches().tolist() == [10.0, 5.0]
    assert gs.get_geometry() == (5, 1)
    top = fig.add_subplot(gs[:4, 0])           # the manual's raster layout
    bottom = fig.add_subplot(gs[4, 0])
    assert top.get_subplotspec().rowspan == range(0, 4)
    assert bottom.get_subplotspec().rowspan == range(4, 5)
    fig, gs = bp.visualize.get_figure(2, 3)
    assert fig.get_size_inches().tolist() == [18.0, 6.0]     # defaults 3 x 6 inches per cell
    assert gs.get_geometry() == (2, 3)


@pytest.mark.parametrize("args, match", [((0, 1), "`row_num`=0 must be a positive int"),
                                         ((1, 2.5), "`col_num`=2.5 must be a positive int"),
                                         ((1, 1, -3), "`row_len`=-3 must be a positive size"),
                                         ((1, 1, 3, "6"), "`col_len`='6' must be a positive")])
def test_get_figure_errors(args, match):
    with pytest.raises(ValueError, match=match):
        bp.visualize.get_figure(*args)


def test_resolve_axes_uses_the_current_axes_and_checks_the_type():
    fig, gs = bp.visualize.get_figure(1, 2)
    second = fig.add_subplot(gs[0, 1])
    assert resolve_axes() is second
    assert resolve_axes(second) is second
    with pytest.raises(TypeError, match="`ax`='left' must be a matplotlib Axes"):
        resolve_axes("left")


def test_finish_axes_sets_only_what_is_given(show_calls):
    ax = plt.figure().add_subplot()
    ax.set_ylabel("kept")
    finish_axes(ax, xlim=(1, 2), xlabel="x", title="T")
    assert ax.get_xlim() == (1.0, 2.0) and ax.get_xlabel() == "x" and ax.get_title() == "T"
    assert ax.get_ylabel() == "kept" and ax.get_legend() is None and show_calls == []
    finish_axes(ax, show=True)
    assert len(show_calls) == 1


def test_docstring_examples_run():
    import numpy as np

    from ..doctests import modules_with_examples, run_examples
    expected = {"workbench.visualize.figures": 2, "workbench.visualize.plots": 6,
                "workbench.visualize.animation": 3}
    for name, count in expected.items():
        run_examples(name, count, extraglobs={"np": np})
    assert modules_with_examples("workbench.visualize") == set(expected)
