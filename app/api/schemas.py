"""Request and response bodies of the API, with the examples the docs show."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

POSITIVE_EXAMPLE = (
    "This movie was absolutely fantastic! The acting was brilliant and the plot was thrilling."
)
NEGATIVE_EXAMPLE = "This was the worst film I have ever seen. Boring, badly acted and far too long."


def _require_content(text: str, where: str) -> None:
    if not text.strip():
        raise ValueError(f"{where} is empty or only whitespace")


class PredictRequest(BaseModel):
    """Exactly one of ``text`` (one review) or ``texts`` (several)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": POSITIVE_EXAMPLE},
                {"texts": [POSITIVE_EXAMPLE, NEGATIVE_EXAMPLE]},
            ]
        },
    )

    text: str | None = Field(None, description="one review")
    texts: list[str] | None = Field(None, description="several reviews, answered in order")

    @model_validator(mode="after")
    def exactly_one_of_text_and_texts(self) -> Self:
        if (self.text is None) == (self.texts is None):
            raise ValueError("send exactly one of 'text' (a string) or 'texts' (a list of strings)")
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


class ErrorOut(BaseModel):
    detail: str
