"""Operations: reload the bundle. Registered only when an admin token is configured."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, status

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
        404: {"model": ErrorOut, "description": "no model of that name is served"},
        409: {"model": ErrorOut, "description": "bundle refused; the old one keeps serving"},
    },
)
async def reload_bundle(
    state: StateDep,
    settings: SettingsDep,
    model: str | None = Query(None, description="the served model to reload; default: the default"),
) -> ReloadResponse:
    """Load a model's bundle from its folder again (replace its files, or the folder a symlink
    points to, first), verify it, warm it up and swap it in; every worker process follows. A
    bundle that cannot be served is refused and the old one keeps serving."""
    old_model = state.model(model)
    if model is not None and old_model is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no model named {model!r} is served")
    old = old_model.manifest if old_model is not None else None
    try:
        manifest = await reload.reload(state, settings, model=model)
    except BundleError as error:
        serving = f"{old.name} {old.version}" if old is not None else "nothing"
        problem = str(error)
        folders = {str(settings.bundle_path), *map(str, state.bundles.values())}
        for folder in sorted(folders, key=len, reverse=True):  # a path before its prefixes
            problem = problem.replace(folder, "<bundle>")
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"bundle refused, still serving {serving}: {problem}"
        ) from None
    reload.tell_siblings(settings)
    return ReloadResponse(
        status="reloaded", model=ModelRef(name=manifest.name, version=manifest.version)
    )
