"""The bench's memory figure: the resident sets of the pipeline process and its children at once,
sampled by a process of its own."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

from orchestration.bench import TreeMemory

HOLD_MB = 200
CHILD = f"""
import sys, time
block = bytearray({HOLD_MB} * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1  # touch every page, so it is resident
print("ready", flush=True)
time.sleep(0.6)
"""


def test_a_child_holding_memory_adds_to_the_peak():
    with TreeMemory(interval=0.02) as memory:
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        child.wait()

    assert memory.children_peak_kb / 1024 >= HOLD_MB
    own = memory.peak_kb / 1024 - memory.children_peak_kb / 1024
    assert own > 10  # this process was counted as well
    assert memory.peak_mb() >= HOLD_MB + 10
    assert memory.error is None and memory.timeline
    assert not any("tree_memory.py" in command for _, command, _ in memory.peak_parts[1])  # not the sampler


def test_a_child_is_not_charged_with_its_parents_memory():
    """`getrusage(RUSAGE_CHILDREN)` would report the parent's resident set for a child forked from a
    large parent; the sampled peak of a small child is its own."""
    ballast = bytearray(300 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    with TreeMemory(interval=0.02) as memory:
        subprocess.run([sys.executable, "-c", "import time; time.sleep(0.4)"], check=True)

    assert memory.children_peak_kb / 1024 < 150
    assert memory.peak_mb() >= 300
    del ballast


def test_a_fork_that_has_not_run_a_program_yet_is_not_counted_twice():
    ballast = bytearray(300 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    with TreeMemory(interval=0.02) as memory:
        child = os.fork()
        if child == 0:  # the pages are the parent's until written: nothing of its own to add
            time.sleep(0.3)
            os._exit(0)
        os.waitpid(child, 0)

    own_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert memory.peak_kb / 1024 < own_peak_mb + 100
    del ballast
