"""The proxy's own errors; httpx's are mapped to these at the one boundary, ``_upstream``."""


class ProxyError(Exception):
    """A bad proxy or replay configuration or input (a one-line message for the CLI)."""


class UpstreamUnavailable(ProxyError):
    """The upstream could not be reached or failed mid-answer."""
