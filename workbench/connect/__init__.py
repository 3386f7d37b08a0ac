"""Synaptic connectivity: ``bp.connect`` (manual ch. 5 and 16).

Connectors are created with their parameters, called with the group sizes
and asked for synaptic structures::

    conn = bp.connect.FixedProb(0.02, seed=42)(pre.size, post.size)
    pre_ids, post_ids, pre_slice = conn.requires('pre_ids', 'post_ids', 'pre_slice')

Every connector stores one sorted pre-major CSR and derives the other
structures from it on first request; see :mod:`workbench.connect.base` for
the synapse order that ``pre_slice``/``post_slice`` select.
"""

from .base import STRUCTURE_ALIASES, STRUCTURES, Connector
from .formatters import (ij2mat, mat2ij, post2pre, post2syn, post_slice, pre2post, pre2syn,
                         pre_slice)
from .graphs import PowerLaw, ScaleFreeBA, ScaleFreeBADual, SmallWorld
from .random import DOG, FixedPostNum, FixedPreNum, FixedProb, GaussianProb, GaussianWeight
from .regular import All2All, GridEight, GridFour, GridN, One2One

__all__ = ["Connector", "STRUCTURES", "STRUCTURE_ALIASES",
           "One2One", "All2All", "GridFour", "GridEight", "GridN",
           "FixedProb", "FixedPreNum", "FixedPostNum", "GaussianProb", "GaussianWeight", "DOG",
           "SmallWorld", "ScaleFreeBA", "ScaleFreeBADual", "PowerLaw",
           "ij2mat", "mat2ij", "pre2post", "post2pre", "pre2syn", "post2syn", "pre_slice",
           "post_slice"]
