"""Is the book being built? One switch, read by the explorers and by training's progress bar.

Kept apart from ``_static`` (which imports matplotlib) so that training can ask without
importing any plotting.
"""

from __future__ import annotations

import os

STATIC_ENV = "GAUSS_FLOWS_STATIC"


def static_mode() -> bool:
    """True when the book build asked for static explorers (``GAUSS_FLOWS_STATIC=1``)."""
    return os.environ.get(STATIC_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
