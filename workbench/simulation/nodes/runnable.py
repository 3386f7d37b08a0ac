"""``run()`` and ``build()``: the one front door of objects and networks.

:class:`~workbench.simulation.nodes.base.DynamicalSystem` and
:class:`~workbench.simulation.nodes.network.Network` both derive from
:class:`Runnable`, so they share one ``run`` and one ``build`` (and their
docstrings). The node classes are the bottom layer of the engine: the run
driver (:mod:`workbench.simulation.runner`) imports them, never the other way
round. Importing :mod:`workbench.simulation` -- which Python does before any
of its modules can be used -- connects the driver here (:func:`connect_driver`).
"""

from ...errors import SimulationError

__all__ = ["Runnable", "connect_driver"]

_driver = None


def connect_driver(driver):
    """Make ``run()`` and ``build()`` of every runnable object use ``driver``.

    Parameters
    ----------
    driver : module
        Provides ``run(host, duration, inputs, report, report_percent, progress)``
        and ``build(host, duration, inputs, show_code)``; the engine connects
        :mod:`workbench.simulation.runner`.
    """
    global _driver
    _driver = driver


def _connected_driver():
    if _driver is None:
        raise SimulationError("The simulation engine is not connected: import workbench (or "
                              "workbench.simulation) before running a model.")
    return _driver


class Runnable:
    """Something the engine can run: one object, or a network of them.

    Subclasses provide ``describe()`` (a name for messages), ``schedule()``
    (the running order of a time step), ``_nodes()`` (the objects of a run) and
    a ``show_code`` attribute.
    """

    show_code = False

    def build(self, duration, inputs=(), show_code=False):
        """Prepare (and on numba compile) a run without running it.

        Parameters
        ----------
        duration : float or tuple
            Run length in ms, or ``(start, end)``.
        inputs : tuple or list, optional
            As for :meth:`run`.
        show_code : bool, optional
            Print the generated code (also when the object was created with
            ``show_code=True``).

        Returns
        -------
        callable
            ``run_steps(i_start, i_end)`` that advances the prepared run over its
            steps ``i_start`` to ``i_end - 1``.
        """
        return _connected_driver().build(self, duration, inputs,
                                         show_code=show_code or self.show_code)

    def run(self, duration, inputs=(), report=False, report_percent=0.1, progress=None):
        """Simulate this object (or network).

        Parameters
        ----------
        duration : float or tuple
            Run length in ms (from 0), or ``(start, end)`` to continue in time.
        inputs : tuple or list, optional
            One input or a list of them. On an object: ``(attribute, value[, op])``.
            On a network: ``(node, 'attribute', value[, op])``, where ``node`` may
            also be the node's name, or ``('name.attribute', value[, op])``.
            ``value`` is a number, an array shaped like the attribute, or a time
            series of shape ``(steps,)`` or ``(steps,) + shape``; ``op`` is one of
            ``'+'`` (default), ``'-'``, ``'*'``, ``'/'``, ``'='``.
        report : bool, optional
            Print progress lines (terminal) or show a progress bar (notebook).
        report_percent : float, optional
            Report every this fraction of the run.
        progress : callable, optional
            Called with the completed fraction after every chunk (for widgets).

        Returns
        -------
        float
            The running time in seconds (compilation excluded).

        Raises
        ------
        ModelError
            For a bad duration, input, schedule or monitor.
        SimulationError
            When a step raises or a variable becomes NaN/inf; the message names the
            object, the variable or step, and the time.
        """
        return _connected_driver().run(self, duration, inputs, report=report,
                                       report_percent=report_percent, progress=progress)
