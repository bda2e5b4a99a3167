"""After a suite, the memory its frame held goes back to the system (orchestration/validate/checks.py)."""

from __future__ import annotations

import gc

from orchestration.validate.gx import release_memory


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) / 1024


def test_memory_held_in_reference_cycles_goes_back_to_the_system():
    gc.disable()  # as between two automatic collections: the cycles below are still held
    try:
        before = _rss_mb()
        held = []
        for _ in range(200):
            node: list = [b"\x01" * (1 << 20)]  # 1 MiB each, written (counted as resident), 200 MiB in all
            node.append(node)  # a reference cycle, as a validated frame sits in
            held.append(node)
        del node
        held.clear()
        assert _rss_mb() - before > 150  # dropped, yet held until the collector runs
        release_memory()
        assert _rss_mb() - before < 50
    finally:
        gc.enable()
