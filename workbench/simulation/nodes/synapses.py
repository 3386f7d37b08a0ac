"""``bp.TwoEndConn`` (also ``bp.SynConn``): a projection between two groups."""

import numbers

from ...connect.base import Connector
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
    ConnectorError
        If a connector held by the synapse (``conn`` or any attribute holding a
        :class:`~workbench.connect.Connector`) was built for other group sizes
        than ``pre.num`` and ``post.num``. Checked here and again when the model
        is built, as ``super().__init__`` may come before ``self.conn = ...``.
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
        self._check_connectors()

    def _check_connectors(self):
        # Only NeuGroups (and look-alikes) have a number of neurons to compare with.
        pre_num, post_num = getattr(self.pre, "num", None), getattr(self.post, "num", None)
        if not (isinstance(pre_num, numbers.Integral) and isinstance(post_num, numbers.Integral)):
            return
        pre_num, post_num = int(pre_num), int(post_num)
        for attr, value in list(self.__dict__.items()):
            if isinstance(value, Connector):
                value.check_fits(pre_num, post_num, f"{self.describe()}, `{attr}`")

    def _check_initialized(self):
        super()._check_initialized()
        self._check_connectors()

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
