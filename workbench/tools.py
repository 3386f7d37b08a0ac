"""``bp.tools``: small helpers for user code (BrainPy 1.0.2's ``bp.tools.deindent``)."""

__all__ = ["deindent"]


def _expand_leading_tabs(line, spaces_per_tab):
    """``line`` with the tabs of its indentation replaced by spaces."""
    body = line.lstrip(" \t")
    indentation = line[:len(line) - len(body)]
    return indentation.replace("\t", " " * spaces_per_tab) + body


def deindent(text, num_tabs=None, spaces_per_tab=4, docstring=False):
    """Remove indentation from a block of code or text.

    Tabs in the indentation count as ``spaces_per_tab`` spaces (and become
    spaces). Lines holding only whitespace become empty and do not count.

    Parameters
    ----------
    text : str
        The text, e.g. the source of a method.
    num_tabs : int, optional
        Remove ``num_tabs * spaces_per_tab`` columns of indentation (at most
        what a line has). By default the common indentation of the lines is
        removed, as :func:`textwrap.dedent` does.
    spaces_per_tab : int, optional
        Width of a tab (default 4).
    docstring : bool, optional
        Leave the first line alone and measure the indentation on the others,
        as for a docstring whose text starts right after the quotes.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``text`` is not a string, or ``num_tabs``/``spaces_per_tab`` is not
        a non-negative int.

    Examples
    --------
    >>> deindent('    def f(x):\\n        return x\\n')
    'def f(x):\\n    return x\\n'
    >>> deindent('        a\\n        b', num_tabs=1)
    '    a\\n    b'
    >>> deindent('Summary.\\n    More text.', docstring=True)
    'Summary.\\nMore text.'
    """
    if not isinstance(text, str):
        raise ValueError(f"`text`={text!r} must be a string.")
    for name, value in (("spaces_per_tab", spaces_per_tab), ("num_tabs", num_tabs)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise ValueError(f"`{name}`={value!r} must be a non-negative int.")
    lines = text.split("\n")
    first = 1 if docstring else 0
    body = [_expand_leading_tabs(line, spaces_per_tab) if line.strip() else ""
            for line in lines[first:]]
    if num_tabs is None:
        indents = [len(line) - len(line.lstrip(" ")) for line in body if line]
        remove = min(indents) if indents else 0
    else:
        remove = num_tabs * spaces_per_tab
    body = [line[min(remove, len(line) - len(line.lstrip(" "))):] for line in body]
    return "\n".join(lines[:first] + body)
