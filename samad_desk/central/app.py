"""The HTTP layer: a Starlette app over :class:`~samad_desk.central.service.Central`.

Handlers parse the request (gzip bodies accepted), call one blocking service method in
the thread pool and serialize the answer. Every sync answer carries
``Cache-Control: no-store``. Errors are JSON ``{"error", "message" (Persian), …}``.
"""

from __future__ import annotations

import logging
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from samad_desk import __version__
from samad_desk.central.errors import ApiError, bad_request
from samad_desk.central.openapi import OPENAPI, docs_html
from samad_desk.central.service import Central
from samad_desk.central.track_page import TrackHeaders, TrackPage
from samad_desk.domain.ids import is_safe_id

log = logging.getLogger("samad_desk.central.http")

PROTOCOL = "1"
NO_STORE = {"Cache-Control": "no-store"}


class ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _json(content: Any, status: int = 200, headers: dict | None = None) -> Response:
    h = dict(NO_STORE)
    if headers:
        h.update(headers)
    return ORJSONResponse(content, status_code=status, headers=h)


def _err(exc: ApiError) -> Response:
    return _json(exc.body(), exc.status, exc.headers)


MAX_BODY = 32 * 1024 * 1024  # after decompression


def _too_large() -> ApiError:
    return ApiError(413, "too_large", "درخواست بیش از اندازه بزرگ است؛ دسته‌های کوچک‌تر بفرستید.")


async def _body(request: Request) -> Any:
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
    raw = b"".join(chunks)
    if request.headers.get("content-encoding", "").lower() == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = d.decompress(raw, MAX_BODY + 1)
        except zlib.error:
            raise bad_request("بدنه فشرده درخواست خراب است.") from None
        if len(raw) > MAX_BODY or d.unconsumed_tail:
            raise _too_large()
        if not d.eof:  # truncated in transit
            raise bad_request("بدنه فشرده درخواست ناقص است.")
    if not raw:
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_request("بدنه درخواست JSON معتبر نیست.") from None


def _ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _check_protocol(request: Request, min_desk_version: str | None = None) -> None:
    proto = request.headers.get("x-desk-protocol")
    if proto is not None and proto != PROTOCOL:
        raise ApiError(426, "protocol_unsupported",
                       "نسخه پروتکل میز کار با سرور سازگار نیست؛ میز کار را به‌روز کنید.",
                       server_protocol=PROTOCOL)
    desk = request.headers.get("x-desk-version")
    if min_desk_version and desk and _version_tuple(desk) < _version_tuple(min_desk_version):
        raise ApiError(426, "upgrade_required",
                       "نسخه میز کار قدیمی است؛ عملیات نگه داشته می‌شوند، میز کار را به‌روز کنید.",
                       min_desk_version=min_desk_version)


def create_app(
    db_url: str,
    registry_file: str | Path | None = None,
    *,
    min_desk_version: str | None = None,
    **options: Any,
) -> Starlette:
    """The ASGI app. ``min_desk_version``: older desks (``X-Desk-Version``) get 426 on
    every authorized call and login. ``options`` go to :class:`Central` (rate limits,
    hooks, clock…)."""
    central = Central(db_url, registry_file, **options)
    # the checkpoint key is made at first start; heads are signed every interval
    central.start_checkpoints()

    def handler(fn):
        async def endpoint(request: Request) -> Response:
            try:
                return await fn(request)
            except ApiError as exc:
                return _err(exc)
            except ClientDisconnect:  # the connection was cut while the body arrived
                log.info("client disconnected", extra={"path": request.url.path})
                return _err(bad_request("درخواست نیمه‌کاره رسید؛ اتصال قطع شد."))
            except Exception:
                log.exception("unhandled error", extra={"path": request.url.path})
                return _json({"error": "server_error", "message": "خطای داخلی سرور."}, 500)

        endpoint.__name__ = fn.__name__
        return endpoint

    async def principal(request: Request):
        _check_protocol(request, min_desk_version)
        return await run_in_threadpool(central.authenticate, request.headers.get("authorization"))

    @handler
    async def health(request: Request) -> Response:
        def check() -> dict:
            from sqlalchemy import text

            with central.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return {"status": "ok", "version": __version__, "protocol": PROTOCOL,
                    "database": central.engine.dialect.name, "server_id": central.server_id}

        return _json(await run_in_threadpool(check))

    @handler
    async def login(request: Request) -> Response:
        _check_protocol(request, min_desk_version)
        body = await _body(request)
        if not isinstance(body, dict):
            raise bad_request("بدنه درخواست باید یک شیء JSON باشد.")
        answer = await run_in_threadpool(
            central.login, body.get("username"), body.get("password"), body.get("device_id"), _ip(request),
            body.get("op_key"),
        )
        return _json(answer)

    @handler
    async def refresh(request: Request) -> Response:
        body = await _body(request)
        token = body.get("refresh_token") if isinstance(body, dict) else None
        return _json(await run_in_threadpool(central.refresh, token))

    @handler
    async def logout(request: Request) -> Response:
        p = await principal(request)
        return _json(await run_in_threadpool(central.logout, p))

    @handler
    async def me(request: Request) -> Response:
        p = await principal(request)
        return _json({"operator": p.operator, "device_id": p.device_id})

    from samad_desk.central.reports import PushRefresher

    refresher = PushRefresher(central.engine, central.calendar)

    @handler
    async def push(request: Request) -> Response:
        p = await principal(request)
        body = await _body(request)
        answer, fold = await run_in_threadpool(central.push_and_fold, p, body)
        response = _json(answer)
        if fold:
            # the report tables follow the push once it is answered, not in the next report
            response.background = BackgroundTask(refresher.after_push)
        return response

    @handler
    async def pull(request: Request) -> Response:
        p = await principal(request)
        try:
            limit = int(request.query_params.get("limit", "500"))
        except ValueError:
            raise bad_request("مقدار limit معتبر نیست.") from None
        data = await run_in_threadpool(central.pull, p, request.query_params.get("cursor"), limit)
        return Response(data, media_type="application/json", headers=NO_STORE)

    @handler
    async def snapshot(request: Request) -> Response:
        p = await principal(request)
        data = await run_in_threadpool(central.snapshot, p, request.query_params.get("page"))
        return Response(data, media_type="application/x-ndjson", headers=NO_STORE)

    @handler
    async def status(request: Request) -> Response:
        p = await principal(request)
        body = await _body(request)
        return _json(await run_in_threadpool(central.status, p, body))

    @handler
    async def registry(request: Request) -> Response:
        p = await principal(request)
        nid = request.query_params.get("national_id")
        return _json(await run_in_threadpool(central.registry_lookup, p, nid))

    @handler
    async def track(request: Request) -> Response:
        code = request.path_params["code"]
        tail = request.query_params.get("mobile_tail")
        return _json(await run_in_threadpool(central.track, code, tail, _ip(request)))

    @handler
    async def lookup(request: Request) -> Response:
        p = await principal(request)
        q = request.query_params
        return _json(await run_in_threadpool(central.lookup_cases, p, q.get("tracking_code"),
                                             q.get("national_id")))

    @handler
    async def report(request: Request) -> Response:
        p = await principal(request)
        body = await _body(request)

        def go() -> dict:
            from samad_desk.central.reports import parse_request, run_sql

            spec, today = parse_request(body, central.clock())
            # scope from the operator's own row (authenticate), never from the body
            return run_sql(central.engine, spec, p.operator, today=today, calendar=central.calendar).to_json()

        return _json(await run_in_threadpool(go))

    @handler
    async def report_specs(request: Request) -> Response:
        from samad_desk.central import report_specs as rs

        p = await principal(request)
        if request.method == "GET":
            return _json(await run_in_threadpool(rs.list_specs, central.engine, p.operator))
        body = await _body(request)
        name = request.path_params["name"]
        if request.url.path.endswith("/share"):
            return _json(await run_in_threadpool(rs.share_spec, central.engine, p.operator, name, body))
        return _json(await run_in_threadpool(rs.save_spec, central.engine, p.operator, name, body))

    async def openapi(request: Request) -> Response:
        return ORJSONResponse(OPENAPI)

    async def docs(request: Request) -> Response:
        return HTMLResponse(docs_html())

    routes = [
        Route("/v1/health", health),
        Route("/v1/auth/login", login, methods=["POST"]),
        Route("/v1/auth/refresh", refresh, methods=["POST"]),
        Route("/v1/auth/logout", logout, methods=["POST"]),
        Route("/v1/auth/me", me),
        Route("/v1/sync/push", push, methods=["POST"]),
        Route("/v1/sync/pull", pull),
        Route("/v1/sync/snapshot", snapshot),
        Route("/v1/sync/status", status, methods=["POST"]),
        Route("/v1/registry/citizens", registry),
        Route("/v1/cases/lookup", lookup),
        Route("/v1/track/{code}", track),
        Route("/v1/reports/run", report, methods=["POST"]),
        Route("/v1/reports/specs", report_specs, methods=["GET"]),
        # {name:path}: a spec's name may hold a "/" («گزارش ۱۴۰۴/۰۲», sent as %2F)
        Route("/v1/reports/specs/{name:path}/share", report_specs, methods=["POST"]),
        Route("/v1/reports/specs/{name:path}", report_specs, methods=["PUT"]),
        Route("/openapi.json", openapi),
        Route("/docs", docs),
        *TrackPage(central).routes(),
    ]

    # every answer names this central (desks tell its URLs apart from another central)
    server_id = central.server_id.encode()

    class AccessLog:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "http":
                return await self.app(scope, receive, send)
            start = time.perf_counter()
            status_box = {"status": 0}
            rid = None
            for k, v in scope.get("headers", []):
                if k == b"x-request-id":
                    rid = v.decode("latin-1")
            if not is_safe_id(rid):  # echoed in a header and logged: no escapes, no junk
                rid = uuid.uuid4().hex[:16]

            async def send_wrapper(message):
                if message["type"] == "http.response.start":
                    status_box["status"] = message["status"]
                    message.setdefault("headers", [])
                    message["headers"] = list(message["headers"]) + [(b"x-request-id", rid.encode()),
                                                                     (b"x-server-id", server_id)]
                await send(message)

            try:
                await self.app(scope, receive, send_wrapper)
            finally:
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status_box["status"],
                        "ms": round((time.perf_counter() - start) * 1000, 1),
                        "request_id": rid,
                    },
                )

    app = Starlette(routes=routes, middleware=[Middleware(AccessLog), Middleware(TrackHeaders),
                                          Middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)])
    app.state.central = central
    return app


def app_from_env() -> Starlette:
    """App factory for ``uvicorn --workers N`` (each worker builds its own app):
    reads ``SAMAD_CENTRAL_DB`` and ``SAMAD_CENTRAL_REGISTRY``."""
    import os

    from samad_desk.central.logs import setup_logging

    setup_logging(os.environ.get("SAMAD_CENTRAL_LOG_LEVEL", "info"))
    return create_app(os.environ["SAMAD_CENTRAL_DB"], os.environ.get("SAMAD_CENTRAL_REGISTRY") or None,
                      min_desk_version=os.environ.get("SAMAD_CENTRAL_MIN_DESK_VERSION") or None)
