"""Placeholder during development."""


def vectorized_step(func):
    return None
