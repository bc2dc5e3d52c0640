"""Shared test settings: float64 is on, so float32 is tested by casting explicitly."""

import jax

jax.config.update("jax_enable_x64", True)
