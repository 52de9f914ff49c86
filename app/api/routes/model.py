"""The served models: the default one's description, and the list of all of them."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from app.api.deps import ServingDep
from app.api.schemas import ChunkingOut, ErrorOut, ModelInfo, ServedModel
from app.api.scoring import chunk_policy

router = APIRouter(prefix="/model", tags=["model"])

_SUMMARY_METRICS = ("test", "validation", "baseline_tfidf_logreg", "export_parity")


@router.get("", response_model=ModelInfo, responses={503: {"model": ErrorOut}})
async def describe_model(serving: ServingDep) -> ModelInfo:
    """The default model's name, version, labels, threshold, max length, vocabulary, signature
    and metrics, and the name, version and labels of every served model."""
    classifier, state = serving.default, serving.state
    manifest = classifier.manifest
    served = [
        ServedModel(
            name=name,
            version=model.manifest.version,
            task=model.manifest.task,
            labels=model.manifest.labels,
            default=model is classifier,
            chunking=ChunkingOut(**asdict(chunk_policy(serving.settings, model))),
        )
        for name, model in (state.models or {manifest.name: classifier}).items()
    ]
    return ModelInfo(
        name=manifest.name,
        version=manifest.version,
        created=manifest.created,
        task=manifest.task,
        labels=manifest.labels,
        threshold=None if manifest.multiclass else manifest.threshold,
        max_length=manifest.max_length,
        truncation=manifest.truncation,
        vocab_size=manifest.vocab_size,
        pad_id=manifest.pad_id,
        inputs=[spec.model_dump() for spec in manifest.inputs],
        outputs=[spec.model_dump() for spec in manifest.outputs],
        recurrent=manifest.recurrent.model_dump(),
        metrics={key: manifest.metrics[key] for key in _SUMMARY_METRICS if key in manifest.metrics},
        dataset=manifest.dataset,
        models=served,
    )
