"""The HTTP API: `models` (bodies), `routes` (handlers over one Assistant), `errors` (error -> status)."""

from assistant.server.api.errors import install_error_handlers
from assistant.server.api.routes import build_router

__all__ = ["build_router", "install_error_handlers"]
