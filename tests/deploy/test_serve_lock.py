"""The serving image's lock file matches pyproject.toml (scripts/serve_lock.py --check)."""

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import SCRIPTS, load_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = SCRIPTS / "serve_lock.py"


def _serve_lock() -> ModuleType:
    return load_script("serve_lock")


def test_the_committed_lock_matches_pyproject() -> None:
    checked = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_every_serving_requirement_is_pinned_with_hashes() -> None:
    lock = _serve_lock()
    text = lock.LOCK.read_text()
    pinned = lock.pins(text)
    for line in lock.serving_requirements():
        name = lock.canonicalize_name(lock.Requirement(line).name)
        assert name in pinned, name
    assert text.count("--hash=sha256:") >= len(pinned)


def test_a_new_or_changed_requirement_makes_the_lock_stale() -> None:
    lock = _serve_lock()
    text = lock.LOCK.read_text()
    requirements = lock.serving_requirements()
    assert lock.problems(text, requirements) == []
    added = lock.problems(text, [*requirements, "orjson>=3"])
    assert any("changed since" in p for p in added) and "orjson is not pinned" in added
    numpy = next(r for r in requirements if r.startswith("numpy"))
    narrowed = [r if r != numpy else "numpy>=99" for r in requirements]
    assert any("does not satisfy numpy>=99" in p for p in lock.problems(text, narrowed))


def test_pins_follow_the_images_platform_markers() -> None:
    lock = _serve_lock()
    text = (
        "colorama==0.4.6 ; sys_platform == 'win32' \\\n"
        "numpy==2.4.6 ; python_full_version < '3.12' \\\n"
        "numpy==2.5.5 ; python_full_version >= '3.12' \\\n"
        "uvloop==0.23.0 \\\n"
    )
    assert lock.pins(text) == {"numpy": "2.4.6", "uvloop": "0.23.0"}


SERVE_AND_LIST_MODULES = """
import json, socket, sys, threading, time, urllib.request
import uvicorn
from app.core.config import Settings
from app.main import create_app

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = uvicorn.Server(uvicorn.Config(create_app(Settings()), port=port, log_level="warning"))
thread = threading.Thread(target=server.run)
thread.start()
deadline = time.monotonic() + 60
while not server.started:
    assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
    time.sleep(0.05)
for path, body in [
    ("/predict", {"text": "A fine film.", "sentences": True}),
    ("/predict", {"text": "A fine film. " * 500, "long_text": "chunk"}),
    ("/explain", {"text": "A fine film."}),
    ("/v2/models/imdb-sentiment/infer", {"inputs": [
        {"name": "text", "shape": [1], "datatype": "BYTES", "data": ["A fine film."]}]}),
]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )
    assert urllib.request.urlopen(request).status == 200, path
for path in ("/docs", "/metrics", "/model", "/health/ready"):
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").status == 200, path
server.should_exit = True
thread.join()
print(json.dumps(sorted(sys.modules)))
"""


def test_serving_imports_none_of_the_packages_the_lock_leaves_out() -> None:
    """Every kind of request, served by uvicorn in a process of the dev install (where the
    left-out packages are installed, so an import of one would succeed and show)."""
    served = subprocess.run(
        [sys.executable, "-c", SERVE_AND_LIST_MODULES],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    modules = {name.partition(".")[0] for name in json.loads(served.stdout.splitlines()[-1])}
    lock = _serve_lock()
    assert "tokenizers" in modules and "onnxruntime" in modules
    assert not modules & set(lock.NOT_SERVED.values())


def test_a_pin_of_a_package_the_service_does_not_need_is_a_problem() -> None:
    lock = _serve_lock()
    text = lock.LOCK.read_text() + "huggingface-hub==2.4.0 \\\n    --hash=sha256:00\n"
    assert "huggingface-hub is pinned, but the service does not need it" in lock.problems(
        text, lock.serving_requirements()
    )
