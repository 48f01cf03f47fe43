"""The Starlette application: routes, the error boundary, the access log."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import spec
from mock_server import faults, media
from mock_server.admin import MockState
from mock_server.analysis import Analysis
from mock_server.auth import authenticate, secret_is_short
from mock_server.cache import cache_key
from mock_server.config import Settings
from mock_server.coverage import write_report
from mock_server.errors import (
    INVALID_TOKEN,
    MALFORMED_MULTIPART,
    ApiError,
    BadRequest,
    RouteError,
    Unauthorized,
    media_code,
)
from mock_server.form import Part, read_form
from mock_server.inputs import Inputs, image_bytes, inputs_from_form
from mock_server.logs import LOG_LEVEL_VARIABLE, configure_logging, log_access, server_log
from mock_server.pipeline import analyze
from mock_server.render import render
from mock_server.responses import error_response, json_response
from mock_server.scenarios import (
    APPLIED_HEADER,
    SCENARIO_HEADER,
    UNKNOWN,
    apply_scenario,
    magic_scenario,
    parse_prefer,
    preferred_example,
)

SNIFF_BYTES: Final = 64


@dataclass(slots=True)
class Exchange:
    """What one request told us, for the handler and the access log."""

    api: str
    path: str
    stage: str = "auth"
    mode: str | None = None
    unique_id: str | None = None
    code: str | None = None
    scenario: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fault: faults.Fault = field(default_factory=faults.Fault)
    chosen_scenario: str | None = None
    tuning: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


class LivenessService:
    """Handles ``POST /liveness`` and ``POST /v2/liveness`` with the given settings."""

    def __init__(self, settings: Settings, state: MockState | None = None) -> None:
        self.settings = settings
        self.state = state or MockState(settings)
        threads = settings.analysis_threads or os.cpu_count() or 1
        # stills have a lane of their own: they are not held up by a queue of videos
        self.lanes = {lane: anyio.CapacityLimiter(threads) for lane in ("image", "video")}
        self.video_limits = media.VideoLimits(
            max_frames=settings.max_video_frames,
            max_frame_pixels=settings.max_frame_pixels,
            decode_ahead_bytes=settings.decode_ahead_bytes,
        )

    async def v1(self, request: Request) -> Response:
        return await self.handle(request, "v1")

    async def v2(self, request: Request) -> Response:
        return await self.handle(request, "v2")

    async def handle(self, request: Request, api: str) -> Response:
        started = time.perf_counter()
        exchange = Exchange(api=api, path=request.url.path)
        try:
            response = await self._answer(request, exchange)
        except ApiError as error:
            response = error_response(error)
            exchange.code = error.code
        except ClientDisconnect:
            response = Response(status_code=400)
            exchange.code = "client_disconnected"
        except Exception as error:  # the one boundary for everything else
            mapped = _unexpected(error, exchange)
            response = error_response(mapped)
            exchange.code = mapped.code
        response.headers.update(exchange.headers)
        self._record(exchange, response.status_code)
        _log(exchange, response.status_code, started)
        return faults.faulty(response, exchange.fault)

    def _record(self, exchange: Exchange, status: int) -> None:
        injected = exchange.code == faults.INVALID_MOCK_FAULT or (
            exchange.fault.status is not None or exchange.fault.reset
        )
        self.state.coverage.record(
            api=exchange.api,
            status=status,
            mode=exchange.mode,
            code=None if injected else exchange.code,
            reasons=exchange.reasons,
            tuning=exchange.tuning,
            scenario=exchange.scenario,
            faults=[item.split("=")[0] for item in exchange.fault.kinds()],
            injected=injected,
        )

    async def _inject(self, request: Request, exchange: Exchange) -> Response | None:
        """Apply the request's fault before the answer: latency, then status or reset."""
        fault, exchange.chosen_scenario = self.state.take(request.headers.get(faults.FAULT_HEADER))
        exchange.fault = fault
        if not fault:
            return None
        exchange.headers[faults.APPLIED_HEADER] = fault.describe()
        if fault.latency_ms:
            await anyio.sleep(fault.latency_ms / 1000)
        if fault.status is None and not fault.reset:
            return None
        read = 0
        async for chunk in request.stream():  # the request is read in full first
            read += len(chunk)
            if read > self.settings.max_body_bytes:
                break
        if fault.reset:
            return faults.ResetResponse()
        raise faults.InjectedError(fault)

    async def _answer(self, request: Request, exchange: Exchange) -> Response:
        authenticate(request.headers.get("authorization"), self.settings)
        exchange.stage = "fault"
        injected = await self._inject(request, exchange)
        if injected is not None:
            return injected
        exchange.stage = "form"
        form = await read_form(
            request.stream(),
            request.headers.get("content-type"),
            request.headers.get("content-length"),
            self.settings,
        )
        exchange.tuning = tuple(name for name in form.text_fields() if name in spec.TUNING_FIELDS)
        try:
            exchange.stage = "inputs"
            inputs = inputs_from_form(form)
            exchange.mode, exchange.unique_id = inputs.mode, inputs.unique_id
            prefer = parse_prefer(request.headers.get("prefer"))
            if prefer:
                example = preferred_example(
                    prefer, exchange.api, inputs.mode, inputs.tuning.enhanced_detection
                )
                if example is not None:
                    exchange.scenario = f"example={example.name}"
                    exchange.headers[APPLIED_HEADER] = exchange.scenario
                    exchange.headers.update(example.headers)
                    exchange.reasons = _example_reasons(example.body)
                    return json_response(example.body, example.status)
                exchange.headers[APPLIED_HEADER] = UNKNOWN
            exchange.stage = "media"
            lane = self.lanes["image" if inputs.video is None else "video"]
            analysis = await anyio.to_thread.run_sync(self._analyze, inputs, limiter=lane)
        finally:
            form.close()
        exchange.stage = "render"
        scenario = request.headers.get(SCENARIO_HEADER)
        if scenario is None:
            scenario = magic_scenario(inputs.unique_id) or exchange.chosen_scenario
        if scenario is not None:
            analysis, applied = apply_scenario(scenario, analysis)
            exchange.scenario = applied
            exchange.headers[APPLIED_HEADER] = applied
        exchange.reasons = analysis.reasons
        return json_response(render(exchange.api, analysis, inputs))

    def _analyze(self, inputs: Inputs) -> Analysis:
        """Decode and analyse the media (in a worker thread); bad media is a 400."""
        picture = video = None
        data = image_bytes(inputs)
        clip = _video_bytes(inputs.video) if inputs.video is not None else None
        cache = self.state.cache
        key = cache_key(data, clip, inputs.tuning) if cache.enabled else None
        if key is not None and (cached := cache.get(key)) is not None:
            return cached
        if data is not None:
            with media_errors("image"):
                picture = media.decode_image(data, max_pixels=self.settings.max_image_pixels)
        if clip is not None:
            with media_errors("video"):
                video = media.open_video(clip, limits=self.video_limits)
        with media_errors("video" if video is not None else "image"):
            analysis = analyze(image=picture, video=video, tuning=inputs.tuning)
        if key is not None:
            cache.put(key, analysis)
        return analysis


def _video_bytes(part: Part) -> bytes:
    """The video's bytes, refusing what is not an MP4/MOV before loading a large spool."""
    head = part.head(SNIFF_BYTES)
    if part.size > SNIFF_BYTES and not media.is_mp4_family(head):
        return head  # open_video reports the unsupported format from the head alone
    return part.read()


@contextmanager
def media_errors(part: str) -> Iterator[None]:
    """Turn a decoder's MediaError into the contract's 400 for ``part``."""
    try:
        yield
    except media.MediaError as error:
        if "image" in error.code:
            part = "image"
        elif "video" in error.code:
            part = "video"
        raise BadRequest(media_code(error.code, part), error.message, part=part) from None


def _unexpected(error: Exception, exchange: Exchange) -> ApiError:
    """A client input that a third-party library choked on: a 4xx, logged with its trace."""
    server_log.error(
        "unexpected %s while handling %s (stage %s), answered as a client error",
        type(error).__name__,
        exchange.path,
        exchange.stage,
        exc_info=error,
    )
    if exchange.stage == "auth":
        return Unauthorized(INVALID_TOKEN, "Invalid token: cannot be decoded")
    if exchange.stage in ("form", "inputs"):
        return BadRequest(MALFORMED_MULTIPART, "Malformed multipart body: cannot be parsed")
    part = "video" if exchange.mode in ("video", "image_video") else "image"
    code = media_code("corrupt", part)
    return BadRequest(code, f"{part}: the media cannot be analysed", part=part)


def _example_reasons(body: object) -> tuple[str, ...]:
    overall = body.get("overall") if isinstance(body, dict) else None
    reasons = overall.get("reasons") if isinstance(overall, dict) else None
    return tuple(str(reason) for reason in reasons) if isinstance(reasons, list) else ()


def _log(exchange: Exchange, status: int, started: float) -> None:
    log_access(
        started,
        api=exchange.api,
        path=exchange.path,
        status=status,
        mode=exchange.mode,
        unique_id=exchange.unique_id,
        code=exchange.code,
        scenario=exchange.scenario,
    )


async def _route_error(request: Request, exc: Exception) -> Response:
    started = time.perf_counter()
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    if status == 405:
        error = RouteError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}",
            headers,
        )
    else:
        error = RouteError(404, "not_found", f"No route for {request.url.path}", headers)
    _log(Exchange(api="-", path=request.url.path, code=error.code), status, started)
    return error_response(error)


async def _health(request: Request) -> Response:
    return json_response({"status": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    """The mock server as an ASGI application."""
    settings = settings or Settings()
    if secret_is_short(settings) and not settings.accept_any_token:
        server_log.warning("the configured secret is shorter than its algorithm recommends")
    state = MockState(settings)
    service = LivenessService(settings, state)
    routes: list[BaseRoute] = [
        Route("/liveness", service.v1, methods=["POST"]),
        Route("/v2/liveness", service.v2, methods=["POST"]),
        Route("/healthz", _health, methods=["GET"]),
    ]
    # --- for integrators, outside the contract: /__mock/ (mock_server.admin) ---------
    from mock_server import admin

    routes += admin.routes(state, settings)
    if settings.playground:
        from mock_server import playground

        routes += playground.routes(settings)
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _route_error},
        middleware=_middleware(settings),
        lifespan=_lifespan(state),
    )
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.mock = state
    return app


# --- middleware: security headers and CORS (docs/security.md) ----------------------------


def _middleware(settings: Settings) -> list[Middleware]:
    from mock_server.security import SecurityMiddleware

    return [Middleware(SecurityMiddleware, settings=settings)]


def _lifespan(state: MockState) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if state.settings.coverage_out:
            written = write_report(state.coverage.report(), Path(state.settings.coverage_out))
            server_log.info("coverage report written to %s and %s", *written)

    return lifespan


def create_app_from_env() -> Starlette:
    """Application factory for ``uvicorn --factory`` and worker processes."""
    level = os.environ.get(LOG_LEVEL_VARIABLE)
    if level:
        configure_logging(level)
    return create_app(Settings.from_env())
