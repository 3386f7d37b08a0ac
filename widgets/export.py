"""Export buttons: the figure as PNG/SVG, the data behind it as CSV/NPZ.

What works both in JupyterLab and in Voila (checked in the browser tests):

* PNG/SVG: ``bqplot.Figure.save_png`` / ``save_svg`` render the figure in the
  browser and trigger a download there, so the picture is exactly what is on
  screen and nothing is written on the server.
* CSV/NPZ: the data goes to the browser as a download link carrying the file in a
  ``data:`` URL, so it lands on the visitor's own machine: on a shared server nothing
  is written to the served folder and no visitor can overwrite another's export.
  With ``directory=...`` (a folder of one user, e.g. in their own notebook) the files
  are also written there, each under a new name (``-1``, ``-2``, ... appended), never
  overwriting an existing file.
"""

import base64
import csv
import html
import io
import numbers
import os

import numpy as np
import ipywidgets as W

__all__ = ["ExportBar", "write_csv", "write_npz", "write_new_file", "table_columns"]


def table_columns(name, table):
    """Check one export table and return its columns as 1-D arrays of equal length.

    Parameters
    ----------
    name : str
        Table name (for error messages).
    table : dict
        ``{column name: 1-D array-like}``.

    Returns
    -------
    dict
        ``{column name: numpy.ndarray}``.

    Raises
    ------
    ValueError
        When a column is not 1-D or the lengths differ.
    """
    columns = {}
    length = None
    for column, values in table.items():
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"export table {name!r}: column {column!r} has shape {array.shape}; "
                             "columns must be 1-D")
        if length is not None and len(array) != length:
            raise ValueError(f"export table {name!r}: column {column!r} has {len(array)} rows, "
                             f"the others {length}")
        length = len(array)
        columns[str(column)] = array
    return columns


def _format(value):
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (numbers.Real, np.floating)):
        return repr(float(value))
    if isinstance(value, (np.ndarray, list, tuple)):
        return " ".join(_format(v) for v in np.ravel(value))
    return str(value)


def write_csv(stream, table, name="table"):
    """Write one table as CSV (header row, full float precision).

    Parameters
    ----------
    stream : file-like
        Text stream to write to.
    table : dict
        ``{column: 1-D array}`` of equal lengths.
    name : str, optional
        Table name for error messages.
    """
    columns = table_columns(name, table)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(list(columns))
    rows = zip(*columns.values()) if columns else ()
    for row in rows:
        writer.writerow([_format(v) for v in row])


def write_npz(stream, tables):
    """Write several tables into one ``.npz`` archive, keys ``<table>/<column>``.

    Parameters
    ----------
    stream : file-like or str
        Binary stream or path.
    tables : dict
        ``{table: {column: 1-D array}}``.
    """
    arrays = {}
    for name, table in tables.items():
        for column, values in table_columns(name, table).items():
            arrays[f"{name}/{column}"] = values
    np.savez_compressed(stream, **arrays)


def write_new_file(directory, filename, payload):
    """Write ``payload`` into ``directory`` under ``filename`` or, when that exists, a new name.

    The file is created exclusively (``O_EXCL``), so two exports at the same moment never
    write into one file and an existing file is never overwritten.

    Parameters
    ----------
    directory : str
    filename : str
        ``'phase_plane-fixed_points.csv'``; ``-1``, ``-2``, ... go before the extension.
    payload : bytes

    Returns
    -------
    str
        The path written.
    """
    os.makedirs(directory, exist_ok=True)
    stem, extension = os.path.splitext(filename)
    for attempt in range(100_000):
        name = filename if attempt == 0 else f"{stem}-{attempt}{extension}"
        path = os.path.join(directory, name)
        try:
            with open(path, "xb") as fh:
                fh.write(payload)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free file name for {filename!r} in {directory!r}")


class ExportBar:
    """Buttons that export a panel's figure (PNG, SVG) and data (CSV, NPZ).

    Parameters
    ----------
    figure : bqplot.Figure or dict
        The figure to save, or ``{name: Figure}`` (each is saved as
        ``<basename>-<name>.png``).
    tables : callable
        ``tables() -> {table name: {column: 1-D array}}``: the data on screen,
        at full resolution (not decimated).
    basename : str
        File name stem, e.g. ``'phase_plane'``.
    directory : str, optional
        A folder of this user where CSV/NPZ files are also written, each under a
        unique name (never overwriting). Default (None, or False): no file on the
        server, the browser download only.
    max_inline_bytes : int, optional
        Files larger than this get no download link (only the file on disk, when
        there is a ``directory``), so that huge data never travels through the
        widget channel.

    Attributes
    ----------
    widget : ipywidgets.VBox
    links : ipywidgets.HTML
        Download links and paths of the last data export (CSS class ``wb-export-links``).
    last_paths : list of str
        Files written by the last CSV/NPZ export (empty without ``directory``).
    """

    def __init__(self, figure, tables, basename, directory=None, max_inline_bytes=20_000_000):
        if not callable(tables):
            raise TypeError(f"`tables`={tables!r} must be a callable returning "
                            "{table: {column: array}}")
        self.figures = dict(figure) if isinstance(figure, dict) else {"": figure}
        self.tables = tables
        self.basename = str(basename)
        self.directory = directory
        self.max_inline_bytes = int(max_inline_bytes)
        self.last_paths = []
        buttons = []
        for kind, tip in (("png", "Download the figure as PNG"),
                          ("svg", "Download the figure as SVG"),
                          ("csv", "Download the data as CSV"),
                          ("npz", "Download the data as NumPy .npz")):
            button = W.Button(description=kind.upper(), tooltip=tip, icon="download",
                              layout=W.Layout(width="80px"))
            button.add_class(f"wb-export-{kind}")
            button.on_click(getattr(self, f"_on_{kind}"))
            buttons.append(button)
        self.buttons = buttons
        self.links = W.HTML("")
        self.links.add_class("wb-export-links")
        self.widget = W.VBox([W.HBox(buttons), self.links])

    # -- figure -------------------------------------------------------------------------
    def _figure_files(self, extension):
        single = len(self.figures) == 1
        for name, figure in self.figures.items():
            stem = self.basename if single or not name else f"{self.basename}-{name}"
            yield figure, f"{stem}.{extension}"

    def export_png(self, scale=2):
        """Ask the browser to download the figure(s) as ``<basename>[-<name>].png``.

        Parameters
        ----------
        scale : float, optional
            Resolution factor (2 gives a sharp picture on slides).

        Returns
        -------
        list of str
            The file names the browser is asked to save.
        """
        names = []
        for figure, filename in self._figure_files("png"):
            figure.save_png(filename, scale=scale)
            names.append(filename)
        return names

    def export_svg(self):
        """Ask the browser to download the figure(s) as ``<basename>[-<name>].svg``.

        Returns
        -------
        list of str
            The file names the browser is asked to save.
        """
        names = []
        for figure, filename in self._figure_files("svg"):
            figure.save_svg(filename)
            names.append(filename)
        return names

    # -- data ---------------------------------------------------------------------------
    def _target_directory(self):
        if self.directory is None or self.directory is False:
            return None
        return str(self.directory)

    def export_csv(self):
        """Write one CSV per table and show download links.

        Returns
        -------
        list of str
            Paths written (empty without ``directory``).
        """
        files = []
        for name, table in self.tables().items():
            stream = io.StringIO()
            write_csv(stream, table, name)
            files.append((f"{self.basename}-{name}.csv", stream.getvalue().encode(), "text/csv"))
        return self._publish(files)

    def export_npz(self):
        """Write all tables into ``<basename>.npz`` and show a download link.

        Returns
        -------
        list of str
            Paths written (empty without ``directory``).
        """
        stream = io.BytesIO()
        write_npz(stream, self.tables())
        return self._publish([(f"{self.basename}.npz", stream.getvalue(),
                               "application/octet-stream")])

    def _publish(self, files):
        directory = self._target_directory()
        paths, items = [], []
        for filename, payload, mime in files:
            note = ""
            if directory is not None:
                path = write_new_file(directory, filename, payload)
                paths.append(path)
                note = f" <span style='color:#555'>(saved as {html.escape(path)})</span>"
            if len(payload) <= self.max_inline_bytes:
                url = f"data:{mime};base64,{base64.b64encode(payload).decode()}"
                items.append(f"<a download='{html.escape(filename)}' href='{url}' "
                             f"class='wb-download'>{html.escape(filename)}</a>{note}")
            else:
                hint = note or (" (export from a notebook with ExportBar(..., directory=...) "
                                "to save it as a file)")
                items.append(f"{html.escape(filename)}: {len(payload) / 1e6:.0f} MB, too large "
                             f"for a download link{hint}")
        self.last_paths = paths
        self.links.value = "<br>".join(items)
        return paths

    def _on_png(self, _button):
        self.export_png()

    def _on_svg(self, _button):
        self.export_svg()

    def _on_csv(self, _button):
        self._guard(self.export_csv)

    def _on_npz(self, _button):
        self._guard(self.export_npz)

    def _guard(self, action):
        try:
            action()
        except Exception as exc:  # an export failure is reported, never raised into the void
            self.links.value = (f"<span style='color:#b00020'>export failed: "
                                f"{html.escape(type(exc).__name__, quote=False)}: {html.escape(str(exc), quote=False)}</span>")
