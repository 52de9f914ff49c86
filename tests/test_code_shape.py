"""The shape rule of issue 20, kept so it cannot regress: no function over 60 lines and no source
file over 300 lines in app/, training/ and benchmarks/ (the generated gRPC modules in
app/api/open_inference/vendor/ aside). Lengths are read with ``ast``: a function runs from its
``def`` line to its last line, decorators not counted."""

from __future__ import annotations

import ast
from pathlib import Path

from app.paths import REPOSITORY

MAX_FUNCTION_LINES = 60
MAX_FILE_LINES = 300
CHECKED_FOLDERS = ("app", "training", "benchmarks")
GENERATED = REPOSITORY / "app" / "api" / "open_inference" / "vendor"


def source_files() -> list[Path]:
    return sorted(
        path
        for folder in CHECKED_FOLDERS
        for path in (REPOSITORY / folder).rglob("*.py")
        if not path.is_relative_to(GENERATED)
    )


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int, int]]:
    """(name, ``def`` line, length) of each function or method longer than ``limit`` lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            length = node.end_lineno - node.lineno + 1
            if length > limit:
                found.append((node.name, node.lineno, length))
    return found


def test_the_rule_reads_every_package_but_the_generated_code() -> None:
    read = {path.relative_to(REPOSITORY).as_posix() for path in source_files()}
    assert {"app/main.py", "training/__main__.py", "benchmarks/__main__.py"} <= read
    assert not any(name.startswith("app/api/open_inference/vendor/") for name in read)


def test_a_function_over_the_limit_is_found_with_its_line_and_length() -> None:
    def function(name: str, lines: int, indent: str = "") -> str:
        body = "".join(f"{indent}    x{number} = {number}\n" for number in range(lines - 2))
        return f"{indent}def {name}():\n{body}{indent}    return 0\n"

    source = "\n".join(
        [
            "import functools\n",
            "@functools.cache\n" + function("at_the_limit", 60),
            "class Holder:\n" + function("method_over", 61, indent="    "),
            "async " + function("coroutine_over", 75),
        ]
    )
    found = long_functions(source)
    assert sorted((name, length) for name, _, length in found) == [
        ("coroutine_over", 75),
        ("method_over", 61),
    ]
    lines = source.splitlines()
    assert all(lines[line - 1].lstrip().startswith(("def", "async def")) for _, line, _ in found)


def test_no_function_is_over_60_lines() -> None:
    offenders = [
        f"{path.relative_to(REPOSITORY)}:{line} {name} ({length} lines)"
        for path in source_files()
        for name, line, length in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "split these into named steps:\n" + "\n".join(offenders)


def test_no_source_file_is_over_300_lines() -> None:
    lengths = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in source_files()}
    offenders = [
        f"{path.relative_to(REPOSITORY)} ({length} lines)"
        for path, length in lengths.items()
        if length > MAX_FILE_LINES
    ]
    assert not offenders, "split these into smaller modules:\n" + "\n".join(offenders)
