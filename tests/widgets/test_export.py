"""Export: CSV/NPZ round-trip the full data; PNG/SVG ask the browser to save the figure."""

import base64
import csv
import io
import re

import bqplot as bq
import numpy as np
import pytest

from widgets.export import ExportBar, write_csv


def tables():
    t = np.linspace(0.0, 1.0, 7)
    return {"trace": {"t": t, "V": np.sin(t)},
            "points": {"V": np.array([0.1, -0.2]), "stability": np.array(["stable focus", "saddle node"])}}


def test_csv_files_round_trip_and_come_with_download_links(tmp_path):
    bar = ExportBar(bq.Figure(), tables, "demo", directory=tmp_path)
    paths = bar.export_csv()
    assert sorted(p.split("/")[-1] for p in paths) == ["demo-points.csv", "demo-trace.csv"]
    with open(tmp_path / "demo-trace.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["t", "V"]
    data = np.array(rows[1:], dtype=float)
    assert np.array_equal(data[:, 1], np.sin(np.linspace(0.0, 1.0, 7)))   # full precision
    links = re.findall(r"download='([^']+)' href='data:text/csv;base64,([^']+)'", bar.links.value)
    assert [name for name, _ in links] == ["demo-trace.csv", "demo-points.csv"]
    decoded = base64.b64decode(links[1][1]).decode()
    assert decoded.splitlines()[1] == "0.1,stable focus"


def test_npz_holds_every_column(tmp_path):
    bar = ExportBar(bq.Figure(), tables, "demo", directory=tmp_path)
    (path,) = bar.export_npz()
    with np.load(path) as archive:
        assert sorted(archive.files) == ["points/V", "points/stability", "trace/V", "trace/t"]
        assert np.array_equal(archive["trace/V"], np.sin(np.linspace(0.0, 1.0, 7)))
    assert "data:application/octet-stream;base64," in bar.links.value


def test_no_file_when_directory_is_false_and_no_link_for_huge_data(tmp_path):
    bar = ExportBar(bq.Figure(), tables, "demo", directory=False, max_inline_bytes=10)
    assert bar.export_csv() == []
    assert "too large for a download link" in bar.links.value


def test_inconsistent_tables_are_reported_in_the_bar(tmp_path):
    bar = ExportBar(bq.Figure(), lambda: {"bad": {"a": np.zeros(3), "b": np.zeros(4)}}, "x",
                    directory=tmp_path)
    bar.buttons[2].click()
    assert "export failed" in bar.links.value and "column 'b' has 4 rows" in bar.links.value
    with pytest.raises(ValueError, match="must be 1-D"):
        write_csv(io.StringIO(), {"m": np.zeros((2, 2))}, "m")


def test_png_and_svg_ask_the_front_end(monkeypatch):
    sent = []
    figures = {"raster": bq.Figure(), "rate": bq.Figure()}
    for name, figure in figures.items():
        monkeypatch.setattr(figure, "send", lambda msg, name=name: sent.append((name, msg)))
    bar = ExportBar(figures, tables, "net")
    assert bar.export_png() == ["net-raster.png", "net-rate.png"]
    assert bar.export_svg() == ["net-raster.svg", "net-rate.svg"]
    assert sent[0] == ("raster", {"type": "save_png", "filename": "net-raster.png", "scale": 2})
    assert sent[3] == ("rate", {"type": "save_svg", "filename": "net-rate.svg"})


def test_default_export_writes_nothing_on_the_server(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bar = ExportBar(bq.Figure(), tables, "demo")
    assert bar.export_csv() == [] and bar.export_npz() == []
    assert list(tmp_path.iterdir()) == []
    assert bar.links.value.count("class='wb-download'") == 1       # the npz link replaced csv


def test_exports_never_overwrite_a_file(tmp_path):
    (tmp_path / "demo-trace.csv").write_text("someone else's export")
    first = ExportBar(bq.Figure(), tables, "demo", directory=tmp_path).export_csv()
    second = ExportBar(bq.Figure(), tables, "demo", directory=tmp_path).export_csv()
    names = sorted(p.split("/")[-1] for p in first + second)
    assert names == ["demo-points-1.csv", "demo-points.csv", "demo-trace-1.csv",
                     "demo-trace-2.csv"]
    assert (tmp_path / "demo-trace.csv").read_text() == "someone else's export"
