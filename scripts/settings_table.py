"""Rewrite the README's Settings table from ``Settings`` (the one source of --help as well).

    .venv/bin/python scripts/settings_table.py

The table sits between the ``<!-- settings-table -->`` markers; tests/core/test_settings_cli.py
fails, naming this command, when it no longer matches ``python -m app --help``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from app.core.settings_cli import markdown_table  # noqa: E402

START, END = "<!-- settings-table -->\n", "<!-- /settings-table -->\n"


def main() -> None:
    readme = REPOSITORY / "README.md"
    text = readme.read_text(encoding="utf-8")
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    readme.write_text(before + START + markdown_table() + END + after, encoding="utf-8")


if __name__ == "__main__":
    main()
