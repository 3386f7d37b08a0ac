"""Renderers: marks are created once and their data follow the result objects."""

import io
from types import SimpleNamespace as NS

import numpy as np
import pytest
from PIL import Image

from widgets.render import (BranchMarks, ClickMarks, FixedPointMarks, LegendMarks, MatrixMarks,
                            NullclineMarks, RasterMarks, SpecialPointMarks, TrajectoryMarks,
                            VectorFieldMarks, make_figure, stability_category)


@pytest.fixture
def scales():
    return make_figure((-3, 3), (-2, 2), "V (mV)", "w")[1]


def test_stability_categories():
    assert [stability_category(s) for s in
            ("stable focus", "unstable node", "saddle node", "center", "stable point",
             "unstable point", "center manifold")] == \
        ["stable", "unstable", "saddle", "other", "stable", "unstable", "other"]


def test_vector_field_arrows_point_along_the_field(scales):
    x = np.linspace(-3, 3, 61)
    y = np.linspace(-2, 2, 41)
    gx, gy = np.meshgrid(x, y)
    field = NS(x_var="V", y_var="w", x=x, y=y, dx=-gy, dy=gx)      # rotation
    marks = VectorFieldMarks(scales, max_arrows=15)
    marks.update(field)
    xs, ys = np.asarray(marks.line.x), np.asarray(marks.line.y)
    arrows = xs.reshape(-1, 9), ys.reshape(-1, 9)                   # shaft, 2 heads, NaN gaps
    assert np.all(np.isnan(arrows[0][:, [2, 5, 8]]))
    base_x, base_y = arrows[0][:, 0], arrows[1][:, 0]
    shaft = np.stack([(arrows[0][:, 1] - base_x) / 6.0, (arrows[1][:, 1] - base_y) / 4.0], 1)
    expected = np.stack([-base_y / 6.0, base_x / 4.0], 1)
    cosine = np.sum(shaft * expected, 1) / (np.linalg.norm(shaft, axis=1) *
                                            np.linalg.norm(expected, axis=1))
    assert np.all(cosine > 0.999)
    assert len(base_x) <= 15 * 15
    # heads start at the tips
    assert np.allclose(arrows[0][:, 3], arrows[0][:, 1])
    marks.update(None)
    assert len(marks.line.x) == 0


def test_nullclines_and_fixed_points(scales):
    curves = (NS(variable="V", x=np.array([0.0, 1.0, np.nan, 2.0]), y=np.array([1.0, 1.0, 5.0, 1.0])),
              NS(variable="w", x=np.array([0.0, 1.0]), y=np.array([0.0, 1.0])))
    null = NullclineMarks(scales, ("V", "w"))
    null.update(NS(x_var="V", y_var="w", curves=curves))
    first = null.marks[0]
    assert np.isnan(first.y[2])                                    # NaN in x breaks the line
    assert list(null.marks[1].y) == [0.0, 1.0]
    points = [NS(values={"V": -1.0, "w": 0.5}, stability="stable focus"),
              NS(values={"V": 0.0, "w": 0.0}, stability="saddle node"),
              NS(values={"V": 1.0, "w": -0.5}, stability="unstable node")]
    fixed = FixedPointMarks(scales, ("V", "w"))
    fixed.update(points)
    assert list(fixed.scatters["stable"].x) == [-1.0]
    assert list(fixed.scatters["saddle"].y) == [0.0]
    assert list(fixed.scatters["unstable"].x) == [1.0]
    assert fixed.scatters["unstable"].fill is False and fixed.scatters["stable"].fill is True
    fixed.update(points[:1])
    assert len(fixed.scatters["unstable"].x) == 0


def test_trajectories_are_thinned_for_drawing(scales):
    ts = np.arange(100000) * 0.01
    traj = NS(ts=ts, values={"V": np.cos(ts), "w": np.sin(ts)})
    marks = TrajectoryMarks(scales, ("V", "w"), count=2, max_points=1000)
    marks.update([traj])
    line = marks.trace.lines[0]
    assert len(line.x) <= 1000 and np.max(line.x) == pytest.approx(1.0)
    assert len(marks.trace.lines[1].x) == 0
    assert list(marks.starts.x) == [1.0]


def test_branch_split_touches_at_stability_switches():
    x = np.arange(10.0)
    stable = np.array([1, 1, 1, 0, 0, 0, 1, 1, 1, 1], dtype=bool)
    (sx, sy), (ux, uy) = BranchMarks.split(x, x * 2, stable)
    assert np.array_equal(np.isfinite(sy[:-1]), [1, 1, 1, 1, 0, 0, 1, 1, 1, 1])
    assert np.array_equal(np.isfinite(uy[:-1]), [0, 0, 0, 1, 1, 1, 1, 0, 0, 0])
    assert np.isnan(sy[-1]) and np.isnan(uy[-1])                  # branches never join


def test_special_points_are_labelled(scales):
    marks = SpecialPointMarks(scales)
    marks.update([NS(kind="hopf", values={"Iext": 0.33, "V": -1.0}, label="H1"),
                  NS(kind="fold", values={"Iext": 0.5, "V": 0.2}, label="LP1")], "Iext", "V")
    assert list(marks.scatters["hopf"].x) == [0.33]
    assert list(marks.labels.text) == ["LP1"]              # folds labelled above ...
    assert list(marks.labels_below.text) == ["H1"]       # ... Hopf points below


def test_special_points_hover_shows_hopf_criticality_and_codim2_kinds(scales):
    from widgets.render import CODIM2_KINDS
    marks = SpecialPointMarks(scales)
    hopf = NS(kind="hopf", values={"Iext": 0.33, "V": -1.0}, label="H1",
              criticality="subcritical", first_lyapunov=0.97197)
    marks.update([hopf, NS(kind="branch_point", values={"Iext": 0.1, "V": 0.0}, label="BP1",
                           criticality="", first_lyapunov=float("nan"))], "Iext", "V")
    assert list(marks.scatters["hopf"].names) == ["H1: hopf, subcritical (l1 = 0.972)"]
    assert list(marks.scatters["branch_point"].x) == [0.1]
    assert marks.scatters["hopf"].tooltip.fields == ["name"]
    codim2 = SpecialPointMarks(scales, kinds=CODIM2_KINDS)
    codim2.update([NS(kind="bogdanov_takens", values={"Iext": 0.6, "V": 3.5}, label="BT1"),
                   NS(kind="cusp", values={"Iext": 0.7, "V": 1.0}, label="CP1"),
                   NS(kind="bautin", values={"Iext": 0.1, "V": 0.5}, label="GH1"),
                   hopf], "Iext", "V")
    assert list(codim2.scatters["bogdanov_takens"].x) == [0.6]
    assert list(codim2.scatters["bautin"].names) == ["GH1: Bautin (generalized Hopf)"]
    assert sorted(codim2.labels.text) == ["BT1", "CP1", "GH1"]     # H1 is not a codim-2 kind
    assert list(codim2.labels_below.text) == []


def test_raster_image_has_one_opaque_pixel_per_spike_pixel(scales):
    raster = RasterMarks(scales, width=200, height=100)
    first_image = raster.mark.image
    rng = np.random.default_rng(0)
    steps, neurons = rng.integers(0, 1000, 300), rng.integers(0, 80, 300)
    raster.update((0.0, 100.0), [
        {"steps": steps, "neurons": neurons, "n_steps": 1000, "n_neurons": 80, "color": (200, 0, 0)},
        {"steps": [5], "neurons": [3], "n_steps": 1000, "n_neurons": 20, "color": (0, 0, 200)}])
    image = np.asarray(Image.open(io.BytesIO(raster.image.value)))
    assert image.shape == (100, 200, 4)
    pixels = {(99 - i * 100 // 100, s * 200 // 1000) for s, i in zip(steps, neurons)}
    pixels.add((99 - 83 * 100 // 100, 5 * 200 // 1000))
    assert {tuple(p) for p in np.argwhere(image[..., 3] > 0)} == pixels
    assert tuple(image[99 - 83, 1, :3]) == (0, 0, 200)            # inhibitory on top of excitatory
    assert list(raster.mark.y) == [0.0, 100.0] and raster.spike_count == 301
    # the front end redraws on a new `image` widget only (bqplot listens to change:image)
    assert raster.mark.image is raster.image and raster.image is not first_image


def test_click_marks_turn_a_click_into_a_point(scales):
    clicks = []
    marks = ClickMarks(scales, lambda x, y: clicks.append((x, y)))
    marks.scatter.x = np.array([0.5])          # what the front end does on a click ...
    marks.scatter.y = np.array([-1.25])        # ... x then y
    assert clicks == [(0.5, -1.25)]
    assert len(marks.scatter.x) == 0
    # whatever the page sends: a point far outside lands on the border, NaN is ignored
    with marks.scatter.hold_sync():
        marks.scatter.x, marks.scatter.y = np.array([1e300]), np.array([-1e300])
    with marks.scatter.hold_sync():
        marks.scatter.x, marks.scatter.y = np.array([np.nan]), np.array([0.0])
    x_scale, y_scale = scales["x"], scales["y"]
    assert clicks[1:] == [(x_scale.max, y_scale.min)]


def test_matrix_image_rows_colours_and_colour_bar(scales):
    from matplotlib import colormaps
    marks = MatrixMarks(scales, cmap="Blues")
    values = np.array([[0.0, 1.0, 2.0], [2.0, 2.0, 0.0]])        # row 0 at the bottom
    marks.update((-0.5, 2.5), (-0.5, 1.5), values, 0.0, 2.0)
    image = np.asarray(Image.open(io.BytesIO(marks.image.value)))
    assert image.shape == (2, 3, 4)
    expected = (np.asarray(colormaps["Blues"](values[::-1] / 2.0)) * 255).round()
    assert np.abs(image.astype(float) - expected).max() <= 1.0
    assert (marks.color_scale.min, marks.color_scale.max) == (0.0, 2.0)
    assert len(marks.color_scale.colors) == 9
    assert list(marks.mark.x) == [-0.5, 2.5] and list(marks.mark.y) == [-0.5, 1.5]
    first = marks.mark.image
    marks.update((0, 1), (0, 1), -values, -2.0, 2.0, cmap="RdBu_r")
    assert marks.mark.image is not first and marks.cmap == "RdBu_r"


def test_static_legend_lists_the_marks_beside_the_plot_area():
    figure, scales = make_figure((-3, 3), (-2, 2), height="480px")
    nullclines = NullclineMarks(scales, ("V", "w"))
    fixed = FixedPointMarks(scales, ("V", "w"))
    branches = BranchMarks(scales)
    figure.marks = nullclines.marks + fixed.marks + branches.marks
    legend = LegendMarks(figure, nullclines.marks + [fixed.scatters["stable"],
                                                     fixed.scatters["unstable"],
                                                     branches.unstable])
    assert figure.marks[-1] is legend.label and len(figure.marks) == 9
    assert list(legend.label.text) == ["\u2501\u2501 dV/dt = 0", "\u2501\u2501 dw/dt = 0",
                                       "\u25cf stable", "\u25cb unstable", "\u254d\u254d unstable"]
    assert list(legend.label.colors) == ["#0072B2", "#D55E00", "#000000", "#D55E00", "#D55E00"]
    # rows 17 px apart from the top of the 415 px high plot area (480 - 15 - 50)
    y = np.asarray(legend.label.y)
    assert np.allclose(np.diff(y), -17.0 / 415.0) and 0.0 < y.min() < y.max() < 1.0
    # right of the plot area (not clipped to it), in a right margin wide enough for the
    # longest row: 12 px font, at most 0.66 em per character, 20 px of padding
    assert np.all(np.asarray(legend.label.x) == 1.0) and legend.label.align == "start"
    assert legend.label.x_offset > 0 and not legend.label.apply_clip
    assert figure.fig_margin["right"] >= 20 + 0.66 * 12 * len("━━ dV/dt = 0")
    assert not figure.display_toolbar
    other = LegendMarks(make_figure((0, 1), (0, 1), height="300px")[0], [("■ E", "red")])
    assert list(other.label.text) == ["■ E"] and list(other.label.colors) == ["red"]
    # bqplot's own legend (redrawn at every data update) stays off
    assert not any(mark.display_legend for mark in figure.marks)
    with pytest.raises(ValueError, match="height in pixels"):
        LegendMarks(make_figure((0, 1), (0, 1), height="50%")[0], nullclines.marks)
