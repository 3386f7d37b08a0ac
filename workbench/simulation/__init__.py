"""Simulation engine: neuron groups, synapses and networks (``bp.NeuGroup`` & co.).

Layers, each importing only those below it:

* :mod:`.nodes` -- what users subclass and build: objects, networks, monitors,
  delays, ``@every``;
* :mod:`.schedule`, :mod:`.inputs`, :mod:`.plan` -- the plan of one run;
* :mod:`.executor` -- the contract every executor follows; one sub-package per
  target implements it: :mod:`.numpy` (interpreted), :mod:`.numba` (one compiled
  loop), :mod:`.tensor` (PyTorch, TensorFlow, JAX), sharing :mod:`.codegen`;
* :mod:`.runner` -- the run driver: picks the executor, advances it in chunks,
  reports, locates failures.

Importing this package connects the driver to the nodes' ``run()``/``build()``.
"""

from . import runner
from .executor import StepCompileWarning
from .nodes import (ConstantDelay, DynamicalSystem, Monitor, NeuGroup, Network, SynConn,
                    TwoEndConn, every, runnable)

runnable.connect_driver(runner)

__all__ = ["DynamicalSystem", "NeuGroup", "TwoEndConn", "SynConn", "Network", "Monitor",
           "ConstantDelay", "every", "StepCompileWarning"]
