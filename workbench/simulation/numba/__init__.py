"""The numba target: the whole schedule of a run as one compiled loop.

* :mod:`.generator` turns step methods into compiled functions over arrays and
  numbers (resolving names, fusing element-wise stores, rewriting statements)
  and a run's schedule into the source of the run loop;
* :mod:`.executor` (runtime) compiles that loop, gathers its arguments from the
  objects at every run and advances it chunk by chunk; :mod:`.kernels` are the
  compiled helpers the generated code calls.
"""
