"""Small review files in every format bulk scoring reads, with bad rows in known places."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import synthetic_review

# (id, text) rows; texts that cannot be scored sit at known positions.
BAD_TEXTS = {3: "", 7: "   \n  "}


def review_rows(count: int, seed: int = 0, repeat: int = 1) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for index in range(count):
        review = " ".join([synthetic_review(rng, index % 2 == 0)] * repeat)
        text = BAD_TEXTS.get(index, review)
        rows.append({"id": str(index), "text": text, "source": f"site, {index % 3}"})
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, ["id", "text", "source"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict[str, object]]) -> Path:
    table = pa.Table.from_pylist(rows)
    table = table.set_column(0, "id", pa.array([int(r["id"]) for r in rows], pa.int32()))  # type: ignore[call-overload]
    pq.write_table(table, path, row_group_size=7)
    return path


def read_output(path: Path) -> list[dict[str, object]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as stream:
            return list(csv.DictReader(stream))
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pq.read_table(path).to_pylist()


# format -> the writer of a file in it
WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}


def review_file(folder: Path, fmt: str, count: int) -> tuple[list[dict[str, object]], Path]:
    """``count`` review rows, and the file ``in.<fmt>`` in ``folder`` that holds them."""
    rows = review_rows(count)
    return rows, WRITERS[fmt](folder / f"in.{fmt}", rows)
