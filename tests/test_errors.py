"""BrainPy 1.0.2's exception names catch what workbench raises in the same situation."""

import pytest

import workbench as bp


def test_diff_eq_error_is_raised_for_a_derivative_without_time():
    def no_time(x, y):
        return -x, -y

    with pytest.raises(bp.errors.DiffEqError, match=r"has no time argument `t`"):
        bp.odeint(no_time)
    assert issubclass(bp.errors.DiffEqError, bp.errors.IntegratorError)
    assert issubclass(bp.errors.DiffEqError, ValueError)


def test_diff_eq_error_for_a_wrong_number_of_derivatives():
    def two_variables(x, y, t):
        return -x

    with pytest.raises(bp.errors.DiffEqError, match="returns 1"):
        bp.odeint(two_variables)


def test_analyzer_error_is_the_analysis_error():
    assert bp.errors.AnalyzerError is bp.errors.AnalysisError
    with pytest.raises(bp.errors.AnalyzerError):
        bp.analysis.stability_analysis([[1.0, 2.0, 3.0]])


def test_code_error_is_raised_for_unreadable_code():
    from workbench.symbolic import SymbolicError, to_sympy
    assert issubclass(SymbolicError, bp.errors.CodeError)
    derivative = eval("lambda x, t: -x")          # no source file to read
    with pytest.raises(bp.errors.CodeError):
        to_sympy(derivative)
