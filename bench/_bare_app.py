"""The floor for this stack: a Starlette endpoint that parses the same multipart body
and does nothing with it."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def receive_and_discard(request: Request) -> JSONResponse:
    async with request.form(max_part_size=256 * 1024 * 1024) as form:
        fields = len(form)
    return JSONResponse({"fields": fields})


app = Starlette(
    routes=[
        Route("/liveness", receive_and_discard, methods=["POST"]),
        Route("/v2/liveness", receive_and_discard, methods=["POST"]),
        Route("/healthz", healthz),  # readiness, as on the mock
    ]
)
