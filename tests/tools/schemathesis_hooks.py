"""Schemathesis CLI hooks (``SCHEMATHESIS_HOOKS``): media parts carry real media.

The schemathesis view declares ``encoding.contentType`` image/jpeg and video/mp4 for the
media parts; the strategies registered here supply decodable media for them, so
generated requests exercise the tuning rules and the analysis rather than only the media
decoder's 400. ``LIVENESS_KIT_FUZZ_MEDIA=corpus`` (the default) sends the corpus's
genuine still and video; ``small`` sends a 64x48 JPEG and a 6-frame MP4, for many
requests in little time.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import strategies as st


def _media() -> tuple[bytes, bytes]:
    if os.environ.get("LIVENESS_KIT_FUZZ_MEDIA", "corpus") == "small":
        from tests.mock_server.helpers import jpeg, mp4

        return jpeg(), mp4(6)
    import fixtures

    return fixtures.get("genuine_still").read_bytes(), fixtures.get("genuine_video").read_bytes()


_IMAGE, _VIDEO = _media()
schemathesis.openapi.media_type("image/jpeg", st.just(_IMAGE))
schemathesis.openapi.media_type("video/mp4", st.just(_VIDEO))
