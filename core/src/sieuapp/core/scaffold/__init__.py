"""Partner plugin tooling: ``sieuapp plugin new`` writes a distribution that passes its own
tests; ``sieuapp plugin check`` loads one the way the platform does and names each problem."""

from __future__ import annotations

from .create import Created, new_plugin
from .naming import PluginNames, id_problems
from .render import ScaffoldError

__all__ = ["Created", "PluginNames", "ScaffoldError", "id_problems", "new_plugin"]
