"""The canonical OpenAPI contract of the liveness API, and views derived from it.

``openapi.yaml`` in this package is the one source of truth. Everything else here is
read from it: the tuning fields and their rules, JSON Schema validators for the
bodies, the invariants, the v1/v2 mapping, and the tool views.
"""

from spec._document import (
    BRANCHES,
    MEDIA_FIELDS,
    PATHS,
    TUNING_FIELDS,
    component,
    invariants,
    load_spec,
    resolve,
    spec_json,
    spec_text,
    v1_from_v2_mapping,
)
from spec._mapping import v1_from_v2
from spec._tuning import TuningField, tuning_fields
from spec._validation import (
    documented_statuses,
    error_statuses,
    request_branches,
    response_errors,
    response_schema_name,
    schema_conforms,
    schema_validator,
)
from spec._views import VIEWS, view

__all__ = [
    "BRANCHES",
    "MEDIA_FIELDS",
    "PATHS",
    "TUNING_FIELDS",
    "VIEWS",
    "TuningField",
    "component",
    "documented_statuses",
    "error_statuses",
    "invariants",
    "load_spec",
    "request_branches",
    "resolve",
    "response_errors",
    "response_schema_name",
    "schema_conforms",
    "schema_validator",
    "spec_json",
    "spec_text",
    "tuning_fields",
    "v1_from_v2",
    "v1_from_v2_mapping",
    "view",
]
