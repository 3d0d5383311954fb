"""A static file server for dist/site on 127.0.0.1 with the MIME types Pyodide needs.

Why not plain `python -m http.server`: module scripts need a JavaScript MIME type for
.mjs and WebAssembly streaming needs application/wasm, which older mimetypes tables
lack. `wasm_type` exists so the browser tests can serve a wrong type on purpose.
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
}


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves one directory; no directory listings are needed but are harmless."""

    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 0, wasm_type: str = "application/wasm",
                verbose: bool = False) -> ThreadingHTTPServer:
    """Bind 127.0.0.1:port (0 = any free port); the caller runs serve_forever()."""
    handler = type("Handler", (SiteHandler,), {
        "extensions_map": {**SiteHandler.extensions_map, ".wasm": wasm_type},
    })
    server = ThreadingHTTPServer(("127.0.0.1", port),
                                 functools.partial(handler, directory=str(directory)))
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
