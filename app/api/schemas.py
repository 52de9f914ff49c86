"""Request and response bodies of the API, with the examples the docs show."""

from __future__ import annotations

import re
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

POSITIVE_EXAMPLE = (
    "This movie was absolutely fantastic! The acting was brilliant and the plot was thrilling."
)
NEGATIVE_EXAMPLE = "This was the worst film I have ever seen. Boring, badly acted and far too long."


# A text needs one character outside this whitespace set (Python's str.isspace() and
# JavaScript's \s together), written with escapes both regex dialects read alike, so that the
# published schema pattern and this check agree for any client or fuzzer.
_BLANK = (
    r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f"
    r"\u205f\u3000\ufeff"
)
HAS_CONTENT = f"[^{_BLANK}]"
_HAS_CONTENT = re.compile(HAS_CONTENT)


def _require_content(text: str, where: str) -> None:
    if _HAS_CONTENT.search(text) is None:
        raise ValueError(f"{where} is empty or only whitespace")


def _predict_request_schema(schema: dict[str, Any]) -> None:
    """The published schema states every rule the validator enforces (fuzzers rely on it):
    exactly one of the two fields, no nulls, no empty or whitespace-only text. The limits that
    depend on settings are added by ``app.api.openapi``."""
    properties = schema["properties"]
    properties["text"] = {"type": "string", "pattern": HAS_CONTENT, "description": "one review"}
    properties["texts"] = {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "pattern": HAS_CONTENT},
        "description": "several reviews, answered in order",
    }
    schema["oneOf"] = [{"required": ["text"]}, {"required": ["texts"]}]
    schema["examples"] = [
        {"text": POSITIVE_EXAMPLE},
        {"texts": [POSITIVE_EXAMPLE, NEGATIVE_EXAMPLE]},
    ]


class PredictRequest(BaseModel):
    """Exactly one of ``text`` (one review) or ``texts`` (several)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_predict_request_schema)

    text: str | None = Field(None, description="one review")
    texts: list[str] | None = Field(None, description="several reviews, answered in order")

    @model_validator(mode="after")
    def exactly_one_of_text_and_texts(self) -> Self:
        if (self.text is None) == (self.texts is None):
            raise ValueError("send exactly one of 'text' (a string) or 'texts' (a list of strings)")
        for name in ("text", "texts"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} is null; leave it out instead")
        if self.text is not None:
            _require_content(self.text, "text")
        if self.texts is not None:
            if not self.texts:
                raise ValueError("texts is an empty list")
            for index, text in enumerate(self.texts):
                _require_content(text, f"texts[{index}]")
        return self

    @property
    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class PredictionOut(BaseModel):
    label: str = Field(description="'positive' if score >= the model's threshold, else 'negative'")
    score: float = Field(ge=0.0, le=1.0, description="probability that the review is positive")
    tokens: int = Field(ge=0, description="tokens of the text the model read")
    truncated: bool = Field(description="whether the text was longer than the model reads")


class ModelRef(BaseModel):
    name: str
    version: str


class PredictResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "predictions": [
                        {"label": "positive", "score": 0.97, "tokens": 16, "truncated": False}
                    ],
                    "model": {"name": "imdb-sentiment", "version": "1.0.0"},
                }
            ]
        }
    )

    predictions: list[PredictionOut]
    model: ModelRef


class TensorOut(BaseModel):
    name: str
    dtype: str
    shape: list[int | str]


class ModelInfo(BaseModel):
    """What the served bundle says of itself."""

    model_config = ConfigDict(protected_namespaces=())

    name: str
    version: str
    created: str
    task: str
    labels: list[str]
    threshold: float
    max_length: int
    truncation: Literal["first", "last"]
    vocab_size: int
    pad_id: int
    inputs: list[TensorOut]
    outputs: list[TensorOut]
    recurrent: dict[str, Any]
    metrics: dict[str, Any] = Field(description="test-split metrics and export parity")
    dataset: dict[str, Any]


class Health(BaseModel):
    status: Literal["alive", "ready", "loading", "stopping"]
    model: ModelRef | None = None


class ReloadResponse(BaseModel):
    status: Literal["reloaded"]
    model: ModelRef


class ErrorOut(BaseModel):
    detail: str
