"""Command-line flags generated from ``Settings``, so that ``--help``, the README's Settings
table and the environment variables cannot drift apart: a field added to ``Settings`` is a
flag, a row and a variable at once.

A flag overrides its environment variable (it is passed to ``Settings`` as an init argument,
which pydantic-settings ranks above the environment). Secrets (``SecretStr`` fields) get no
flag: a command line is visible to every user of the machine (``ps``); they are listed in the
help's epilog with their variable.
"""

from __future__ import annotations

import argparse
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo

from app.core.config import Settings
from app.paths import REPOSITORY


@dataclass(frozen=True)
class SettingDoc:
    """One setting as an operator sees it."""

    name: str
    variable: str
    flag: str | None  # None for a secret: environment only
    default: str
    meaning: str


def documented_settings() -> list[SettingDoc]:
    """Every field of ``Settings``, in declaration order."""
    prefix = Settings.model_config.get("env_prefix", "")
    docs = []
    for name, field in Settings.model_fields.items():
        secret = _is_secret(field)
        docs.append(
            SettingDoc(
                name=name,
                variable=f"{prefix}{name}".upper(),
                flag=None if secret else "--" + name.replace("_", "-"),
                default=shown_default(field),
                meaning=field.description or "",
            )
        )
    return docs


def _is_secret(field: FieldInfo) -> bool:
    return SecretStr in (field.annotation, *get_args(field.annotation))


def shown_default(field: FieldInfo) -> str:
    """The default as words that hold on every machine (not this machine's core count)."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "shown_default" in extra:
        return str(extra["shown_default"])
    if field.default_factory is list:
        return "none"
    if field.default_factory is not None:
        return "computed at start-up"
    value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Path) and value.is_relative_to(REPOSITORY):
        return str(value.relative_to(REPOSITORY))
    return str(value)


def markdown_table() -> str:
    """The README's Settings table."""
    rows = ["| variable | flag | default | meaning |", "|---|---|---|---|"]
    for doc in documented_settings():
        flag = f"`{doc.flag}`" if doc.flag else "(environment only)"
        rows.append(f"| `{doc.variable}` | {flag} | `{doc.default}` | {doc.meaning} |")
    return "\n".join(rows) + "\n"


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per setting that is not a secret. A flag not given is absent from the parsed
    namespace (``SUPPRESS``), so only the flags given override the environment."""
    group = parser.add_argument_group(
        "settings", "each flag overrides its environment variable (shown in brackets)"
    )
    for doc in documented_settings():
        if doc.flag is None:
            continue
        annotation = Settings.model_fields[doc.name].annotation
        options: dict[str, Any] = {"dest": doc.name, "default": argparse.SUPPRESS}
        if annotation is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif get_origin(annotation) is Literal:
            options["choices"] = get_args(annotation)
        else:
            options["metavar"] = doc.name.upper()
        help_text = f"{doc.meaning} [{doc.variable}; default: {doc.default}]"
        group.add_argument(doc.flag, help=help_text.replace("%", "%%"), **options)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's and epilog's lines as written, and wraps a flag's help at spaces
    only, so that a path or a name with a hyphen (``models/imdb-sentiment``) stays whole."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def secrets_epilog(width: int = 90) -> str:
    """The settings read from the environment only, for the help's epilog."""
    lines = ["settings read from the environment only (a flag would show in ps):"]
    for doc in documented_settings():
        if doc.flag is None:
            text = f"{doc.variable}: {doc.meaning} [default: {doc.default}]"
            lines += textwrap.wrap(
                text, width, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False
            )
    return "\n".join(lines)


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by the flags given; raises ValidationError."""
    given = {name: value for name, value in vars(args).items() if name in Settings.model_fields}
    return Settings(**given)


def explain(error: ValidationError) -> str:
    """One line per refused setting, naming its flag and variable; a secret's value is never
    repeated."""
    docs = {doc.name: doc for doc in documented_settings()}
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        doc = docs.get(name)
        where = name if doc is None else " / ".join(filter(None, [doc.flag, doc.variable]))
        shown = "" if doc is None or doc.flag is None else f" (got {problem['input']!r})"
        lines.append(f"{where}: {problem['msg']}{shown}")
    return "invalid settings:\n  " + "\n  ".join(lines)
