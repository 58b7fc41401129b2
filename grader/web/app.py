"""The Starlette application of `grader serve`: routes, CSRF tokens, upload caps, the grading pool.

`create_app(config)` is the library entry point the CLI and the tests call; `grader.web.server`
runs it under uvicorn. Each POST form carries a CSRF token signed with a secret drawn when the
server starts (a page of another site cannot read ours, so it cannot forge one); a request
body is read only up to the cap, and a submission is graded only by the pool's workers.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import shutil
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..i18n import LANGUAGES, tr
from ..report import Report
from ..render.registry import renderer, run_settings
from ..spec.load import exercise_variant
from . import pages
from .catalogue import Served
from .forms import RequestRefused, read_form
from .grading import Busy, GradingPool
from .instructor import routes as instructor_routes
from .preview import preview

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a notebook with outputs fits; a class folder does not
CSRF_MAX_AGE = 12 * 3600  # seconds a page's token stays valid (a student may leave a tab open all day)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_YAML_ENTRY = re.compile(r"^\s*['\"]?[A-Za-z][A-Za-z0-9_]*(\[[0-9, ]+\])?['\"]?\s*:(\s|$)|^\s+\S")
_HEADERS = {
    # Everything the pages need comes from this server; nothing may frame them.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
                               "connect-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class ServeConfig:
    served: dict[str, Served]
    db: str | None = None  # the gradebook (read, and written only by an instructor's review)
    jobs: int = 2  # gradings at once
    max_upload: int = MAX_UPLOAD_BYTES
    max_waiting: int = 64  # requests that may wait for a worker before the server says it is busy
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    # Host names a request may carry (None: any). A server on loopback answers only to loopback
    # names, so that a web page whose domain was re-pointed at 127.0.0.1 (DNS rebinding) cannot
    # read our pages, and with them a CSRF token.
    allowed_hosts: tuple[str, ...] | None = None


def create_app(config: ServeConfig) -> Starlette:
    state: dict = {}

    @asynccontextmanager
    async def lifespan(app):
        tmp = tempfile.mkdtemp(prefix="backprop-serve-")
        pool = GradingPool(config.jobs, tmp, config.max_waiting)
        state["pool"] = pool
        try:
            await pool.start()
            # The reader's grammars load on first use: once here, so the first preview is quick.
            await run_in_threadpool(_warm_up, config)
            yield
        finally:
            await pool.close()
            shutil.rmtree(tmp, ignore_errors=True)

    def html(text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(text, status, headers=_HEADERS)

    def refused(err: RequestRefused, lang: str = "en", back: str | None = None) -> HTMLResponse:
        return html(pages.message_page(err.title, err.message, lang, back, config.db is not None), err.status)

    def served_exercise(request: Request) -> Served:
        ex_id = request.path_params["ex_id"]
        found = config.served.get(ex_id)
        if found is None:
            raise RequestRefused(404, "No such exercise", f"this server does not serve {ex_id!r}")
        return found

    def token() -> str:
        issued = str(int(time.time()))
        return f"{issued}.{_sign(config.secret, issued)}"

    def check_token(value: str) -> bool:
        issued, _, signature = value.partition(".")
        if not issued.isdigit() or not hmac.compare_digest(signature, _sign(config.secret, issued)):
            return False
        return 0 <= time.time() - int(issued) <= CSRF_MAX_AGE

    async def index(request: Request) -> Response:
        return html(pages.index_page(config.served, config.db is not None))

    async def exercise(request: Request) -> Response:
        try:
            item = served_exercise(request)
            variant = _variant(request.query_params.get("variant"))
            lang = _lang(request.query_params.get("lang"), item)
            shown = exercise_variant(item.exercise, variant) if variant else item.exercise
        except RequestRefused as err:
            return refused(err)
        return html(pages.exercise_page(shown, lang, token(), config.db is not None, variant, config.jobs))

    async def preview_entry(request: Request) -> Response:
        try:
            item = served_exercise(request)
            variant = _variant(request.query_params.get("variant"))
        except RequestRefused as err:
            return PlainTextResponse(err.message, err.status, headers=_HEADERS)
        text = request.query_params.get("text", "")
        lang = _lang(request.query_params.get("lang"), item)

        def read() -> str:
            shown = exercise_variant(item.exercise, variant) if variant else item.exercise
            return pages.preview_fragment(preview(shown, text), lang)

        return HTMLResponse(await run_in_threadpool(read), headers=_HEADERS)

    async def grade(request: Request) -> Response:
        fmt = request.query_params.get("format", "html")
        lang = "en"
        back = None
        try:
            item = served_exercise(request)
            back = pages.exercise_url(item.exercise.id)
            if fmt not in ("html", "json"):
                raise RequestRefused(400, "Unknown format", f"format must be html or json, not {fmt!r}")
            form = await read_form(request, config.max_upload)
            lang = _lang(_field(form, "lang") or request.query_params.get("lang"), item)
            if not check_token(_field(form, "csrf") or request.headers.get("x-csrf-token", "")):
                raise RequestRefused(403, "Form expired", "this form's security token is missing or expired "
                                     "(the server was restarted?): reload the exercise page and submit again")
            variant = _variant(_field(form, "variant") or request.query_params.get("variant"))
            back = pages.exercise_url(item.exercise.id, variant=variant, lang=lang if lang != item.exercise.language else "")
            name, content = await _submission(form, config.max_upload)
            pinned_lang = lang if lang != item.exercise.language else None
            started = time.perf_counter()
            try:
                graded = await state["pool"].grade(name, content, item.spec, variant, pinned_lang)
            except Busy:
                pool = state["pool"]
                raise RequestRefused(503, "Busy", tr(lang, "web.busy", running=pool.running, waiting=pool.waiting)) from None
            if graded.report is None:
                raise RequestRefused(400, "Not graded", graded.problem)
        except RequestRefused as err:
            if fmt == "json":
                return Response(json.dumps({"error": err.message}, ensure_ascii=False) + "\n", err.status,
                                media_type="application/json", headers=_HEADERS)
            response = refused(err, lang, back)
            if err.status == 503:
                response.headers["Retry-After"] = "5"
            return response
        elapsed = time.perf_counter() - started
        report = Report.from_dict(graded.report)
        shown = exercise_variant(item.exercise, variant) if variant else item.exercise

        def render() -> str:
            return renderer(fmt, exercise=shown, source=name, **run_settings(elapsed)).render(report)

        text = await run_in_threadpool(render)
        if fmt == "json":
            return Response(text, media_type="application/json", headers=_HEADERS)
        return html(pages.with_back_link(text, back, lang))

    async def script(request: Request) -> Response:
        text = resources.files(__package__).joinpath("static/preview.js").read_text(encoding="utf-8")
        return Response(text, media_type="text/javascript", headers={**_HEADERS, "Cache-Control": "no-cache"})

    routes = [
        Route("/", index),
        Route("/exercise/{ex_id}", exercise),
        Route("/preview/{ex_id}", preview_entry),
        Route("/grade/{ex_id}", grade, methods=["POST"]),
        Route("/static/preview.js", script),
    ]
    if config.db is not None:
        routes += instructor_routes(config, html, refused, token, check_token)
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.grading = state
    if config.allowed_hosts is not None:
        app.add_middleware(_HostCheck, allowed=config.allowed_hosts)
    return app


class _HostCheck:
    """Refuses (421) an HTTP request whose Host header names none of the allowed hosts."""

    def __init__(self, app, allowed: tuple[str, ...]):
        self.app, self.allowed = app, {h.lower() for h in allowed}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            header = dict(scope.get("headers") or ()).get(b"host", b"").decode("latin-1").lower()
            host = header[1:header.find("]")] if header.startswith("[") else header.split(":")[0]
            if host not in self.allowed:
                response = PlainTextResponse(f"this server answers to {', '.join(sorted(self.allowed))} only", 421,
                                             headers=_HEADERS)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _warm_up(config: ServeConfig) -> None:
    for item in list(config.served.values())[:1]:
        preview(item.exercise, "0")


def _sign(secret: bytes, issued: str) -> str:
    return hmac.new(secret, f"csrf:{issued}".encode(), hashlib.sha256).hexdigest()


def _variant(value: str | None) -> str | None:
    value = (value or "").strip()
    if len(value) > 200 or any(not c.isprintable() for c in value):
        raise RequestRefused(400, "Bad student id", "a student id is at most 200 printable characters")
    return value or None


def _lang(value: str | None, item: Served) -> str:
    return value if value in LANGUAGES else item.exercise.language


def _field(form, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


async def _submission(form, cap: int) -> tuple[str, bytes]:
    """(file name whose suffix says the kind, bytes) from an uploaded file, the entry fields
    (as YAML answers), or the `answer` text with its optional `filename`."""
    upload = form.get("submission")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        content = await upload.read(cap + 1)
        if len(content) > cap:
            raise RequestRefused(413, "Too large", f"a submission may be at most {cap // 1024} KiB")
        return _safe_name(upload.filename), content
    entries = {key[len("entry:"):]: value.strip() for key, value in form.multi_items()
               if key.startswith("entry:") and isinstance(value, str) and value.strip()}
    if entries:
        text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=10_000)
        return "answers.yaml", text.encode("utf-8")
    answer = _field(form, "answer")
    if not answer.strip():
        raise RequestRefused(400, "Nothing to grade", "type at least one entry, paste an answer or choose a file")
    name = _safe_name(_field(form, "filename")) if _field(form, "filename") else _guess_name(answer)
    return name, answer.replace("\r\n", "\n").encode("utf-8")


def _safe_name(name: str) -> str:
    """The base name of a client's file name, in safe characters (its suffix kept)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _SAFE_NAME.sub("_", base).lstrip(".") or "submission"
    return cleaned[-120:]


def _guess_name(answer: str) -> str:
    """A name for text sent without one: code when it defines a function, YAML answers when it is
    a mapping of entries, otherwise a written derivation (Markdown with LaTeX)."""
    if re.search(r"^\s*(def|import|from)\s", answer, re.M):
        return "submission.py"
    lines = [line for line in answer.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and all(_YAML_ENTRY.match(line) for line in lines):
        return "submission.yaml"
    return "submission.md"
