"""Identifiers in generated code."""

__all__ = ["node_variable_names", "sanitize"]


def node_variable_names(nodes):
    """Readable, unique identifiers for the nodes in generated code.

    Parameters
    ----------
    nodes : list of DynamicalSystem

    Returns
    -------
    dict
        ``id(node)`` to identifier.
    """
    names = {}
    used = set()
    for k, node in enumerate(nodes):
        # An automatic name (``CobaLIF7``) counts the instances made in this process, so a
        # network built again would get new names, new source and a new compilation (and
        # retain the machine code of each); its class and position stay the same.
        name = f"{type(node).__name__}_{k}" if node.__dict__.get("_auto_name") else node.name
        if name.startswith("_") or name in ("np", "math") or name in used or \
                not name.isidentifier():
            name = f"node{k}"
        used.add(name)
        names[id(node)] = name
    return names


def sanitize(text):
    """``text`` with every character that cannot be in an identifier replaced by ``_``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return "".join(c if c.isalnum() else "_" for c in text)
