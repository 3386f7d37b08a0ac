"""Docstring examples of the modules no package runner covers, and a census of all of them.

Each package's own runner (tests/<package>/test_docs*.py) checks its modules;
this one runs the rest and checks that every module with examples, in
workbench and widgets, is run somewhere with a stated number of examples.
"""

import doctest

import numpy as np
import pytest

from .doctests import modules_with_examples, run_examples

# module -> number of examples it must run
EXAMPLES = {
    "workbench.analysis.stability": 4, "workbench.backend": 8, "workbench.backend.jit": 4,
    "workbench.backend.ops": 3, "workbench.sizes": 1, "workbench.symbolic": 4,
    "workbench.constants": 2, "workbench.input_groups": 6, "workbench.tools": 3,
    "workbench.simulation.nodes.delays": 8, "workbench.simulation.nodes.every": 2,
    "workbench.simulation.nodes.monitors": 3, "workbench.simulation.nodes.neurons": 3,
    "workbench.simulation.nodes.records": 7,
    "widgets.drawing": 3, "widgets.runner": 4,
    "workbench.analysis.cycles.collocation": 3, "workbench.analysis.cycles.floquet": 1,
}

# modules whose examples a package runner runs (with its own counts)
RUN_ELSEWHERE = {
    "workbench.connect.base", "workbench.connect.formatters", "workbench.connect.random",
    "workbench.connect.regular",                                    # tests/connect/test_docs.py
    "workbench.integrators.codegen", "workbench.integrators.ode",
    "workbench.integrators.sde",                                    # tests/integrators/test_docstrings.py
    "workbench.sweep", "workbench.sweep.api", "workbench.sweep.params",
    "workbench.sweep.seeding",                                      # tests/sweep/test_docs.py
    "workbench.visualize.animation", "workbench.visualize.figures",
    "workbench.visualize.plots",                                    # tests/visualize/test_figures.py
    "workbench.measure", "workbench.inputs",                        # tests/test_measure.py, test_inputs.py
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_examples(name):
    run_examples(name, EXAMPLES[name], extraglobs={"np": np},
                 optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)


def test_every_module_with_examples_is_run_somewhere():
    found = modules_with_examples("workbench") | modules_with_examples("widgets")
    assert found == set(EXAMPLES) | RUN_ELSEWHERE
