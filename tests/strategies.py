"""Hypothesis strategies shared by the test suite."""

from __future__ import annotations

from hypothesis import strategies as st

import spec

MEDIA_PRESENCE = st.fixed_dictionaries(
    {}, optional={"image": st.just("<image bytes>"), "video": st.just("<video bytes>")}
)


def valid_tuning_value(name: str) -> st.SearchStrategy[str]:
    field = spec.tuning_fields()[name]
    if field.enum is not None:
        return st.sampled_from(field.enum)
    if field.pattern is not None:
        return st.from_regex(field.pattern, fullmatch=True)
    return st.text(max_size=field.max_length or 64)


tuning_values = st.fixed_dictionaries(
    {}, optional={name: valid_tuning_value(name) for name in spec.TUNING_FIELDS}
)

extra_field_names = st.text(
    alphabet=st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=12
).filter(lambda name: name not in spec.TUNING_FIELDS and name not in spec.MEDIA_FIELDS)
