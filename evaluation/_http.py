"""Sending one request of an evaluation over HTTP, transport errors mapped to our own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from evaluation._errors import TargetUnreachable
from spec import PATHS

Send = Callable[[dict[str, tuple[str, bytes]]], Awaitable[httpx.Response]]


def sender(client: httpx.AsyncClient, api: str, token: str) -> Send:
    """Post the given files to ``api``'s path through ``client`` with a bearer ``token``.

    A request that cannot be completed raises :class:`TargetUnreachable`.
    """
    path = PATHS[api]
    headers = {"Authorization": f"Bearer {token}"}

    async def send(files: dict[str, tuple[str, bytes]]) -> httpx.Response:
        try:
            return await client.post(path, files=files, headers=headers)
        except httpx.TransportError as error:
            raise TargetUnreachable(str(error)) from None

    return send
