"""Keyword constants: BrainPy 1.0.2's values, its spellings accepted, earlier spellings kept."""

import pytest

import workbench as bp
from tests.references import brainpy_compat
from workbench.constants import normalize_choice
from workbench.errors import IntegratorError


def drift(x, t):
    return -x


def diffusion(x, t):
    return 0.1


@pytest.mark.parametrize("name", sorted(brainpy_compat()["constants"]))
def test_constants_have_brainpys_values(name):
    assert getattr(bp, name) == brainpy_compat()["constants"][name]


def test_integrators_namespace_holds_the_constants_and_bp_holds_the_modules():
    for name in ("ITO_SDE", "STRA_SDE", "SCALAR_VAR", "POPU_VAR", "SYSTEM_VAR", "SCALAR_WIENER",
                 "VECTOR_WIENER", "SUPPORTED_VAR_TYPE", "SUPPORTED_SDE_TYPE",
                 "SUPPORTED_WIENER_TYPE"):
        assert getattr(bp.integrators, name) == getattr(bp, name)
    assert bp.ode is bp.integrators.ode and bp.sde is bp.integrators.sde
    assert bp.SUPPORTED_ODE_METHODS == bp.integrators.SUPPORTED_ODE_METHODS


@pytest.mark.parametrize("given, canonical", [
    ("population", "population"), ("POPULATION", "population"), ("Scalar", "scalar"),
    (bp.SYSTEM_VAR, "system")])
def test_var_type_accepts_brainpys_and_upper_case_spellings(given, canonical):
    assert bp.odeint(drift, var_type=given).var_type == canonical


@pytest.mark.parametrize("kwargs, expected", [
    (dict(wiener_type="vector"), ("Ito", "vector")),
    (dict(wiener_type="scalar_wiener"), ("Ito", "scalar")),       # earlier workbench spelling
    (dict(wiener_type="VECTOR_WIENER"), ("Ito", "vector")),
    (dict(sde_type="ito"), ("Ito", "scalar")),
    (dict(sde_type="stratonovich", method="heun"), ("Stratonovich", "scalar")),
])
def test_sde_types_accept_any_capitalisation(kwargs, expected):
    integral = bp.sdeint(drift, g=diffusion, **kwargs)
    assert (integral.sde_type, integral.wiener_type) == expected


@pytest.mark.parametrize("argument, value, match", [
    ("var_type", "vector", r"`var_type`='vector' is not a variable type; choose one of: "
                           r"'population', 'scalar', 'system' \(bp.SCALAR_VAR"),
    ("sde_type", 3, r"`sde_type`=3 is not an SDE type"),
    ("wiener_type", None, r"`wiener_type`=None is not a Wiener process type"),
])
def test_unknown_values_name_the_argument_and_the_choices(argument, value, match):
    allowed = {"var_type": bp.SUPPORTED_VAR_TYPE, "sde_type": bp.SUPPORTED_SDE_TYPE,
               "wiener_type": bp.SUPPORTED_WIENER_TYPE}[argument]
    with pytest.raises(IntegratorError, match=match):
        normalize_choice(argument, value, allowed)
