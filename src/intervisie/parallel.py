"""Pure work spread over the machine's cores: the documents a run renders and the
messages it composes. Worker processes are forked, so they inherit the run's records,
templates and caches as they are: only an index goes to a worker and only its result
(bytes, a small record) comes back.

The parent keeps every side effect (files, the journal, the transport) and takes the
results in order, so a run does the same things in the same order as with one core.
A worker cannot outlive the run (it dies with its parent, even a killed one). A worker
that dies (the machine ran out of memory) costs nothing: the parent makes the rest
itself. Not on Linux, with one core, or with little work, it all happens in
the parent. `INTERVISIE_PROCESSES=1` in the environment turns the workers off; another
number sets how many there are.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: below this many items the work stays in the parent (starting workers costs more)
MIN_ITEMS = 48
#: at most this many workers: each keeps caches of its own, and the parent is busy
#: enough writing what two or three of them make
MAX_PROCESSES = 4
ENV = "INTERVISIE_PROCESSES"

# what the forked workers compute: (function, items); set only while a pool runs
_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def processes(n_items: int) -> int:
    """How many worker processes `n_items` pieces of work get (0: none)."""
    wanted = os.environ.get(ENV, "").strip()
    if wanted.isdigit():
        count = int(wanted)
    else:
        count = min(_cores(), MAX_PROCESSES)
    if count < 2 or n_items < MIN_ITEMS or not sys.platform.startswith("linux"):
        return 0  # fork is safe (and a worker can be tied to its parent's life) on Linux
    return min(count, n_items)


def _cores() -> int:
    """The cores this process may use: its CPU affinity, and a container's CPU quota
    (cgroup v2 `cpu.max`) where one is set."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        count = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return count


def ordered_map(fn: Callable[[T], R], items: Sequence[T], chunksize: int = 8) -> Generator[R, None, None]:
    """`fn(item)` for every item, yielded in order; computed in forked workers when that
    pays. `fn` must be pure: what it changes in a worker stays in that worker."""
    workers = processes(len(items))
    if not workers:
        return (fn(item) for item in items)
    return _forked(fn, items, workers, chunksize)


def _forked(fn: Callable[[T], R], items: Sequence[T], workers: int, chunksize: int) -> Generator[R, None, None]:
    """The workers get chunks of `chunksize` items, a few chunks ahead of what the caller
    has taken (so a slow consumer, a mail server, does not hold every result in memory).
    Whatever stops the workers (a worker killed, no memory to fork one, no semaphores
    for a pool) leaves the rest to the parent."""
    global _WORK
    if _WORK is not None:  # already in a worker, or a pool inside a pool: no deeper
        yield from (fn(item) for item in items)
        return
    done = 0
    pool: ProcessPoolExecutor | None = None
    try:
        _WORK = (fn, items)
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start, initargs=(os.getpid(),)
        )
        ahead: deque[Future[list[Any]]] = deque()
        starts = iter(range(0, len(items), chunksize))
        for start in itertools.islice(starts, workers * 3):
            ahead.append(pool.submit(_call, start, start + chunksize))
        while ahead:
            chunk = ahead.popleft().result()
            nxt = next(starts, None)
            if nxt is not None:
                ahead.append(pool.submit(_call, nxt, nxt + chunksize))
            for result in chunk:
                yield result
                done += 1
    except (BrokenProcessPool, OSError, NotImplementedError, ImportError):
        pass  # the workers could not go on (or not start): the parent makes the rest
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        _WORK = None
    for item in items[done:]:
        yield fn(item)


def _call(start: int, end: int) -> list[Any]:
    assert _WORK is not None, "ordered_map's worker runs without work"
    fn, items = _WORK
    return [fn(item) for item in items[start:end]]


def _worker_start(parent: int) -> None:
    """In each worker: die with the parent (Linux's PR_SET_PDEATHSIG, so a killed run
    leaves no worker behind), and leave Ctrl+C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
