"""The default worker count honours a cgroup CPU quota, faked here in a temporary folder."""

import os
from pathlib import Path

import pytest

from app.core.cpus import cgroup_cpu_quota, usable_cpus

AFFINITY = len(os.sched_getaffinity(0))


def _v2(tmp_path: Path, cpu_max: dict[str, str], own: str = "/kubepods/pod1/ctr") -> Path:
    """A cgroup v2 tree with cpu.max files at the given folders; returns /proc/self/cgroup."""
    for folder, value in cpu_max.items():
        (tmp_path / "cg" / folder.lstrip("/")).mkdir(parents=True, exist_ok=True)
        (tmp_path / "cg" / folder.lstrip("/") / "cpu.max").write_text(value + "\n")
    (tmp_path / "cg" / own.lstrip("/")).mkdir(parents=True, exist_ok=True)
    proc = tmp_path / "cgroup"
    proc.write_text(f"0::{own}\n")
    return proc


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("max 100000", None),
        ("100000 100000", 1.0),
        ("150000 100000", 1.5),
        ("50000 100000", 0.5),
    ],
)
def test_v2_quota_is_read_from_cpu_max(tmp_path: Path, cpu_max: str, expected: float) -> None:
    proc = _v2(tmp_path, {"/kubepods/pod1/ctr": cpu_max})
    assert cgroup_cpu_quota(tmp_path / "cg", proc) == expected


def test_the_tightest_quota_on_the_way_to_the_root_applies(tmp_path: Path) -> None:
    proc = _v2(tmp_path, {"/kubepods/pod1/ctr": "max 100000", "/kubepods/pod1": "100000 100000"})
    assert cgroup_cpu_quota(tmp_path / "cg", proc) == 1.0


def test_workers_are_the_quota_rounded_up_capped_by_affinity(tmp_path: Path) -> None:
    one = _v2(tmp_path / "a", {"/c": "100000 100000"}, own="/c")
    half = _v2(tmp_path / "b", {"/c": "50000 100000"}, own="/c")
    many = _v2(tmp_path / "c", {"/c": "6400000 100000"}, own="/c")
    none = _v2(tmp_path / "d", {"/c": "max 100000"}, own="/c")
    assert usable_cpus(tmp_path / "a" / "cg", one) == 1
    assert usable_cpus(tmp_path / "b" / "cg", half) == 1  # at least one
    assert usable_cpus(tmp_path / "c" / "cg", many) == AFFINITY  # 64 CPUs of quota, fewer cores
    assert usable_cpus(tmp_path / "d" / "cg", none) == AFFINITY


def test_a_fractional_quota_rounds_up(tmp_path: Path) -> None:
    if AFFINITY < 2:
        pytest.skip("needs two usable cores to see 1.5 CPUs round up to 2")
    proc = _v2(tmp_path, {"/c": "150000 100000"}, own="/c")
    assert usable_cpus(tmp_path / "cg", proc) == 2


def test_cgroup_v1_cfs_quota(tmp_path: Path) -> None:
    folder = tmp_path / "cg" / "cpu,cpuacct" / "docker" / "abc"
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text("100000\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "cgroup"
    proc.write_text("4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n1:name=systemd:/\n")
    assert cgroup_cpu_quota(tmp_path / "cg", proc) == 1.0
    (folder / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_cpu_quota(tmp_path / "cg", proc) is None


def test_no_cgroup_files_means_the_affinity(tmp_path: Path) -> None:
    assert usable_cpus(tmp_path / "nothing", tmp_path / "missing") == AFFINITY
    garbage = _v2(tmp_path, {"/c": "not numbers"}, own="/c")
    assert usable_cpus(tmp_path / "cg", garbage) == AFFINITY


def test_the_settings_default_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core import config

    monkeypatch.delenv("SENTIMENT_WORKERS", raising=False)
    monkeypatch.setattr(config, "usable_cpus", lambda: 1)
    assert config.Settings().workers == 1
