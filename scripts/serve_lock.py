"""The serving image's lock file: every package pinned, with hashes, from pyproject.toml.

`make lock` (this script without `--check`) resolves the serving requirements (the project's
dependencies plus the `serve` extra) with `uv pip compile --universal --generate-hashes`, so one
file serves x86_64 and aarch64 images, and heads it with a fingerprint of those requirements.
The Dockerfile installs from it with `pip --require-hashes --no-deps`: two builds a month apart
get the same bytes.

Packages the service never imports stay out of the lock (`NOT_SERVED`): tokenizers declares
huggingface-hub, which its `Tokenizer.from_pretrained` uses to download from the Hub, and with it
comes an HTTP client, a Rust transfer agent and more, about 30 MB of the image. The service reads
`tokenizer.json` from the bundle; a test checks that serving a request imports none of them.

`--check` (run by the tests, offline) fails when the lock no longer matches pyproject.toml: the
fingerprint differs (a requirement was added, removed or changed since `make lock`), a pinned
version does not satisfy its requirement's range, or a package the service does not need is
pinned.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements" / "serve.lock"
FINGERPRINT = "# serving requirements fingerprint: "
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")
# The image's interpreter: python:3.11-slim on Linux.
IMAGE_ENVIRONMENT = {
    **default_environment(),
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
}
# name in the lock -> the module it installs; none is imported to serve (see above).
NOT_SERVED = {
    "huggingface-hub": "huggingface_hub",  # tokenizers' from_pretrained; the bundle has the file
    "hf-xet": "hf_xet",  # huggingface-hub's transfer agent
    "fsspec": "fsspec",  # the rest: what only huggingface-hub requires
    "filelock": "filelock",
    "httpx2": "httpx2",
    "httpcore2": "httpcore2",
    "httpx2-jsfetch": "httpx2_jsfetch",
    "truststore": "truststore",
    "pyyaml": "yaml",  # uvicorn reads YAML log configs with it; the service passes a dict
    "tqdm": "tqdm",  # python -m app.score draws no progress bar without it
}


def serving_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The project's dependencies and its `serve` extra, as written in pyproject.toml."""
    project = tomllib.loads(pyproject.read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["serve"]]


def fingerprint(requirements: list[str]) -> str:
    """A digest of the requirements that ignores their order and spacing, not their meaning."""
    canonical = sorted(str(Requirement(line)) for line in requirements)
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()


def pins(lock_text: str) -> dict[str, str]:
    """name -> version of every pin that applies to the image's interpreter."""
    found: dict[str, str] = {}
    for line in lock_text.splitlines():
        match = PIN.match(line.strip())
        if match is None:
            continue
        name, version, marker = match.groups()
        if marker and not Requirement(f"x; {marker}").marker.evaluate(IMAGE_ENVIRONMENT):  # type: ignore[union-attr]
            continue
        found[canonicalize_name(name)] = version
    return found


def problems(lock_text: str, requirements: list[str]) -> list[str]:
    """Why the lock does not match the requirements (empty when it does)."""
    found: list[str] = []
    header = next((ln for ln in lock_text.splitlines() if ln.startswith(FINGERPRINT)), None)
    if header is None or header.removeprefix(FINGERPRINT).strip() != fingerprint(requirements):
        found.append("the serving requirements in pyproject.toml changed since the lock was made")
    pinned = pins(lock_text)
    for line in requirements:
        requirement = Requirement(line)
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            found.append(f"{requirement.name} is not pinned")
        elif not requirement.specifier.contains(version, prereleases=True):
            found.append(f"{requirement.name}=={version} does not satisfy {requirement}")
    found += [
        f"{name} is pinned, but the service does not need it"
        for name in NOT_SERVED.keys() & pinned.keys()
    ]
    return found


def compile_lock(lock: Path = LOCK) -> None:
    """Resolve and write the lock with uv; keeps today's pins where they still fit."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "serve.lock"
        if lock.exists():  # uv prefers the versions already in its output file
            shutil.copyfile(lock, output)
        uv = ["uv"] if shutil.which("uv") else [sys.executable, "-m", "uv"]
        subprocess.run(
            [
                *uv, "pip", "compile", str(PYPROJECT), "--extra", "serve", "--universal",
                "--python-version", "3.11", "--generate-hashes", "--no-header", "--quiet",
                "--output-file", str(output),
                *(f"--no-emit-package={name}" for name in NOT_SERVED),
            ],
            cwd=ROOT, check=True,
        )  # fmt: skip
        resolved = output.read_text()
    header = (
        "# The serving image's pinned requirements, with hashes. Made by `make lock` from\n"
        "# pyproject.toml (dependencies + the serve extra); do not edit by hand.\n"
        f"{FINGERPRINT}{fingerprint(serving_requirements())}\n"
    )
    lock.write_text(header + resolved.removeprefix(_header_of(resolved)))


def _header_of(text: str) -> str:
    """The comment lines a previous lock (copied in as uv's preferences) began with."""
    lines = text.splitlines(keepends=True)
    count = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return "".join(lines[:count])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify, offline; exit 1 if stale")
    args = parser.parse_args(argv)
    if not args.check:
        compile_lock()
    found = problems(LOCK.read_text(), serving_requirements()) if LOCK.exists() else ["no lock"]
    for problem in found:
        sys.stderr.write(f"{LOCK.relative_to(ROOT)}: {problem}; run `make lock`\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
