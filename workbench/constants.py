"""Keyword constants of the public API, with BrainPy 1.0.2's values.

The values are BrainPy's own strings (``bp.SCALAR_VAR == 'scalar'``), so code
that passes the literal ``'population'`` or ``'vector'`` works as it does in
BrainPy. :func:`normalize_choice` also accepts any capitalisation and the
spellings earlier workbench releases used (``'POPULATION'``,
``'scalar_wiener'``), and turns them into the canonical value.
"""

from .errors import IntegratorError, choices

__all__ = ["SCALAR_VAR", "POPU_VAR", "SYSTEM_VAR", "SUPPORTED_VAR_TYPE", "ITO_SDE", "STRA_SDE",
           "SUPPORTED_SDE_TYPE", "SCALAR_WIENER", "VECTOR_WIENER", "SUPPORTED_WIENER_TYPE",
           "normalize_choice"]

#: ``var_type`` of an integrator: every variable is a scalar.
SCALAR_VAR = "scalar"
#: ``var_type`` of an integrator: every variable is an array (a population).
POPU_VAR = "population"
#: ``var_type`` of an integrator: one argument holds an array of variables.
SYSTEM_VAR = "system"
#: The ``var_type`` values (BrainPy's ``bp.SUPPORTED_VAR_TYPE``).
SUPPORTED_VAR_TYPE = [SCALAR_VAR, POPU_VAR, SYSTEM_VAR]

#: ``sde_type``: the Ito interpretation of the stochastic integral.
ITO_SDE = "Ito"
#: ``sde_type``: the Stratonovich interpretation of the stochastic integral.
STRA_SDE = "Stratonovich"
#: The ``sde_type`` values (BrainPy's ``bp.SUPPORTED_SDE_TYPE``).
SUPPORTED_SDE_TYPE = [ITO_SDE, STRA_SDE]

#: ``wiener_type``: each element of each variable has its own scalar Wiener
#: increment (the diffusion ``g`` has the shape of the variable, as in the
#: manual's noisy Lorenz example).
SCALAR_WIENER = "scalar"
#: ``wiener_type``: a vector of independent Wiener processes.
VECTOR_WIENER = "vector"
#: The ``wiener_type`` values (BrainPy's ``bp.SUPPORTED_WIENER_TYPE``).
SUPPORTED_WIENER_TYPE = [SCALAR_WIENER, VECTOR_WIENER]

# Spellings of earlier workbench releases, still accepted.
_FORMER_SPELLINGS = {"scalar_wiener": SCALAR_WIENER, "vector_wiener": VECTOR_WIENER}

# argument -> (what its values are, the constants that hold them), for messages
_DESCRIPTIONS = {"var_type": ("a variable type", "bp.SCALAR_VAR, bp.POPU_VAR, bp.SYSTEM_VAR"),
                 "sde_type": ("an SDE type", "bp.ITO_SDE, bp.STRA_SDE"),
                 "wiener_type": ("a Wiener process type", "bp.SCALAR_WIENER, bp.VECTOR_WIENER")}


def normalize_choice(argument, value, allowed):
    """The canonical constant for ``value``, matched without regard to case.

    Parameters
    ----------
    argument : str
        The argument's name (``'var_type'``, ``'sde_type'``, ``'wiener_type'``),
        used in the message.
    value : str
        What the user passed.
    allowed : sequence of str
        The canonical values, e.g. :data:`SUPPORTED_VAR_TYPE`.

    Returns
    -------
    str
        The element of ``allowed`` that ``value`` names.

    Raises
    ------
    IntegratorError
        If ``value`` names none of them.

    Examples
    --------
    >>> normalize_choice('var_type', 'POPULATION', SUPPORTED_VAR_TYPE)
    'population'
    >>> normalize_choice('wiener_type', 'scalar_wiener', SUPPORTED_WIENER_TYPE)
    'scalar'
    """
    if isinstance(value, str):
        lowered = value.lower()
        lowered = _FORMER_SPELLINGS.get(lowered, lowered)
        for canonical in allowed:
            if canonical.lower() == lowered:
                return canonical
    what, names = _DESCRIPTIONS.get(argument, ("valid", None))
    hint = f" ({names})" if names else ""
    raise IntegratorError(f"`{argument}`={value!r} is not {what}; choose one of: "
                          f"{choices(allowed)}{hint}.")
