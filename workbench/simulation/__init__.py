"""Simulation engine: neuron groups, synapses and networks (``bp.NeuGroup`` & co.).

Models are plain Python classes; the numpy backend calls their step functions,
the numba backends compile the whole schedule of a run into one native loop
(see :mod:`~workbench.simulation.compiler`).
"""

from .base import DynamicalSystem
from .delays import ConstantDelay
from .every import every
from .monitors import Monitor
from .network import Network
from .neurons import NeuGroup
from .runner import StepCompileWarning
from .synapses import SynConn, TwoEndConn

__all__ = ["DynamicalSystem", "NeuGroup", "TwoEndConn", "SynConn", "Network", "Monitor",
           "ConstantDelay", "every", "StepCompileWarning"]
