"""``python -m app``: verify the bundle, then serve it with uvicorn.

Every setting is a flag as well as a ``SENTIMENT_*`` variable (``--help`` lists them, generated
from ``Settings``); a flag overrides the variable. The bundle is loaded before the port is
bound, so a missing or corrupt bundle ends the process with its own exit status and one log
line naming the file and the problem.

With ``SENTIMENT_WORKERS`` > 1 (the default on a multi-core machine) that many server processes
share the port (``app.server.supervisor``), each with its own event loop and model session:
Python runs one thread at a time per process, so processes serve more single reviews than one
process with as many inference threads (measured by ``benchmarks``; README gives the figures).
The parent only
supervises: it checks the bundle in a short-lived child process and never loads the model,
onnxruntime or the web stack itself.
"""

from __future__ import annotations

import argparse
import logging
import sys
from enum import IntEnum
from typing import Any

from pydantic import ValidationError

from app import __version__
from app.core import settings_cli
from app.core.config import Settings
from app.core.logging import configure_logging
from app.server import supervisor

log = logging.getLogger("app")


class ExitStatus(IntEnum):
    """What ``python -m app`` exits with (README: Serving; the help's epilog)."""

    STOPPED = 0  # stopped by SIGTERM or Ctrl-C after serving; --help, --version
    FAILED = 1  # could not keep serving: the port is taken, or the workers keep dying
    USAGE = 2  # an unknown flag, or a setting (flag or variable) out of its range
    BAD_BUNDLE = 3  # a bundle is missing or fails verification at start-up


EPILOG = """exit status:
  0  stopped by SIGTERM or Ctrl-C (a single process, SENTIMENT_WORKERS=1, ends as killed by
     SIGTERM: status 143 in a shell, as uvicorn re-raises the signal); --help, --version
  1  could not keep serving: the port is taken, or the worker processes keep exiting
  2  usage: an unknown flag, or a setting (flag or variable) that is out of its range
  3  a bundle is missing or fails verification at start-up (one log line names the file)
"""


def parse_args(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Serve sentiment bundles over HTTP. Every setting is a flag and a\n"
        "SENTIMENT_* environment variable; a flag overrides the variable.",
        epilog=f"{settings_cli.secrets_epilog()}\n\n{EPILOG}",
        formatter_class=settings_cli.HelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="store_true",
        dest="show_version",
        help="print the package version and the default bundle's name and version, and exit",
    )
    settings_cli.add_setting_flags(parser)
    return parser, parser.parse_args(argv)


def print_version(settings: Settings) -> int:
    """The package and the default bundle, read from its manifest (no model is loaded)."""
    from app.inference.bundle import BundleError, read_manifest

    sys.stdout.write(f"imdb-sentiment {__version__}\n")
    try:
        manifest = read_manifest(settings.bundle_path)
    except BundleError as error:
        sys.stderr.write(f"bundle: {error}\n")
        return ExitStatus.BAD_BUNDLE
    sys.stdout.write(f"bundle {manifest.name} {manifest.version} ({settings.bundle_path})\n")
    return ExitStatus.STOPPED


def main(argv: list[str] | None = None) -> int:
    parser, args = parse_args(argv)
    try:
        settings = settings_cli.settings_from(args)
    except ValidationError as error:
        parser.error(settings_cli.explain(error))  # exits with status 2
    if args.show_version:
        return print_version(settings)
    configure_logging(settings)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,  # keep the logging configure_logging set up
        "access_log": False,
        # Lame-duck wait plus draining the requests in flight stay within 10 s (docker stop's
        # default and the compose file's stop_grace_period).
        "timeout_graceful_shutdown": 8 - settings.shutdown_delay_s,
        "timeout_keep_alive": settings.keep_alive_s,
    }
    if settings.workers > 1:
        return serve_supervised(settings, options)

    from app.inference.bundle import BundleError
    from app.main import create_app
    from app.runtime.loading import load_models
    from app.server import graceful

    try:
        models = load_models(settings)  # every bundle, checked before the port is bound
    except BundleError as error:
        log.critical("cannot serve the bundle: %s", error)
        return ExitStatus.BAD_BUNDLE
    log.info("serving on %s:%d with 1 worker process (this one)", settings.host, settings.port)
    graceful.serve(create_app(settings, models=models), options, settings.shutdown_delay_s)
    return ExitStatus.STOPPED


def serve_supervised(settings: Settings, options: dict[str, Any]) -> int:
    """Check the bundles in a short-lived process, so that the parent does not keep
    onnxruntime and a copy of the model in memory while it supervises; that process also saves
    each model's graph where the workers will map its weights from, so they share one copy."""
    with supervisor.graphs_folder() as graphs:
        settings = settings.model_copy(update={"shared_graphs_dir": graphs})
        problem = supervisor.check_bundle(settings)
        if problem is not None:
            log.critical("cannot serve the bundle: %s", problem)
            return ExitStatus.BAD_BUNDLE
        return supervisor.serve("app.main:create_app", settings, options)


if __name__ == "__main__":
    sys.exit(main())
