"""Shared test settings: float64 is on, so float32 is tested by casting explicitly.

Every compiled program stays mapped in the process that compiled it (a few memory maps each), and a
test worker runs thousands of tests: a worker of the full suite was measured at 60,859 maps, near
Linux's default limit of 65,530 per process (vm.max_map_count), past which XLA cannot map the next
program's code and aborts the worker. So the compiled programs are released after each test module;
the next module that needs one compiles it again, or reads it from JAX's persistent compilation
cache, which ``make`` turns on.
"""

import gc

import jax
import pytest

jax.config.update("jax_enable_x64", True)


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_programs_after_each_module():
    yield
    jax.clear_caches()
    gc.collect()
