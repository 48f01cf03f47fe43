"""liveness-kit: contract-first mock and conformance kit for a face-liveness API."""

__version__ = "0.1.0"
__all__ = ["__version__"]
