"""Web front ends over one Assistant: the HTTP API (FastAPI) and the browser chat (Gradio).

`render` escapes and formats, `uploads` stores uploaded files, `api` and `ui` are
the two front ends, and `app` mounts both on one port.
"""

from assistant.server.app import DEFAULT_HOST, DEFAULT_PORT, create_app, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "create_app", "serve"]
