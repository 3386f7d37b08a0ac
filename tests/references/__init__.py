"""Recorded outputs of reference programs that the test suite cannot run itself.

``brainpy_compat.json`` holds BrainPy 1.0.2's behaviour (brainpy-simulator
1.0.3), written by ``make_brainpy_compat.py`` in BrainPy's own virtualenv.
"""

import functools
import json
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def brainpy_compat():
    """The recorded BrainPy 1.0.2 results, as a dict (see ``make_brainpy_compat.py``)."""
    with open(os.path.join(_HERE, "brainpy_compat.json")) as fh:
        return json.load(fh)
