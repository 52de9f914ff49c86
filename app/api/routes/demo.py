"""A page to try the service in a browser: ``GET /`` and its script and style sheet.

Plain HTML, CSS and JavaScript served from ``app/static/``: no CDN, no build step, works
offline. The page calls ``/explain`` (and ``/model``) on the same origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parents[2] / "static"
_ASSETS = {"demo.js": "text/javascript", "demo.css": "text/css"}

router = APIRouter(tags=["demo"], include_in_schema=False)


@router.get("/")
async def demo_page() -> FileResponse:
    """The demo page."""
    return FileResponse(STATIC / "demo.html", media_type="text/html")


@router.get("/demo/{name}")
async def demo_asset(name: str) -> FileResponse:
    """The page's script or style sheet (only those two files)."""
    if name not in _ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no demo asset {name!r}")
    return FileResponse(STATIC / name, media_type=_ASSETS[name])
