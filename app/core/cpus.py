"""How many CPUs this process may really use: its affinity, capped by its cgroup's CPU quota.

`os.sched_getaffinity` sees every core of the host, but `docker run --cpus 2` (or a Kubernetes
CPU limit) sets a CFS quota instead: on a 64-core host that would start 64 throttled workers of
~130 MB each. The quota is `cpu.max` ("QUOTA PERIOD", or "max") in cgroup v2, and
`cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1 for none) in cgroup v1. Every cgroup from the
process's own up to the root may set one; the smallest applies. A fractional quota is rounded
up (1.5 CPUs -> 2 workers), and the answer is at least 1.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def usable_cpus(cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> int:
    """The smaller of the CPU affinity and the cgroup CPU quota (rounded up), at least 1."""
    affinity = len(os.sched_getaffinity(0))
    quota = cgroup_cpu_quota(cgroup_root, proc_cgroup)
    if quota is None:
        return max(1, affinity)
    return max(1, min(affinity, math.ceil(quota)))


def cgroup_cpu_quota(
    cgroup_root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP
) -> float | None:
    """CPUs allowed by the tightest quota on the way to the root; None when there is none."""
    quotas = [
        quota
        for folder in _cgroup_folders(cgroup_root, proc_cgroup)
        if (quota := _quota_in(folder)) is not None
    ]
    return min(quotas, default=None)


def _cgroup_folders(cgroup_root: Path, proc_cgroup: Path) -> list[Path]:
    """The process's cgroup folders (v2 unified, and v1's cpu controller) and their ancestors."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return [cgroup_root]
    folders: list[Path] = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            base = cgroup_root  # v2: 0::/path
        elif "cpu" in controllers.split(","):
            base = cgroup_root / controllers  # v1: N:cpu,cpuacct:/path
            if not base.is_dir():
                base = cgroup_root / "cpu"
        else:
            continue
        folder = base / path.lstrip("/")
        folders.extend([folder, *(p for p in folder.parents if p.is_relative_to(base))])
    return folders


def _quota_in(folder: Path) -> float | None:
    """The quota one cgroup folder sets, in CPUs, if it sets one."""
    try:
        if (v2 := folder / "cpu.max").is_file():
            quota, period = v2.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        if (v1 := folder / "cpu.cfs_quota_us").is_file():
            quota_us = int(v1.read_text())
            period_us = int((folder / "cpu.cfs_period_us").read_text())
            return None if quota_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None  # unreadable or malformed: no quota we can trust
    return None
