"""Code generation for the numba target: step methods and schedules -> Python source for numba."""
