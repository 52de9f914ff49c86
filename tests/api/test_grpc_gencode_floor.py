"""The committed gRPC modules check the runtime versions they meet at import; pyproject's floors
must admit no runtime older than that, or a fresh install imports them and fails at start-up.
(The last protobuf bump broke the full install: tritonclient and TensorFlow take protobuf 6.)"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "app" / "api" / "open_inference" / "vendor"


def _serve_requirement(name: str) -> Requirement:
    serve = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    matches = [Requirement(line) for line in serve["serve"] if Requirement(line).name == name]
    assert matches, f"{name} is not a serving dependency"
    return matches[0]


def _generated(pattern: str, path: Path) -> Version:
    found = re.search(pattern, path.read_text())
    assert found, f"no generated version in {path.name}"
    return Version(found.group(1))


def _floor(name: str) -> Version:
    floors = [Version(s.version) for s in _serve_requirement(name).specifier if s.operator == ">="]
    assert floors, f"{name} has no >= floor"
    return max(floors)


def test_protobuf_requirement_admits_only_runtimes_the_gencode_accepts() -> None:
    gencode = _generated(r"# Protobuf Python Version: (\S+)", VENDOR / "grpc_predict_v2_pb2.py")
    spec = _serve_requirement("protobuf").specifier
    assert _floor("protobuf") >= gencode, (
        f"the floor admits runtimes older than the {gencode} gencode"
    )
    assert spec.contains(str(gencode))
    assert not spec.contains(f"{gencode.major + 2}.0.0"), "two majors ahead the gencode is refused"


def test_grpcio_requirement_admits_only_runtimes_the_stubs_accept() -> None:
    generated = _generated(
        r"GRPC_GENERATED_VERSION = '([^']+)'", VENDOR / "grpc_predict_v2_pb2_grpc.py"
    )
    assert _floor("grpcio") >= generated, (
        f"grpcio older than {generated} is admitted but refuses the stubs"
    )
    assert _serve_requirement("grpcio").specifier.contains(str(generated))
