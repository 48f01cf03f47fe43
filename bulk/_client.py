"""The HTTP client of a run, and the check that something listens before a run starts."""

from __future__ import annotations

from typing import Final

import httpx

from bulk._errors import TargetUnreachable

PREFLIGHT_TIMEOUT: Final = 10.0


def make_client(base_url: httpx.URL, token: str, *, concurrency: int = 4) -> httpx.AsyncClient:
    """The HTTP client of a run: the base URL, the bearer token, a pool sized to concurrency."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits)


async def preflight(client: httpx.AsyncClient, *, timeout: float = PREFLIGHT_TIMEOUT) -> None:
    """Fail early, with :class:`TargetUnreachable`, when nothing listens at the base URL.

    A slow or odd answer passes: there is a server, and the run reports per case.
    """
    try:
        await client.get("", timeout=timeout)
    except httpx.ConnectError as error:
        raise TargetUnreachable(str(error)) from None
    except httpx.HTTPError:
        pass
