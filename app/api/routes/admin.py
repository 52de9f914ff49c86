"""Operations: reload the bundle. Registered only when an admin token is configured."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status

from app.api.deps import SettingsDep, StateDep, require_admin_token
from app.api.schemas import ErrorOut, ModelRef, ReloadResponse
from app.inference.bundle import BundleError
from app.runtime import reload

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin_token)])


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses={
        401: {"model": ErrorOut, "description": "admin token missing or wrong"},
        409: {"model": ErrorOut, "description": "bundle refused; the old one keeps serving"},
    },
)
async def reload_bundle(state: StateDep, settings: SettingsDep) -> ReloadResponse:
    """Load the bundle at the configured path again (replace its files, or the folder a
    symlink points to, first), verify it, warm it up and swap it in; every worker process
    follows. A bundle that cannot be served is refused and the old one keeps serving."""
    old = state.classifier.manifest if state.classifier is not None else None
    try:
        manifest = await reload.reload(state, settings)
    except BundleError as error:
        serving = f"{old.name} {old.version}" if old is not None else "nothing"
        problem = str(error).replace(str(settings.bundle_path), "<bundle>")
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"bundle refused, still serving {serving}: {problem}"
        ) from None
    reload.tell_siblings(settings)
    return ReloadResponse(
        status="reloaded", model=ModelRef(name=manifest.name, version=manifest.version)
    )
