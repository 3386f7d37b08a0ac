"""Shared doctest runner: every runner states how many examples each module must run.

``failed == 0`` alone passes over a module whose examples were deleted or never
collected; comparing ``attempted`` with the expected count, and the modules that
have examples with the runner's table, makes that visible.
"""

import doctest
import importlib
import pkgutil


def run_examples(module, expected, **kwargs):
    """Run ``module``'s docstring examples; assert all ``expected`` ran and none failed."""
    if isinstance(module, str):
        module = importlib.import_module(module)
    result = doctest.testmod(module, **kwargs)
    assert result.failed == 0, f"{module.__name__}: {result.failed} examples failed"
    assert result.attempted == expected, (
        f"{module.__name__}: {result.attempted} examples ran, the runner expects {expected}; "
        f"update the runner's table when examples are added or removed")
    return result


def modules_with_examples(package):
    """Names of the modules of ``package`` (recursively) whose docstrings hold examples that run.

    Examples marked ``# doctest: +SKIP`` do not count.
    """
    package = importlib.import_module(package)
    names = [package.__name__] + [info.name for info in pkgutil.walk_packages(
        package.__path__, prefix=package.__name__ + ".")]
    finder = doctest.DocTestFinder()
    found = set()
    for name in names:
        module = importlib.import_module(name)
        if any(not example.options.get(doctest.SKIP) for test in finder.find(module)
               for example in test.examples):
            found.add(name)
    return found
