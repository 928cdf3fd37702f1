#!/usr/bin/env python3
"""Run one command on one CPU and report its wall time and peak RSS as one JSON line.

Why a wrapper process: ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the largest RSS among *all*
children a process has waited for, so a harness that runs several tools would report the
biggest one for every later tool. A fresh wrapper per command has exactly one child, so the
figure is that command's own. Pinning to one CPU (and ``OMP_NUM_THREADS=1``, which Arrow's
thread pool honours) makes "single core" true for libraries that would otherwise spread out.

Usage::

    python benchmarks/measure.py [--cpu N] [--stdout FILE] [--stderr FILE] -- COMMAND ARG…

Prints ``{"seconds": …, "max_rss_kib": …, "returncode": …}``; the command's stdout goes to
FILE (default: discarded), its stderr to ``--stderr`` (default: ours).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time one command on one CPU")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: last)")
    parser.add_argument("--stdout", default=os.devnull, help="file for the command's stdout")
    parser.add_argument("--stderr", default=None, help="file for the command's stderr")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    if hasattr(os, "sched_setaffinity"):
        cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with (
        open(args.stdout, "wb") as out,
        open(args.stderr, "wb") if args.stderr else open(os.devnull, "rb") as err,
    ):
        clock = time.perf_counter()
        completed = subprocess.run(
            command, stdout=out, stderr=err if args.stderr else None, env=env, check=False
        )
        seconds = time.perf_counter() - clock
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {"seconds": seconds, "max_rss_kib": usage.ru_maxrss, "returncode": completed.returncode}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
