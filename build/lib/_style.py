"""The book's plotting look, for the notebooks' ``from _style import ...``.

The look itself lives in :mod:`gauss_flows.presentation.style` so that an installed
package carries it too; this top-level module only re-exports it.
"""

from gauss_flows.presentation.style import *  # noqa: F401,F403
from gauss_flows.presentation.style import __all__  # noqa: F401
