"""``bp.Network``: several objects simulated together in one loop over time steps."""

from ...errors import ModelError, choices
from .base import DynamicalSystem
from .runnable import Runnable

__all__ = ["Network"]


class Network(Runnable):
    """A set of neuron groups and synapses run together.

    Parameters
    ----------
    *nodes : DynamicalSystem or Network or list
        The objects; networks and lists are flattened.
    show_code : bool, optional
        Print the generated code whenever the network is built.
    **named_nodes : DynamicalSystem
        Objects registered under a name (an object with an automatic name is
        renamed to it).

    Attributes
    ----------
    all_nodes : dict
        Name to object, in the order added.

    Raises
    ------
    ModelError
        For an object that is not a DynamicalSystem or duplicate names.

    Examples
    --------
    >>> net = bp.Network(group, syn)                                    # doctest: +SKIP
    >>> net.run(200., inputs=(group, 'input', 20.), report=True)       # doctest: +SKIP
    """

    def __init__(self, *nodes, show_code=False, **named_nodes):
        self.all_nodes = {}
        self.show_code = bool(show_code)
        self.add(*nodes, **named_nodes)

    def add(self, *nodes, **named_nodes):
        """Add objects to the network.

        Parameters
        ----------
        *nodes : DynamicalSystem or Network or list
            Objects to add.
        **named_nodes : DynamicalSystem
            Objects to add under a name.

        Raises
        ------
        ModelError
            For a non-model object or a name used twice.
        """
        for node in nodes:
            if isinstance(node, Network):
                self.add(*node.all_nodes.values())
            elif isinstance(node, (list, tuple)):
                self.add(*node)
            else:
                self._register(node)
        for key, node in named_nodes.items():
            if not isinstance(node, DynamicalSystem):
                raise ModelError(f"Network node {key}={node!r} must be a bp.DynamicalSystem "
                                 f"(a NeuGroup, TwoEndConn, ...).")
            if node.name != key:
                if not node.__dict__.get("_auto_name", False):
                    raise ModelError(f"Network node {key}= is named {node.name!r}; give it "
                                     f"name={key!r} when creating it or pass it positionally.")
                node.name = key
                node._auto_name = False
            self._register(node)

    def _register(self, node):
        if not isinstance(node, DynamicalSystem):
            raise ModelError(f"Network node {node!r} must be a bp.DynamicalSystem (a NeuGroup, "
                             f"TwoEndConn, ...).")
        node._check_initialized()
        existing = self.all_nodes.get(node.name)
        if existing is node:
            return
        if existing is not None:
            raise ModelError(f"Two network nodes are named {node.name!r} ({existing.describe()} "
                             f"and {node.describe()}); names must be unique.")
        self.all_nodes[node.name] = node

    def __getattr__(self, name):
        nodes = self.__dict__.get("all_nodes", {})
        if name in nodes:
            return nodes[name]
        raise AttributeError(f"Network has no attribute or node {name!r}; its nodes are: "
                             f"{choices(nodes) or 'none'}.")

    def describe(self):
        """A short description for messages.

        Returns
        -------
        str
        """
        return f"Network({', '.join(self.all_nodes)})"

    def __repr__(self):
        return f"<{self.describe()}>"

    def schedule(self):
        """The running order of one time step, as ``'node_name.step'`` strings.

        The default runs every node's own ``schedule()`` one node after the other.
        Override it (as a generator or returning a list) to interleave nodes.

        Yields
        ------
        str
            ``'<node name>.<step name>'``, where the step is one of the node's
            steps or ``'input'`` / ``'monitor'``.
        """
        for node in self.all_nodes.values():
            for key in node.schedule():
                yield f"{node.name}.{key}"

    def _nodes(self):
        return list(self.all_nodes.values())
