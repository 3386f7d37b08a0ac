"""What users write and subclass: objects, networks, monitors, delays, ``@every``.

The bottom layer of the engine: these modules import nothing of the engine
above them (planning, executors, the runner), which imports them.
"""

from .base import DynamicalSystem
from .delays import ConstantDelay
from .every import every
from .monitors import Monitor
from .network import Network
from .neurons import NeuGroup
from .synapses import SynConn, TwoEndConn

__all__ = ["DynamicalSystem", "NeuGroup", "TwoEndConn", "SynConn", "Network", "Monitor",
           "ConstantDelay", "every"]
