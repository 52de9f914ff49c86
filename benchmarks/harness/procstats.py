"""CPU time and memory of a process and its children, from /proc (Linux)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class ProcessSample:
    cpu_seconds: float  # user + system over the process, its threads and its child processes
    peak_rss_mb: float  # the largest high-water mark of resident memory (VmHWM) of any of them
    total_peak_rss_mb: float  # the high-water marks added up (a bound on the total)
    processes: int
    rss_mb: float  # resident memory now, added up over the processes


def sample(pid: int) -> ProcessSample:
    root = psutil.Process(pid)
    processes = [root, *root.children(recursive=True)]
    cpu, rss = 0.0, 0.0
    peaks = []
    for process in processes:
        try:
            times = process.cpu_times()
            resident = process.memory_info().rss / 2**20
            peaks.append(peak_rss_mb(process.pid))
        except (psutil.NoSuchProcess, FileNotFoundError):
            continue
        cpu += times.user + times.system
        rss += resident
    return ProcessSample(cpu, max(peaks), sum(peaks), len(peaks), rss)


def peak_rss_mb(pid: int) -> float:
    with Path(f"/proc/{pid}/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise FileNotFoundError(f"no VmHWM for process {pid}")


def smaps_rollup(pid: int) -> dict[str, int]:
    """The memory of a process in kB, by the fields of ``/proc/PID/smaps_rollup``: resident
    (Rss), proportional (Pss: each page shared with other processes counted as its share, so
    the PSS of processes add up to what they hold together; their RSS add up to more),
    Shared_Dirty (written pages it shares, as a forked process shares its parent's), ..."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        fields[key] = int(rest.split()[0])
    return fields
