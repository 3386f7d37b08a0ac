"""Live panels: controls + one handler that asks the engine + renderers."""

from .base import Panel

__all__ = ["Panel"]
