"""sieuapp core: the host that loads service plugins and owns identity, tenancy,
notifications, payments and the citizen report pipeline."""

from ._runtime import runtime_of
from .app import SDK_API, create_app
from .settings import Settings

__all__ = ["SDK_API", "Settings", "create_app", "runtime_of"]
