"""liveness-kit: contract-first mock and conformance kit for a face-liveness API.

This package is the command line, the one layer that assembles the others; see
ARCHITECTURE.md.
"""

from importlib import metadata

__version__ = metadata.version("liveness-kit")
__all__ = ["__version__"]
