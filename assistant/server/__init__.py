"""Web front ends over one Assistant: the HTTP API (FastAPI) and the browser chat (Gradio).

`render` escapes and formats, `uploads` stores uploaded files, `api` and `ui` are
the two front ends, `app` mounts both on one port, and `client` sends CLI work to a
running app. The app (and Gradio) load only when `create_app`/`serve` are first used.
"""

from typing import Any

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from assistant.server import app

        return getattr(app, name)
    raise AttributeError(name)
