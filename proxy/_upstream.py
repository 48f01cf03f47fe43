"""Sending to the upstream: the one boundary where httpx exceptions become the proxy's own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from proxy._errors import UpstreamUnavailable

DEFAULT_TIMEOUT = 120.0
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)


def forwardable(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in HOP_BY_HOP}


class Upstream:
    """One connection pool to the upstream; ``transport`` lets tests hand it an ASGI app."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connections: int = 128,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client: httpx.AsyncClient | None = None
        self._transport = transport
        self._timeout = timeout
        self._limits = httpx.Limits(max_connections=connections, max_keepalive_connections=64)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                transport=self._transport,
                timeout=self._timeout,
                limits=self._limits,
                # the client is shared by every proxied client: it must keep no cookie
                cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
            )
        return self._client

    @contextlib.asynccontextmanager
    async def send(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: AsyncIterator[bytes] | bytes,
    ) -> AsyncIterator[Answer]:
        """The upstream's answer, its body still to be read from ``Answer.chunks``."""
        http = self._http()
        request = http.build_request(method, target, headers=dict(headers), content=body)
        try:
            response = await http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"{type(exc).__name__}: {exc}") from exc
        try:
            yield Answer(response)
        finally:
            await response.aclose()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class Answer:
    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status = response.status_code
        self.raw_headers: list[tuple[bytes, bytes]] = list(response.headers.raw)
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        self._raw = response.aiter_raw()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body's next chunks: a second call goes on where the first stopped."""
        try:
            async for chunk in self._raw:
                yield chunk
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"the answer broke off: {type(exc).__name__}") from exc
