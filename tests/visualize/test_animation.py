"""bp.visualize.animate_1D: frames, saved gifs, options and errors."""

import numpy as np
import pytest
from matplotlib import animation
from PIL import Image

import workbench as bp


@pytest.fixture
def wave():
    positions = np.linspace(0, 2 * np.pi, 30)
    steps = np.arange(12)[:, None]
    return np.sin(positions[None, :] - 0.3 * steps)          # (12 steps, 30 points)


def test_animate_1D_returns_an_animation_over_every_frame_step_and_shows(wave, show_calls):
    anim = bp.visualize.animate_1D(wave, frame_step=5)
    assert isinstance(anim, animation.FuncAnimation)
    assert list(anim.new_frame_seq()) == [0, 5, 10]
    assert len(show_calls) == 1
    ax = anim._fig.axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(30))
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), wave[0])
    assert ax.get_title() == "Time: 0.00 ms"


def test_animate_1D_saves_a_gif_whose_frames_and_last_state_are_right(wave, tmp_path,
                                                                      show_calls):
    path = tmp_path / "wave.gif"
    xs = np.linspace(0, 1, 30)
    static = {"ys": np.zeros(30), "xs": xs, "legend": "rest"}
    anim = bp.visualize.animate_1D({"ys": wave, "xs": xs, "legend": "V"}, static_vars=static,
                                   dt=0.5, frame_step=2, figsize=(2, 2), gif_dpi=30,
                                   xlabel="position", ylabel="V", title_size=7,
                                   save_path=str(path), show=False)
    assert show_calls == []
    with Image.open(path) as gif:
        assert gif.n_frames == 6                             # rows 0, 2, ..., 10
        assert gif.size == (60, 60)                          # 2 inches at 30 dpi
    ax = anim._fig.axes[0]
    dynamic, rest = ax.lines
    np.testing.assert_array_equal(dynamic.get_xdata(), xs)
    np.testing.assert_array_equal(dynamic.get_ydata(), wave[10])   # the last frame drawn
    np.testing.assert_array_equal(rest.get_ydata(), np.zeros(30))
    assert ax.get_title() == "Time: 5.00 ms" and ax.title.get_fontsize() == 7
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["V", "rest"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("position", "V")
    # default limits span every frame, so the axes never jump
    low, high = ax.get_ylim()
    assert low <= wave.min() and high >= wave.max()
    assert ax.get_xlim() == (0.0, 1.0)


def test_animate_1D_accepts_several_curves_as_a_dict_or_list(wave):
    anim = bp.visualize.animate_1D({"a": wave, "b": 2 * wave}, ylim=(-3, 3), show=False)
    ax = anim._fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert ax.get_ylim() == (-3.0, 3.0)
    anim = bp.visualize.animate_1D([wave, {"ys": wave[:, :5], "legend": "part"}], show=False)
    assert [len(line.get_xdata()) for line in anim._fig.axes[0].lines] == [30, 5]


@pytest.mark.parametrize("args, kwargs, match", [
    ((np.zeros((3, 4, 5)),), {}, r"`dynamical_vars` has values of shape \(3, 4, 5\)"),
    (([np.zeros((3, 4)), np.zeros((5, 4))],), {}, r"different numbers of steps \[3, 5\]"),
    (({"ys": np.zeros((3, 4)), "xs": np.arange(3)},), {}, r"'xs' has shape \(3,\) but"),
    (({"ys": np.zeros((3, 4)), "color": "r"},), {}, r"has keys \['color', 'ys'\]"),
    ((np.zeros((3, 4)),), {"static_vars": np.zeros((2, 2))}, r"give a \(n,\) array"),
    ((np.zeros((3, 4)),), {"frame_step": 0}, "`frame_step`=0 must be a positive int"),
    ((np.zeros((3, 4)),), {"frame_delay": -1}, "`frame_delay`=-1 must be a positive"),
    ((np.zeros((3, 4)),), {"save_path": "out.png"}, r"`save_path`='out.png' has an unknown "
                                                      r"ending; use one of: .avi, .gif"),
])
def test_animate_1D_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bp.visualize.animate_1D(*args, show=False, **kwargs)


def test_animate_1D_video_without_ffmpeg_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    with pytest.raises(RuntimeError, match=r"needs ffmpeg, which is not installed"):
        bp.visualize.animate_1D(np.zeros((3, 4)), save_path=tmp_path / "a.mp4", show=False)
