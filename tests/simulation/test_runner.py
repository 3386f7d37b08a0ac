"""run()/build(): durations, reports, progress, and failures that are reported, not hidden."""

import re

import numpy as np
import pytest

from workbench.errors import ModelError, SimulationError
from workbench.simulation.plan import time_window

from .models import Counter, EulerLIF, Exploder, Raiser


def test_time_window():
    assert time_window(100., 0.1) == (0.0, 1000)
    assert time_window((200, 400.), 0.1) == (200.0, 2000)
    assert time_window(0.05, 0.1) == (0.0, 1)
    for bad in (-1., (5., 5.), (1, 2, 3), "10", float("nan")):
        with pytest.raises(ModelError, match="`duration`"):
            time_window(bad, 0.1)


def test_report_prints_the_manual_lines(backend, capsys):
    group = EulerLIF(10, monitors=["V"])
    elapsed = group.run(duration=200., inputs=("input", 26.), report=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"Compilation used \d+\.\d{4} s\.", lines[0])
    assert lines[1] == "Start running ..."
    percents = [re.fullmatch(r"Run (\d+\.\d)% used \d+\.\d{3} s\.", line).group(1)
                for line in lines[2:-1]]
    assert percents == [f"{10 * k:.1f}" for k in range(1, 11)]
    assert lines[-1] == f"Simulation is done in {elapsed:.3f} s."
    group.run(duration=(200, 400.), report=True, report_percent=0.5)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(" used")[0] for line in lines[2:-1]] == ["Run 50.0%", "Run 100.0%"]


def test_progress_callback_gets_fractions(backend):
    fractions = []
    Counter(1).run(10., progress=fractions.append, report_percent=0.25)
    assert fractions == [0.25, 0.5, 0.75, 1.0]
    with pytest.raises(ModelError, match="`report_percent`=0 must be a fraction"):
        Counter(1).run(1., report_percent=0)


def test_run_returns_time_and_builds_once(backend):
    group = Counter(2)
    assert group.run(1.) >= 0.
    executor = group._wb_executor
    group.run(2.)
    assert group._wb_executor is executor


def test_build_returns_a_checked_step_runner(backend, capsys):
    group = Counter(2, monitors=["count"])
    run_steps = group.build(1., show_code=True)
    assert "update" in capsys.readouterr().out
    run_steps(0, 4)
    run_steps(4, 10)
    np.testing.assert_array_equal(group.mon.count[:, 0], np.arange(1., 11.))
    with pytest.raises(ModelError, match="outside the built run of 10 steps"):
        run_steps(5, 11)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_nan_names_object_variable_step_and_time(backend_or_fastmath):
    group = Exploder(name="boom", monitors=["never"])
    with pytest.raises(SimulationError, match=r"Exploder 'boom' \(size 3\): x became NaN at "
                                              r"t=0\.3 ms \(step 3 of the run\) in step "
                                              r"'update'"):
        group.run(5.)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_nan_in_a_monitored_variable_reports_its_time(backend_or_fastmath):
    group = Exploder(name="boom", monitors=["x"])
    # compiled steps report the store itself (generator/nan_watch.py), interpreted ones are
    # checked after every step: both name the step before the monitor record shows it
    with pytest.raises(SimulationError, match=r"x became NaN at t=0\.3 ms \(step 3 of the run\) "
                                              r"in step 'update'"):
        group.run(5.)


def test_exception_in_a_step_names_model_step_and_time(backend):
    group = Raiser(when=0.75, name="div")
    with pytest.raises(SimulationError, match=r"Raiser 'div' \(size 1\) failed at t=0\.8 ms "
                                              r"\(step 8 of the run\) in step 'update': "
                                              r"ZeroDivisionError") as info:
        group.run(2.)
    if backend == "numpy":
        assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_run_with_unchanged_state_is_reproducible(backend):
    group = EulerLIF(4, monitors=["spike"])
    group.run(50., inputs=("input", 26.))
    first = group.mon.spike.copy()
    group2 = EulerLIF(4, monitors=["spike"])
    group2.run(50., inputs=("input", 26.))
    np.testing.assert_array_equal(first, group2.mon.spike)


def test_compiling_checked_copies_during_a_run_is_not_running_time(monkeypatch):
    """A chunk run again (RerunChunk) compiled first: that time is compilation, as it would
    have been in a first compile with the checked copies, not the run's time."""
    import time

    import workbench as bp
    from tests.simulation.numba.test_index_checks import Growing
    from workbench.simulation.numba.executor import CompiledExecutor

    compile_checked_copies = CompiledExecutor._compile_checked_copies

    def slow_compile(self):
        time.sleep(1.)                      # stands for the seconds of a network's compile
        compile_checked_copies(self)
    monkeypatch.setattr(CompiledExecutor, "_compile_checked_copies", slow_compile)
    bp.backend.set("numba", dt=0.1)
    group = Growing(4)
    elapsed = group.run(2.0)
    assert group._wb_executor.checked_copies
    assert elapsed < 0.5
