"""The tensor targets (PyTorch, TensorFlow, JAX): steps run eagerly on tensors
(:mod:`.executor`), or, on JAX, traced and compiled as one time step looped over
blocks (:mod:`.jax_executor`)."""
