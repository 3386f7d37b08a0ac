"""Matplotlib renderers and the bp.visualize API."""

from . import analysis
