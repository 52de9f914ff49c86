"""Hot reload: load a bundle, verify it, warm it up, and swap it in; or refuse it and keep
serving the old one.

Each served model reloads on its own, from its own bundle folder: ``POST /admin/reload`` (with
``SENTIMENT_ADMIN_TOKEN``) reloads one model (``?model=NAME``; the default model without it),
SIGHUP every model, one after the other (a model whose bundle is refused keeps serving its old
version; the others still reload). Under
``python -m app`` with several worker processes, SIGHUP to the parent reaches every worker,
and a worker that reloads through the admin endpoint asks the parent to do that, so that all
processes serve the same bundle.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from pathlib import Path

from app.core.config import Settings
from app.inference.bundle import BundleError, Manifest
from app.inference.pipeline import SentimentClassifier
from app.runtime.loading import instrument, load_classifier
from app.runtime.state import ServiceState

log = logging.getLogger("app")


def _load_warm(bundle: Path, settings: Settings) -> SentimentClassifier:
    classifier = load_classifier(settings, bundle)
    classifier.warm_up()
    return classifier


def _check_compatible(old: Manifest, new: Manifest, bundle: Path) -> None:
    """The API's answers keep their meaning: same task and labels."""
    if (new.task, new.labels) != (old.task, old.labels):
        raise BundleError(
            f"{bundle}: serves {new.task} with labels {new.labels}; this service answers"
            f" {old.task} with labels {old.labels}"
        )


def _check_name(state: ServiceState, old: str, new: str, bundle: Path) -> None:
    """A reloaded model keeps its name when others are served beside it (requests address
    them by name); a lone model may be renamed, as before several could be served."""
    if new != old and len(state.models) > 1:
        raise BundleError(
            f"{bundle}: names its model {new!r}, but it serves {old!r} beside other models"
        )


async def reload(
    state: ServiceState, settings: Settings, bundle: Path | None = None, model: str | None = None
) -> Manifest:
    """Load the model named ``model`` (default: the default model) from ``bundle`` (default: its
    own folder) off the event loop, check it, warm it up and swap it in; raise BundleError,
    with the service unchanged, if it cannot be served."""
    async with state.reload_lock:
        if state.classifier is None or state.batcher is None:
            raise BundleError("the service has not finished starting")
        name = model or state.classifier.manifest.name
        old = state.models.get(name, state.classifier if model is None else None)
        if old is None:
            raise BundleError(f"no model named {name!r} is served")
        bundle = bundle or state.bundles.get(name, settings.bundle_path)
        try:
            new = await asyncio.get_running_loop().run_in_executor(
                None, _load_warm, bundle, settings
            )
            _check_compatible(old.manifest, new.manifest, bundle)
            _check_name(state, name, new.manifest.name, bundle)
        except BundleError:
            if state.metrics is not None:
                state.metrics.reloaded(succeeded=False)
            raise
        instrument(new, state.metrics)
        if state.classifier is old:
            state.classifier = new
        _replace(state, name, new, bundle)
        if state.metrics is not None:
            state.metrics.reloaded(succeeded=True)
    log.info("reloaded: now serving %s %s from %s", new.manifest.name, new.manifest.version, bundle)
    return new.manifest


def _replace(state: ServiceState, name: str, new: SentimentClassifier, bundle: Path) -> None:
    """Serve ``new`` in the place of the model ``name`` (the models keep their order)."""
    renamed = new.manifest.name
    state.models = {
        (renamed if key == name else key): (new if key == name else model)
        for key, model in state.models.items()
    }
    state.bundles = {
        (renamed if key == name else key): (bundle if key == name else folder)
        for key, folder in state.bundles.items()
    }
    state.models.setdefault(renamed, new)
    state.bundles.setdefault(renamed, bundle)


def tell_siblings(settings: Settings) -> None:
    """Under the supervisor, have every worker process reload (SIGHUP to the supervisor, which
    forwards it to each). The supervisor started this process, but through its fork server,
    which is the parent the operating system knows."""
    if settings.supervised:
        supervisor = multiprocessing.parent_process()
        pid = supervisor.pid if supervisor is not None else None
        os.kill(pid or os.getppid(), signal.SIGHUP)


async def reload_every_model(state: ServiceState, settings: Settings) -> list[str]:
    """Reload each served model on its own (what SIGHUP does); a refused bundle is logged and
    its model keeps serving the old version. The names of the models reloaded."""
    reloaded = []
    names: list[str | None] = [*state.models] or [None]
    for name in names:
        try:
            reloaded.append((await reload(state, settings, model=name)).name)
        except BundleError as error:
            log.error("reload refused, still serving the old bundle: %s", error)
    return reloaded


def on_sighup(state: ServiceState, settings: Settings) -> None:
    """Reload on SIGHUP, from the event loop; a refused bundle is logged, nothing changes."""

    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(
            signal.SIGHUP, lambda: loop.create_task(reload_every_model(state, settings))
        )
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests)
        log.debug("SIGHUP reload not available in this thread")
