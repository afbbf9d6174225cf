"""JSON Schema of the SOP file format, for editors (autocomplete, inline checks)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Mapping, Union

from pydantic import Field, create_model
from pydantic.json_schema import GenerateJsonSchema

from sopengine.model.durations import format_duration

from sopengine.kinds import KindRegistry, StepBase
from sopengine.model.sop_file import SopHeader

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def sop_json_schema(kinds: Mapping[str, type[StepBase]] | None = None) -> dict[str, Any]:
    """The JSON Schema of an SOP file whose steps may be any of ``kinds``."""
    models = tuple((kinds or KindRegistry()).values())
    step = Annotated[Union[models], Field(discriminator="kind")]  # type: ignore[valid-type]
    sop_file = create_model(
        "SopFile", __base__=SopHeader, __doc__="An sopengine SOP file: one SOP, its pools and its steps.",
        steps=(list[step], Field(min_length=1)),
    )
    schema = sop_file.model_json_schema(schema_generator=_FileFormatSchema)
    schema["description"] = (f"{schema.get('description', '')} Every key is described in docs/format.md "
                             "(the project's file format reference).").strip()
    return {"$schema": SCHEMA_DIALECT, "title": "sopengine SOP file", **schema}


class _FileFormatSchema(GenerateJsonSchema):
    """Defaults written as a file would write them: an editor that fills one in writes a valid file
    (pydantic would write a duration as ISO 8601, ``PT1H``, which the file format refuses)."""

    def encode_default(self, dft: Any) -> Any:
        if isinstance(dft, timedelta):
            return format_duration(dft)
        return super().encode_default(dft)
