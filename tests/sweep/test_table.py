"""SweepTable: numpy columns, NaN for missing numbers, pivots, equality, pandas."""

import numpy as np
import pytest

from workbench.sweep import SweepError, SweepTable
from workbench.sweep.table import make_column


def _table(status=("ok", "ok", "error", "ok"), cc=(0.1, 0.2, None, 0.4)):
    columns = {
        "a": make_column([1., 1., 2., 2.]),
        "b": make_column([10, 20, 10, 20]),
        "cc": make_column(list(cc)),
        "seed": np.arange(4),
        "status": make_column(list(status)),
        "error": make_column([None if s == "ok" else "ValueError: boom" for s in status]),
        "attempts": np.array([1, 1, 2, 1]),
        "worker": make_column(["h:1", "h:2", "h:1", "h:2"]),
        "seconds": np.array([0.1, 0.2, 0.3, 0.4]),
    }
    return SweepTable(columns, ["a", "b"], ["cc"], meta={"varied": ["a", "b"]},
                      tracebacks={2: "Traceback ..."})


def test_columns_rows_and_subtables():
    table = _table()
    assert table.columns[:3] == ["a", "b", "cc"] and len(table) == 4
    assert table["b"].dtype.kind == "i"
    assert np.isnan(table["cc"][2]) and table["cc"].dtype == float   # missing -> NaN
    assert table[1]["b"] == 20 and table[-1]["cc"] == 0.4
    assert table.failed["a"].tolist() == [2.] and table.failed.tracebacks == {0: "Traceback ..."}
    assert len(table.ok) == 3 and table.counts()["error"] == 1
    assert [row["b"] for row in table] == [10, 20, 10, 20]
    with pytest.raises(KeyError, match="no column 'nope'"):
        table["nope"]


def test_make_column_keeps_objects_and_bools():
    assert make_column([True, False]).dtype == bool
    assert make_column([True, None]).tolist()[0] == 1.0
    arrays = make_column([np.zeros(2), None])
    assert arrays.dtype == object and arrays[1] is None


def test_pivot_two_parameters_is_a_grid_with_nan_for_failures():
    xs, ys, grid = _table().pivot("cc")
    np.testing.assert_array_equal(xs, [1., 2.])
    np.testing.assert_array_equal(ys, [10., 20.])
    expected = np.array([[0.1, np.nan], [0.2, 0.4]])       # grid[j, i] at (xs[i], ys[j])
    np.testing.assert_array_equal(grid, expected)


def test_pivot_one_parameter_averages_the_others():
    xs, values = _table().pivot("cc", x="b")
    np.testing.assert_array_equal(xs, [10., 20.])
    np.testing.assert_allclose(values, [0.1, (0.2 + 0.4) / 2])


def test_equals_ignores_where_and_how_fast():
    a, b = _table(), _table()
    b["worker"][:] = "elsewhere:9"
    b["seconds"][:] = 9.
    assert a.equals(b)
    c = _table(cc=(0.1, 0.2, None, 0.41))
    assert not a.equals(c)
    assert a.drop("cc").columns == [c for c in a.columns if c != "cc"]


def test_to_pandas_and_to_dict():
    table = _table()
    frame = table.to_pandas()
    assert list(frame.columns) == table.columns and frame.attrs["varied"] == ["a", "b"]
    np.testing.assert_array_equal(frame["cc"].to_numpy(), table["cc"])
    records = table.to_dict("records")
    assert records[3]["cc"] == 0.4 and set(table.to_dict()) == set(table.columns)
    with pytest.raises(SweepError, match="orient"):
        table.to_dict("index")


def test_raise_for_errors_names_the_failed_sets():
    with pytest.raises(SweepError, match=r"(?s)1 of 4 parameter sets.*row 2 \{'a': 2.0, 'b': 10\}"
                                         r".*ValueError: boom"):
        _table().raise_for_errors()
    ok = _table(status=("ok",) * 4, cc=(1., 2., 3., 4.))
    assert ok.raise_for_errors() is ok


def test_repr_and_html_show_the_rows():
    text = repr(_table())
    assert "4 rows (3 ok, 1 error)" in text and "ValueError: boom" in text
    assert "<table>" in _table()._repr_html_()
