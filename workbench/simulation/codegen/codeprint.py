"""Print rewritten function bodies with the user's line numbers as comments.

Generated step functions keep one statement per line, each followed by
``# line N`` (its line in the user's file), so that ``show_code`` output can be
read next to the original, and numba errors -- which point into the generated
file -- can be traced back to the user's line (:func:`user_line_of`).
"""

import ast
import re

__all__ = ["render_body", "user_line_of"]

_LINE_COMMENT = re.compile(r"#\s*line (\d+)\s*$")


def _tag(stmt):
    line = getattr(stmt, "lineno", None)
    return f"  # line {line}" if line else ""


def render_body(statements, indent="    "):
    """Source lines of a list of statements, tagged with their original lines.

    Parameters
    ----------
    statements : list of ast.stmt
    indent : str
        Indentation of this block.

    Returns
    -------
    list of str
    """
    lines = []
    for stmt in statements:
        lines.extend(_render(stmt, indent))
    return lines or [indent + "pass"]


def _render(stmt, indent):
    deeper = indent + "    "
    if isinstance(stmt, ast.If):
        lines = [f"{indent}if {ast.unparse(stmt.test)}:{_tag(stmt)}"]
        lines += render_body(stmt.body, deeper)
        orelse = stmt.orelse
        while len(orelse) == 1 and isinstance(orelse[0], ast.If):
            inner = orelse[0]
            lines.append(f"{indent}elif {ast.unparse(inner.test)}:{_tag(inner)}")
            lines += render_body(inner.body, deeper)
            orelse = inner.orelse
        if orelse:
            lines.append(f"{indent}else:")
            lines += render_body(orelse, deeper)
        return lines
    if isinstance(stmt, (ast.For, ast.While)):
        if isinstance(stmt, ast.For):
            head = f"for {ast.unparse(stmt.target)} in {ast.unparse(stmt.iter)}:"
        else:
            head = f"while {ast.unparse(stmt.test)}:"
        lines = [f"{indent}{head}{_tag(stmt)}"] + render_body(stmt.body, deeper)
        if stmt.orelse:
            lines.append(f"{indent}else:")
            lines += render_body(stmt.orelse, deeper)
        return lines
    text = ast.unparse(stmt).splitlines()
    return [f"{indent}{text[0]}{_tag(stmt)}"] + [indent + line for line in text[1:]]


def user_line_of(generated_lines, line_number):
    """The user's line a generated line came from.

    Parameters
    ----------
    generated_lines : list of str
        The generated file's lines.
    line_number : int
        1-based line in the generated file.

    Returns
    -------
    int or None
        The ``# line N`` tag of that line, or of the closest tagged line above.
    """
    for k in range(min(line_number, len(generated_lines)) - 1, -1, -1):
        match = _LINE_COMMENT.search(generated_lines[k])
        if match:
            return int(match.group(1))
    return None
