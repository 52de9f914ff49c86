"""Hot reload: load a bundle, verify it, warm it up, and swap it in; or refuse it and keep
serving the old one.

Triggered by ``POST /admin/reload`` (with ``SENTIMENT_ADMIN_TOKEN``) or by SIGHUP. Under
``python -m app`` with several worker processes, SIGHUP to the parent reaches every worker,
and a worker that reloads through the admin endpoint asks the parent to do that, so that all
processes serve the same bundle.
"""

from __future__ import annotations

import asyncio
import logging
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


async def reload(state: ServiceState, settings: Settings, bundle: Path | None = None) -> Manifest:
    """Load ``bundle`` (default: the configured one) off the event loop, check it, warm it up
    and swap it in; raise BundleError, with the service unchanged, if it cannot be served."""
    bundle = bundle or settings.bundle_path
    async with state.reload_lock:
        if state.classifier is None or state.batcher is None:
            raise BundleError("the service has not finished starting")
        try:
            new = await asyncio.get_running_loop().run_in_executor(
                None, _load_warm, bundle, settings
            )
            _check_compatible(state.classifier.manifest, new.manifest, bundle)
        except BundleError:
            if state.metrics is not None:
                state.metrics.reloaded(succeeded=False)
            raise
        instrument(new, state.metrics)
        state.classifier = new
        if state.metrics is not None:
            state.metrics.reloaded(succeeded=True)
    log.info("reloaded: now serving %s %s from %s", new.manifest.name, new.manifest.version, bundle)
    return new.manifest


def tell_siblings(settings: Settings) -> None:
    """Under the supervisor, have every worker process reload (SIGHUP through the parent)."""
    if settings.supervised:
        os.kill(os.getppid(), signal.SIGHUP)


def on_sighup(state: ServiceState, settings: Settings) -> None:
    """Reload on SIGHUP, from the event loop; a refused bundle is logged, nothing changes."""

    async def run() -> None:
        try:
            await reload(state, settings)
        except BundleError as error:
            log.error("reload refused, still serving the old bundle: %s", error)

    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(run()))
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests)
        log.debug("SIGHUP reload not available in this thread")
