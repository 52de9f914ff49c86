"""Request and response bodies of the API, with the examples the docs show."""

from __future__ import annotations

import re
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

POSITIVE_EXAMPLE = (
    "This movie was absolutely fantastic! The acting was brilliant and the plot was thrilling."
)
NEGATIVE_EXAMPLE = "This was the worst film I have ever seen. Boring, badly acted and far too long."
MIXED_EXAMPLE = "The plot was dull. But the acting was superb, and the ending made up for it."

LongText = Literal["truncate", "chunk"]
_LONG_TEXT = (
    "how a text longer than the model's window is read: 'truncate' reads the window only,"
    " 'chunk' reads overlapping windows and pools their scores; default from the service's"
    " SENTIMENT_LONG_TEXT setting"
)
_SENTENCES = "also score each sentence of each text (character offsets into the text)"
_MODEL = (
    "the name of the served model to ask (GET /model lists them); the default model when left"
    " out; 404 for a name not served"
)


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
    properties["long_text"] = {"enum": ["truncate", "chunk"], "description": _LONG_TEXT}
    properties["sentences"] = {"type": "boolean", "default": False, "description": _SENTENCES}
    properties["model"] = {"type": "string", "minLength": 1, "description": _MODEL}
    schema["oneOf"] = [{"required": ["text"]}, {"required": ["texts"]}]
    schema["examples"] = [
        {"text": POSITIVE_EXAMPLE},
        {"texts": [POSITIVE_EXAMPLE, NEGATIVE_EXAMPLE]},
        {"text": MIXED_EXAMPLE, "sentences": True, "long_text": "chunk"},
    ]


class PredictRequest(BaseModel):
    """Exactly one of ``text`` (one review) or ``texts`` (several); optionally how to read long
    texts and whether to score sentences."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_predict_request_schema)

    text: str | None = Field(None, description="one review")
    texts: list[str] | None = Field(None, description="several reviews, answered in order")
    long_text: LongText | None = Field(None, description=_LONG_TEXT)
    sentences: bool = Field(False, strict=True, description=_SENTENCES)
    model: str | None = Field(None, min_length=1, max_length=200, description=_MODEL)

    @model_validator(mode="after")
    def exactly_one_of_text_and_texts(self) -> Self:
        if (self.text is None) == (self.texts is None):
            raise ValueError("send exactly one of 'text' (a string) or 'texts' (a list of strings)")
        for name in ("text", "texts", "long_text", "model"):
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


_LABEL = (
    "two labels: 'positive' if score >= the model's threshold, else 'negative' (the model's"
    " labels[1] and labels[0]); more labels: the most probable one"
)
_SCORE = (
    "two labels: probability that the text is positive (labels[1]); more labels: probability of"
    " label"
)
_SCORES = "the probability of every label of the model, in its order (they add up to 1)"
_CHUNKS = "windows the text was read in (only with long_text 'chunk'; 1 for a text that fits)"


class SentenceOut(BaseModel):
    text: str = Field(description="the sentence, exactly text[start:end]")
    start: int = Field(ge=0, description="offset of its first character in the text")
    end: int = Field(ge=1, description="offset just past its last character")
    label: str = Field(description=_LABEL)
    score: float = Field(ge=0.0, le=1.0, description=_SCORE)
    scores: dict[str, float] = Field(description=_SCORES)


class PredictionOut(BaseModel):
    label: str = Field(description=_LABEL)
    score: float = Field(ge=0.0, le=1.0, description=_SCORE)
    scores: dict[str, float] = Field(description=_SCORES)
    tokens: int = Field(ge=0, description="tokens of the text the model read")
    truncated: bool = Field(description="whether the text was longer than the model reads")
    chunks: int | None = Field(None, ge=1, description=_CHUNKS)
    sentences: list[SentenceOut] | None = Field(
        None, description="each sentence scored alone (only with sentences: true)"
    )


class ModelRef(BaseModel):
    name: str
    version: str


class PredictResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "predictions": [
                        {
                            "label": "positive",
                            "score": 0.97,
                            "scores": {"negative": 0.03, "positive": 0.97},
                            "tokens": 16,
                            "truncated": False,
                        }
                    ],
                    "model": {"name": "imdb-sentiment", "version": "1.0.0"},
                }
            ]
        }
    )

    predictions: list[PredictionOut]
    model: ModelRef


class TokenWeightOut(BaseModel):
    text: str = Field(description="the token as written, exactly text[start:end]")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    weight: float = Field(
        ge=-1.0,
        le=1.0,
        description="how much this token moves the score toward positive (two labels) or toward"
        " the predicted label (more labels): the score minus the score without it (negative: it"
        " pushes the other way)",
    )


class ExplanationOut(BaseModel):
    label: str = Field(description=_LABEL)
    score: float = Field(ge=0.0, le=1.0, description=_SCORE)
    scores: dict[str, float] = Field(description=_SCORES)
    truncated: bool = Field(description="whether tokens past the model's window went unread")
    chunks: int | None = Field(None, ge=1, description=_CHUNKS)
    tokens: list[TokenWeightOut] = Field(description="every token read, in order, with its weight")
    sentences: list[SentenceOut] | None = Field(
        None, description="each sentence scored alone (only with sentences: true)"
    )


class ExplainResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "explanations": [
                        {
                            "label": "positive",
                            "score": 0.98,
                            "scores": {"negative": 0.02, "positive": 0.98},
                            "truncated": False,
                            "tokens": [
                                {"text": "Great", "start": 0, "end": 5, "weight": 0.23},
                                {"text": "film", "start": 6, "end": 10, "weight": 0.01},
                            ],
                        }
                    ],
                    "model": {"name": "imdb-sentiment", "version": "1.0.0"},
                }
            ]
        }
    )

    explanations: list[ExplanationOut]
    model: ModelRef


class TensorOut(BaseModel):
    name: str
    dtype: str
    shape: list[int | str]


class ChunkingOut(BaseModel):
    """How a model reads a text longer than its window when asked to chunk it."""

    overlap: int = Field(description="tokens neighbouring windows share")
    pooling: Literal["mean", "logit_mean", "max_confidence"] = Field(
        description="how the windows' scores become one"
    )


class ServedModel(BaseModel):
    """One of the served models, as requests address it."""

    name: str = Field(description="what /predict's model field and /v2/models/{name} take")
    version: str
    task: str
    labels: list[str]
    default: bool = Field(description="whether requests that name no model get this one")
    chunking: ChunkingOut = Field(
        description="its reading with long_text=chunk: SENTIMENT_CHUNK_OVERLAP and"
        " SENTIMENT_CHUNK_POOLING where set, else the bundle's own choice (made on validation),"
        " else overlap 0 and max_confidence"
    )


class ModelInfo(BaseModel):
    """What the default model's bundle says of itself, and the list of every served model."""

    model_config = ConfigDict(protected_namespaces=())

    name: str
    version: str
    created: str
    task: str
    labels: list[str]
    threshold: float | None = Field(description="binary-sentiment only (null for more labels)")
    max_length: int
    truncation: Literal["first", "last"]
    vocab_size: int
    pad_id: int
    inputs: list[TensorOut]
    outputs: list[TensorOut]
    recurrent: dict[str, Any]
    metrics: dict[str, Any] = Field(description="test-split metrics and export parity")
    dataset: dict[str, Any]
    models: list[ServedModel] = Field(
        description="every served model, the default first (one entry when only one is served)"
    )


class Health(BaseModel):
    status: Literal["alive", "ready", "loading", "stopping"]
    model: ModelRef | None = None


class ReloadResponse(BaseModel):
    status: Literal["reloaded"]
    model: ModelRef


REQUEST_ID_DESCRIPTION = (
    "the request's ID, as in the X-Request-ID header: the caller's if it sent a safe one, else"
    " one the service made; quote it when reporting a problem"
)


class ErrorOut(BaseModel):
    detail: str
    request_id: str = Field(description=REQUEST_ID_DESCRIPTION)
