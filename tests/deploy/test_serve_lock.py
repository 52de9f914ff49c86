"""The serving image's lock file matches pyproject.toml (scripts/serve_lock.py --check)."""

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "serve_lock.py"


def _serve_lock() -> ModuleType:
    spec = importlib.util.spec_from_file_location("serve_lock", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
