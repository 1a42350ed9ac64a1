"""One process, one port: the FastAPI HTTP API with the Gradio chat mounted at `/`."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from assistant.config import DEFAULT_HOST, DEFAULT_PORT

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.assistant import Assistant

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "BasicAuthMiddleware", "create_app", "is_loopback", "serve"]

# The page's own script (everything it shows is built with textContent, never from HTML strings):
# - a [n] link in an answer opens that citation in the sources panel (and any folded parent);
# - "Open whole article" (a citation) or a Corpus row opens the article in a dialog, fetched from
#   /api/articles/{id}, the cited sentence highlighted and scrolled into view;
# - the chat's Copy button copies the answer as clean text with its numbered sources;
# - an exported conversation is saved as a Markdown file.
HEAD = """
<script>
(() => {
  function openCitation(id, tries) {
    const target = document.getElementById(id);
    if (!target) { if (tries < 30) setTimeout(() => openCitation(id, tries + 1), 100); return; }
    for (let node = target; node; node = node.parentElement) { if (node.tagName === 'DETAILS') node.open = true; }
    document.querySelectorAll('.nqa-source.nqa-active').forEach((el) => el.classList.remove('nqa-active'));
    target.classList.add('nqa-active');
    target.scrollIntoView({ block: 'nearest' });
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function articleDialog() {
    let dialog = document.getElementById('nqa-article');
    if (dialog) return dialog;
    dialog = element('dialog', 'nqa-article');
    dialog.id = 'nqa-article';
    dialog.setAttribute('aria-labelledby', 'nqa-article-title');
    const close = element('button', 'nqa-article-close', 'Close');
    close.type = 'button';
    close.addEventListener('click', () => dialog.close());
    dialog.addEventListener('click', (event) => { if (event.target === dialog) dialog.close(); });
    dialog.append(close, element('div', 'nqa-article-body'));
    document.body.append(dialog);
    return dialog;
  }

  function articleBody(article, start, end) {
    const body = element('article');
    const title = element('h2', null, article.title || article.id);
    title.id = 'nqa-article-title';
    const meta = [article.date, article.source, article.id].filter(Boolean).join(' · ');
    body.append(title, element('p', 'nqa-meta', meta));
    if (article.url && /^https?:\\/\\//i.test(article.url)) {
      const link = element('a', null, article.url);
      link.href = article.url; link.target = '_blank'; link.rel = 'noopener noreferrer nofollow';
      const line = element('p', 'nqa-meta'); line.append(link); body.append(line);
    }
    const text = article.text || '';
    const cited = Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start && end <= text.length;
    let offset = 0;
    for (const paragraph of text.split('\\n')) {
      const from = offset, to = offset + paragraph.length;
      offset = to + 1;
      if (!paragraph.trim()) continue;
      const p = element('p');
      if (cited && start < to && end > from) {
        const a = Math.max(start, from) - from, b = Math.min(end, to) - from;
        p.append(paragraph.slice(0, a), element('mark', 'nqa-cited', paragraph.slice(a, b)), paragraph.slice(b));
      } else {
        p.textContent = paragraph;
      }
      body.append(p);
    }
    return body;
  }

  window.nqaOpenArticle = async (id, start, end) => {
    if (!id) return;
    const dialog = articleDialog();
    const holder = dialog.querySelector('.nqa-article-body');
    holder.replaceChildren(element('p', 'nqa-meta', 'Loading…'));
    if (!dialog.open) dialog.showModal();
    try {
      // relative: the app may be served below a path (a proxy's root_path)
      const response = await fetch('api/articles/' + encodeURIComponent(id), { credentials: 'same-origin' });
      const data = await response.json();
      if (!response.ok) throw new Error(data.detail || response.statusText);
      holder.replaceChildren(articleBody(data, start, end));
      const mark = holder.querySelector('mark.nqa-cited');
      (mark || holder).scrollIntoView({ block: 'center' });
    } catch (error) {
      holder.replaceChildren(element('p', 'nqa-meta', 'Could not open the article: ' + error.message));
    }
  };

  window.nqaDownload = (text) => {
    if (!text) return;
    const blob = new Blob([text], { type: 'text/markdown;charset=utf-8' });
    const link = element('a');
    link.href = URL.createObjectURL(blob);
    const first = (text.split('\\n')[0] || '').replace(/^#\\s*/, '').replace(/[^A-Za-z0-9]+/g, '-').slice(0, 50);
    link.download = 'conversation-' + (first.replace(/^-+|-+$/g, '') || 'export').toLowerCase() + '.md';
    document.body.append(link); link.click(); link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  };

  function copyTextOf(message) {
    const cite = message.querySelector('a[href^="#cite-"]');
    if (cite) {
      const turn = cite.getAttribute('href').split('-')[1];
      const template = document.querySelector('#nqa-sources template.nqa-copy[data-turn="' + turn + '"]');
      if (template) return template.content.textContent;
    }
    return message.innerText.trim();
  }

  document.addEventListener('click', (event) => {
    const target = event.target;
    if (!target.closest) return;
    const link = target.closest('a[href^="#cite-"]');
    if (link) {
      event.preventDefault();
      event.stopPropagation();
      openCitation(link.getAttribute('href').slice(1), 0);
      return;
    }
    const opener = target.closest('button.nqa-open-article');
    if (opener) {
      event.preventDefault();
      const start = parseInt(opener.dataset.start, 10), end = parseInt(opener.dataset.end, 10);
      window.nqaOpenArticle(opener.dataset.article, start, end);
      return;
    }
    const copy = target.closest('#nqa-chat button[aria-label="Copy message"], #nqa-chat button[title="Copy message"]');
    if (copy) {
      const buttons = copy.closest('.message-buttons');  // the row of buttons follows its message
      const row = copy.closest('.message-row') || (buttons && buttons.previousElementSibling);
      const message = row && (row.querySelector('[data-testid="bot"]') || row.querySelector('[data-testid="user"]'));
      if (!message) return;
      event.preventDefault();
      event.stopPropagation();
      const text = copyTextOf(message);
      if (navigator.clipboard) navigator.clipboard.writeText(text);
      copy.classList.add('nqa-copied');
      setTimeout(() => copy.classList.remove('nqa-copied'), 1500);
    }
  }, true);
})();
</script>
"""

CSS = """
.nqa-sources h3 { margin: 0 0 .5em; }
.nqa-question { font-weight: 600; margin: .6em 0 .3em; }
.nqa-source { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .4em .6em; margin: .4em 0; }
.nqa-source summary { cursor: pointer; }
.nqa-source.nqa-active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.nqa-context { white-space: pre-line; }
.nqa-cited { background: #fde68a; color: #111; padding: 0 .1em; }
.nqa-meta { font-size: .85em; opacity: .75; }
.nqa-nearest { border: 1px dashed var(--border-color-primary); border-radius: 6px; padding: .4em .6em; }
.nqa-nearest h4 { margin: 0 0 .3em; }
.nqa-damaged { border: 2px solid #b91c1c; background: #fef2f2; color: #7f1d1d; border-radius: 6px; padding: .6em .8em; }
.nqa-overview { padding: .4em .2em; }
.nqa-links { text-align: right; }
.nqa-chips { display: flex; flex-wrap: wrap; gap: .35em; align-items: center; }
.nqa-chip { border: 1px solid var(--color-accent); border-radius: 999px; padding: .05em .6em; font-size: .85em; }
.nqa-open-article { font-size: .85em; text-decoration: underline; background: none; border: 0; padding: 0;
  cursor: pointer; color: var(--link-text-color, var(--color-accent)); }
dialog.nqa-article { width: min(760px, 94vw); max-height: 86vh; overflow: auto; border-radius: 8px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--body-text-color); padding: 1em 1.4em; }
dialog.nqa-article::backdrop { background: rgba(0, 0, 0, .45); }
.nqa-article-close { float: right; }
#nqa-articles th { white-space: nowrap; }
#nqa-articles th *, #nqa-articles [role=gridcell] * { word-break: normal; overflow-wrap: anywhere; }
@media (max-width: 640px) {  /* a phone: title, date and source; the rest is in the article view */
  #nqa-articles th:nth-child(n+4), #nqa-articles [role=row] > [role=gridcell]:nth-child(n+4) { display: none; }
  #nqa-articles table { width: 100% !important; table-layout: fixed !important; }
  #nqa-articles th:nth-child(1), #nqa-articles [role=row] > [role=gridcell]:nth-child(1) {
    width: 50% !important; min-width: 50% !important; max-width: 50% !important; flex: 0 0 50% !important; }
  #nqa-articles th:nth-child(2), #nqa-articles [role=row] > [role=gridcell]:nth-child(2) {
    width: 24% !important; min-width: 24% !important; max-width: 24% !important; flex: 0 0 24% !important; }
  #nqa-articles th:nth-child(3), #nqa-articles [role=row] > [role=gridcell]:nth-child(3) {
    width: 26% !important; min-width: 26% !important; max-width: 26% !important; flex: 0 0 26% !important; }
}
#nqa-examples button { white-space: normal; text-align: left; max-width: 100%; }
.nqa-article-close { position: sticky; top: 0; }
"""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BasicAuthMiddleware:
    """HTTP basic auth over the UI and the API alike; /healthz stays open for probes."""

    def __init__(self, app: Any, username: str, password: str, open_paths: tuple[str, ...] = ("/healthz",)) -> None:
        self.app = app
        self.expected = f"{username}:{password}".encode()
        self.open_paths = open_paths

    def _allowed(self, headers: list[tuple[bytes, bytes]]) -> bool:
        for name, value in headers:
            if name.lower() == b"authorization" and value[:6].lower() == b"basic ":
                try:
                    given = base64.b64decode(value[6:].strip(), validate=True)
                except (binascii.Error, ValueError):
                    return False
                return secrets.compare_digest(given, self.expected)
        return False

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Callable) -> None:
        if scope["type"] not in {"http", "websocket"} or scope.get("path") in self.open_paths:
            return await self.app(scope, receive, send)
        if self._allowed(scope.get("headers", [])):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return None
        body = b'{"detail":"authentication required"}'
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Basic realm="Newsroom QA"'),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return None


GRACEFUL_SHUTDOWN_S = 3  # on SIGTERM/Ctrl-C, requests still running after this are cancelled
EXIT_GRACE_S = 5  # after the server stops on a signal, the process ends within this even if threads still run


def create_app(assistant: Assistant, auth: tuple[str, str] | None = None) -> FastAPI:
    """The FastAPI app (API + docs) with the chat UI mounted at `/`.

    Gradio's files live in the app's own folder under the index (see gradio_files), which
    is removed when the app shuts down.
    """
    import gradio as gr
    from fastapi_offline import FastAPIOffline
    from gradio.routes import App as GradioApp
    from starlette.routing import Mount

    from assistant.server.api import build_router, install_error_handlers
    from assistant.server.gradio_files import AppFiles, FileGuard
    from assistant.server.ui import build_ui

    app = FastAPIOffline(  # FastAPI whose /docs assets are served locally, not from a CDN
        title="Newsroom QA",
        description="Grounded, cited answers over news articles. Every answer cites the exact sentences it uses.",
        version="0.1.0",
    )
    install_error_handlers(app)
    app.include_router(build_router(assistant))
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )  # system fonts: the page must not call out to a font CDN
    files = AppFiles(assistant.settings.index_path)  # before any block is made: blocks read GRADIO_TEMP_DIR
    try:
        ui = build_ui(assistant, files)
        app = gr.mount_gradio_app(
            app,
            ui,
            path="/",
            theme=theme,
            css=CSS,
            head=HEAD,
            max_file_size=assistant.settings.max_upload_bytes,
            footer_links=[],  # the page links /docs itself (Gradio's "Use via API" is another page)
            mcp_server=False,
            ssr_mode=False,
            blocked_paths=files.blocked_paths(),
        )
        gradio_app = next(r.app for r in app.routes if isinstance(r, Mount) and isinstance(r.app, GradioApp))
        files.pin(ui, gradio_app)
    except BaseException:
        files.close()
        raise
    _close_on_shutdown(app, files)
    app.add_middleware(FileGuard, folder=files.folder, max_body_bytes=assistant.settings.max_upload_bytes)
    if auth:
        app.add_middleware(BasicAuthMiddleware, username=auth[0], password=auth[1])
    return app


def _close_on_shutdown(app: FastAPI, files: Any) -> None:
    """Remove the app's Gradio folder when the app shuts down (and at exit, if it never does)."""
    import atexit
    import contextlib
    import shutil

    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(parent: Any) -> Any:
        try:
            async with inner(parent) as state:
                yield state
        finally:
            files.close()

    app.router.lifespan_context = lifespan
    atexit.register(shutil.rmtree, files.folder, True)  # the path only: an exit hook must not keep the app alive


def serve(
    assistant: Assistant, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, auth: tuple[str, str] | None = None
) -> None:
    """Run the app with uvicorn until interrupted; a signal stops it within a few seconds."""
    import uvicorn

    if not is_loopback(host):
        warning = "WARNING: serving on a non-loopback address"
        if not auth:
            warning += " without authentication (set ASSISTANT_AUTH=user:password)"
        print(f"{warning}: {host}:{port} is reachable from other machines.", file=sys.stderr)
    app = create_app(assistant, auth)
    print(f"Newsroom QA on http://{host}:{port}  (HTTP API docs: http://{host}:{port}/docs)", flush=True)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S
    )

    class Server(uvicorn.Server):
        """uvicorn's server, remembering whether a signal (SIGTERM, Ctrl-C) stopped it."""

        signalled = False

        def handle_exit(self, sig: int, frame: Any) -> None:
            self.signalled = True
            super().handle_exit(sig, frame)

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:  # listening: CLI commands aimed at this index may now come through us
                assistant.announce_server(f"http://{_client_host(host)}:{port}", auth=auth is not None)

    server = Server(config)
    try:
        server.run()
    finally:
        if server.signalled:
            _exit_soon(EXIT_GRACE_S)


def _client_host(host: str) -> str:
    """The address a local client uses to reach a server listening on `host`."""
    if host in ("0.0.0.0", "", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _exit_soon(seconds: float) -> None:
    """End the process after `seconds` if it is still alive: a request thread must not keep it running.

    uvicorn re-raises the signal once it has shut down, which normally ends the process at
    once; this covers a signal handler that does not, and work (an ingest, a long answer)
    still running in worker threads that Python would otherwise wait for at exit.
    """
    import os
    import threading

    def stop() -> None:
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(0)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
