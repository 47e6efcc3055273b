"""Start the page: bind the socket (127.0.0.1 by default; port 0 picks a free one), say where it is, serve
with uvicorn until interrupted."""

from __future__ import annotations

import socket
import sys
from typing import TextIO

from derive.errors import UsageError

INSTALL_HINT = "derive serve needs the serve extra: python -m pip install 'derive[serve]'"


def serve(host: str, port: int, timeout: float, stdout: TextIO | None = None) -> int:
    """Serve until interrupted; returns the exit code."""
    try:
        import uvicorn

        from derive.web.app import Settings, create_app, mathjax_dir
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    try:
        mathjax_dir()
    except RuntimeError as error:
        raise UsageError(str(error)) from None
    if not 0 <= port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    listener.listen(64)
    bound = listener.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    settings = Settings(host=host, port=bound, timeout=timeout)
    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        access_log=False,
        limit_concurrency=32,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=64 * 1024,
    )
    out = stdout or sys.stdout
    out.write(f"derive serve: http://{shown}:{bound}/ (Ctrl+C stops it)\n")
    out.flush()
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        listener.close()
    return 0
