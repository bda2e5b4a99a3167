"""The resident memory of a process and its descendants together, sampled from /proc by a process
of its own (`pcf bench`'s memory figure).

Run as a script (`python -I tree_memory.py ROOT_PID INTERVAL`), with the standard library only:
it prints `ready`, samples every INTERVAL seconds until a line arrives on its standard input or
the input closes, then prints one JSON object with what it saw and exits. It samples from a
process of its own so as not to take the measured process's interpreter lock (a sampling thread
there read every process in /proc twenty times a second, about 2 ms each, while dbt's threads
wait for that lock), and it reads the whole tree only every fifth sample: about 1.5 % of a core
against 5 % for the thread it replaces.

`getrusage` cannot give this figure: RUSAGE_CHILDREN reports the largest child's peak, and Linux
counts a child's peak from before its `exec` (the parent's whole resident set at the moment of
the fork), so adding it to the parent's peak counts the pipeline twice. Here the resident sets of
the whole tree are added at each sample and the largest sum kept; each descendant's own peak after
its `exec` (`VmHWM`) is kept too. A descendant caught between its fork and its `exec` (the same
command line as the root) shares the root's pages and is not added; the sampler leaves itself out.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time


def processes() -> dict[int, int]:
    """Every running process: pid → parent pid, from /proc/*/stat."""
    found: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            found[int(entry.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    return found


def descendants(root: int) -> list[int]:
    """Running descendants of `root`."""
    parents = processes()
    found, frontier = [], {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found.extend(frontier)
    return found


def status_kb(pid: int, *fields: str) -> dict[str, int]:
    """`VmRSS`, `VmHWM`… of one process from /proc/PID/status, in kB (empty once it has exited)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return out
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in fields:
            out[name] = int(value.split()[0])
    return out


def command(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read()
    except OSError:
        return None


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def resident_kb(pid: int) -> int:
    """The resident set of one process in kB, from /proc/PID/statm (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def sample(root: int, interval: float, stop, rescan_every: int = 5) -> dict:
    """Sample the tree under `root` every `interval` seconds until `stop(interval)` is true (it
    waits up to that long). Returns the largest sum (kB), the largest own peak of a descendant
    (kB), what made up the largest sum, and the tree about once a second.

    Each sample reads the resident set of the root and of the descendants last found; the tree
    itself (a read of every process in /proc) and each descendant's own peak are read every
    `rescan_every` samples and at the end. A sample costs the machine little: the night it
    measures has both cores busy."""
    me = os.getpid()
    own_command = command(root)
    peak_kb = children_peak_kb = 0
    peak_parts: tuple[int, list] = (0, [])
    timeline: list[tuple[float, int, int]] = []  # (seconds, root kB, descendants kB)
    tree: dict[int, str] = {}  # descendant pid → its command line
    started = time.perf_counter()
    samples = 0
    while True:
        stopping = samples > 0 and stop(interval)
        if samples % rescan_every == 0 or stopping:
            tree = {}
            for pid in descendants(root):
                line = command(pid)
                if pid == me or line is None or line == own_command:
                    continue  # itself; gone; or forked, not yet exec'd: its pages are the root's, shared
                tree[pid] = line.replace(b"\0", b" ").decode(errors="replace")[:100]
                children_peak_kb = max(children_peak_kb, status_kb(pid, "VmHWM").get("VmHWM", 0))
        samples += 1
        own = resident_kb(root)
        counted = [(pid, line, resident_kb(pid)) for pid, line in tree.items()]
        children = sum(kb for _, _, kb in counted)
        if own + children > peak_kb:
            peak_kb = own + children
            peak_parts = (own, counted)
        seconds = time.perf_counter() - started
        if not timeline or seconds - timeline[-1][0] >= 1.0:
            timeline.append((round(seconds, 1), own, children))
        if stopping:
            return {
                "peak_kb": peak_kb, "children_peak_kb": children_peak_kb, "peak_parts": peak_parts, "timeline": timeline
            }


def main(argv: list[str]) -> int:
    root, interval = int(argv[1]), float(argv[2])

    def asked_to_stop(wait: float) -> bool:
        readable, _, _ = select.select([sys.stdin], [], [], wait)
        return bool(readable)  # a line, or the input closed

    print("ready", flush=True)
    print(json.dumps(sample(root, interval, asked_to_stop)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
