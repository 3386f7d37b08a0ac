"""``bp.TwoEndConn`` (also ``bp.SynConn``): a projection between two groups."""

from ...errors import ModelError
from .base import DynamicalSystem

__all__ = ["TwoEndConn", "SynConn"]


class TwoEndConn(DynamicalSystem):
    """Base class of synapse models connecting a pre- to a post-synaptic group.

    Step functions read and write the groups through ``self.pre`` and
    ``self.post`` (``self.pre.spike``, ``self.post.input``); compiled step
    functions receive those arrays directly. Delays come from
    :meth:`register_constant_delay`.

    Parameters
    ----------
    pre : DynamicalSystem
        The pre-synaptic group.
    post : DynamicalSystem
        The post-synaptic group.
    conn : Connector, optional
        Stored as ``self.conn`` unless the subclass already set ``self.conn``.
    **kwargs
        ``steps``, ``monitors``, ``name``, ``show_code`` of
        :class:`~workbench.simulation.nodes.base.DynamicalSystem`.

    Raises
    ------
    ModelError
        If ``pre`` or ``post`` is not a model object.
    """

    def __init__(self, pre, post, conn=None, **kwargs):
        for role, group in (("pre", pre), ("post", post)):
            if not isinstance(group, DynamicalSystem):
                raise ModelError(f"`{role}`={group!r} of {type(self).__name__} must be a neuron "
                                 f"group (a bp.NeuGroup or other bp.DynamicalSystem).")
        self.pre = pre
        self.post = post
        if conn is not None and "conn" not in self.__dict__:
            self.conn = conn
        super().__init__(**kwargs)

    def describe(self):
        """A short description for messages, e.g. ``"Syn 'E2I' (E -> I)"``.

        Returns
        -------
        str
        """
        text = f"{type(self).__name__} {self.__dict__.get('_name', '?')!r}"
        pre, post = self.__dict__.get("pre"), self.__dict__.get("post")
        if pre is not None and post is not None:
            text += f" ({pre.name} -> {post.name})"
        return text


#: BrainPy's other name of the same class.
SynConn = TwoEndConn
