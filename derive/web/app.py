"""``derive serve``: a local web page where a pasted post (or one claim) is checked and shown with MathJax,
each formula marked in place with its verdict and the explanation beside it.

How a request is handled (Starlette, an ASGI framework; served by uvicorn):

1. The body is read up to :data:`MAX_BODY` bytes (more: 413, and the server goes on serving); the form is
   decoded with the standard library (``application/x-www-form-urlencoded``, a bounded number of fields).
2. The check runs as the command line itself, ``python -m derive check --post - --format json`` (or one
   claim), in a child process of its own session: the same worker isolation, time limits and input limits
   as ``derive check``.  The server kills the whole process group when the request's wall-clock limit passes
   or the server stops; at most :data:`CONCURRENT_CHECKS` checks run at once.
3. The page is rendered by jinja2 with autoescape on: the user's text only ever reaches the page as
   escaped text.  Formulas are put in ``<span class="math">`` elements whose *text* a small script hands to
   MathJax one by one (MathJax does not scan the page, and its ``html`` and ``require`` extensions are
   off), so MathJax typesets only math.
4. MathJax is served by this server from the ``django-static-mathjax`` package (MathJax 3.2.2): nothing is
   fetched from a CDN, and the Content-Security-Policy allows scripts from this server only.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import json
import os
import signal
import sys
import urllib.parse
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from derive.emit import templates_dir
from derive.web.page import page_context

#: Largest request body (bytes).  A long post is 20-50 kB; the post limit itself is enforced by the check.
MAX_BODY = 400_000

#: Most form fields in one request.
MAX_FIELDS = 60

#: Checks running at once (each is a process with its own worker processes; the machine has 2 cores).
CONCURRENT_CHECKS = 2

#: Wall-clock limit of one request's check (seconds); the per-formula limit is the form's ``timeout``.
REQUEST_LIMIT = 300.0

#: Options passed through to ``derive check`` (repeatable ones are one per line in the form).
SINGLE_OPTIONS = (
    "wrt", "means", "syntax", "convention", "loss", "batch_loss", "classes", "timeout", "notation",
)  # fmt: skip
REPEATED_OPTIONS = ("let", "at", "assume", "define", "where")

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def mathjax_dir() -> Path:
    """MathJax's ``es5`` folder as installed by ``django-static-mathjax``."""
    try:
        root = importlib.resources.files("mathjax")
    except ModuleNotFoundError:
        raise RuntimeError("MathJax is not installed: python -m pip install 'derive[serve]'") from None
    folder = Path(str(root)) / "static" / "mathjax" / "es5"
    if not (folder / "tex-svg.js").is_file():
        raise RuntimeError("MathJax's es5/tex-svg.js is missing: python -m pip install 'derive[serve]'")
    return folder


def static_dir() -> Path:
    return Path(str(importlib.resources.files("derive.web"))) / "static"


@dataclass
class Settings:
    """What ``derive serve`` was started with."""

    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0  # default per-formula limit shown in the form
    request_limit: float = REQUEST_LIMIT
    python: str = sys.executable
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "::1")


@dataclass
class _State:
    settings: Settings
    slots: asyncio.Semaphore
    running: set[asyncio.subprocess.Process] = field(default_factory=set)


def _environment() -> jinja2.Environment:
    # autoescape ON: this template is HTML and shows the user's text.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class FormError(Exception):
    """A request the page refuses (one line for the user)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise FormError(f"the request is larger than {MAX_BODY // 1000} kB; paste a shorter post", 413)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise FormError(f"the request is larger than {MAX_BODY // 1000} kB; paste a shorter post", 413)
    return bytes(body)


def parse_form(body: bytes, content_type: str) -> dict[str, list[str]]:
    """An urlencoded form (the only kind the page sends), with bounded fields."""
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise FormError("send the form from the page (application/x-www-form-urlencoded)", 415)
    try:
        text = body.decode("utf-8")
        return urllib.parse.parse_qs(
            text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise FormError("the form could not be read (not UTF-8, or too many fields)") from None


def command_for(form: Mapping[str, list[str]], settings: Settings) -> tuple[list[str], str, str]:
    """The ``derive check`` command line for a form, the text for its stdin, and the mode."""
    mode = (form.get("mode") or ["post"])[0]
    if mode not in ("post", "claim"):
        raise FormError("mode must be post or claim")
    text = (form.get("text") or [""])[0]
    if not text.strip():
        raise FormError("paste a post or a claim first")
    command = [settings.python, "-m", "derive", "check", "--format", "json"]
    command += ["--post", "-"] if mode == "post" else ["-"]
    timeout = (form.get("timeout") or [""])[0].strip() or f"{settings.timeout:g}"
    for name in SINGLE_OPTIONS:
        value = timeout if name == "timeout" else (form.get(name) or [""])[0].strip()
        if value:
            flag = name.replace("_", "-")
            if len(value) > 2000 or "\n" in value:
                raise FormError(f"--{flag} must be one short line")
            command.append(f"--{flag}={value}")
    for name in REPEATED_OPTIONS:
        values: list[str] = []
        for entry in form.get(name, []):
            values.extend(line.strip() for line in entry.splitlines() if line.strip())
        if len(values) > 20:
            raise FormError(f"at most 20 --{name} options")
        command.extend(f"--{name}={value}" for value in values)
    return command, text, mode


async def run_check(state: _State, command: list[str], text: str) -> tuple[int, str, str]:
    """Run the command line in its own process group under the request's wall-clock limit."""
    async with state.slots:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        state.running.add(process)
        try:
            stdout, stderr = await asyncio.wait_for(
                process.communicate(text.encode("utf-8")), timeout=state.settings.request_limit
            )
        except asyncio.TimeoutError:
            _kill_group(process)
            await process.wait()
            raise FormError(
                f"the check took longer than {state.settings.request_limit:g} s and was stopped", 504
            ) from None
        finally:
            state.running.discard(process)
            if process.returncode is None:
                _kill_group(process)
    return process.returncode or 0, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def create_app(settings: Settings | None = None) -> Starlette:
    """The Starlette application of ``derive serve``."""
    settings = settings or Settings()
    environment = _environment()
    template = environment.get_template("post_page.html.j2")

    def page(context: dict[str, Any], status: int = 200) -> HTMLResponse:
        return HTMLResponse(template.render(**context), status_code=status, headers=SECURITY_HEADERS)

    async def index(request: Request) -> Response:
        return page(page_context(settings_timeout=settings.timeout))

    async def check(request: Request) -> Response:
        state: _State = request.app.state.derive
        form: dict[str, list[str]] = {}
        try:
            body = await _read_body(request)
            form = parse_form(body, request.headers.get("content-type", ""))
            command, text, mode = command_for(form, settings)
            exit_code, stdout, stderr = await run_check(state, command, text)
        except FormError as error:
            return page(
                page_context(form=form, error=str(error), settings_timeout=settings.timeout), error.status
            )
        try:
            result = json.loads(stdout) if stdout.strip() else None
        except ValueError:
            result = None
        if not isinstance(result, dict):
            message = stderr.strip().splitlines()[-1] if stderr.strip() else "the check gave no result"
            return page(
                page_context(
                    form=form, error=message.removeprefix("derive: "), settings_timeout=settings.timeout
                ),
                422,
            )
        return page(
            page_context(
                form=form,
                mode=mode,
                text=text,
                result=result,
                exit_code=exit_code,
                settings_timeout=settings.timeout,
            )
        )

    async def favicon(request: Request) -> Response:
        return Response(status_code=204, headers=SECURITY_HEADERS)

    async def not_found(request: Request, exc: Exception) -> Response:
        return Response("not found", status_code=404, headers=SECURITY_HEADERS)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.derive = _State(settings, asyncio.Semaphore(CONCURRENT_CHECKS))
        try:
            yield
        finally:
            for process in list(app.state.derive.running):
                _kill_group(process)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/check", check, methods=["POST"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Mount("/mathjax", app=StaticFiles(directory=mathjax_dir()), name="mathjax"),
        Mount("/static", app=StaticFiles(directory=static_dir()), name="static"),
    ]
    hosts = list(dict.fromkeys([*settings.allowed_hosts, settings.host]))
    return Starlette(
        routes=routes,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
        exception_handlers={404: not_found},
        lifespan=lifespan,
    )
