"""Live panels: controls + one handler that asks the engine + renderers."""

from .base import Panel
from .connectivity import ConnectivityPanel

__all__ = ["Panel", "ConnectivityPanel"]
