"""Documents and messages are made in forked worker processes: the same results in the
same order as in one process, no worker left behind by a killed run, and a worker that
dies costs nothing."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import TODAY
from helpers import cli

from intervisie import parallel

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def forked(monkeypatch):
    """Workers even for a handful of items."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setenv(parallel.ENV, "2")


def test_results_come_in_order_from_the_workers(forked):
    parent = os.getpid()
    items = list(range(200))
    out = list(parallel.ordered_map(lambda i: (i * i, os.getpid()), items, chunksize=3))
    assert [square for square, _pid in out] == [i * i for i in items]
    pids = {pid for _square, pid in out}
    assert parent not in pids and 1 <= len(pids) <= 2


def test_one_process_or_little_work_stays_in_the_parent(monkeypatch):
    parent = os.getpid()
    monkeypatch.setenv(parallel.ENV, "1")
    assert {pid for pid in parallel.ordered_map(lambda _i: os.getpid(), range(500))} == {parent}
    monkeypatch.setenv(parallel.ENV, "2")
    few = range(parallel.MIN_ITEMS - 1)
    assert {pid for pid in parallel.ordered_map(lambda _i: os.getpid(), few)} == {parent}
    assert parallel.processes(parallel.MIN_ITEMS) == 2


def test_a_worker_that_dies_costs_nothing(forked):
    parent = os.getpid()

    def square(i: int) -> int:
        if i == 37 and os.getpid() != parent:
            os._exit(9)  # as the kernel's out-of-memory killer would end it
        return i * i

    assert list(parallel.ordered_map(square, list(range(100)), chunksize=4)) == [i * i for i in range(100)]


@pytest.mark.parametrize("where", ["pool", "fork"])
def test_workers_that_cannot_start_leave_the_work_to_the_parent(forked, monkeypatch, where):
    """No semaphores for a pool, or no memory to fork a worker: the parent makes it all,
    and the next map may use workers again."""
    import errno
    from concurrent.futures import ProcessPoolExecutor

    class Failing(ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            if where == "pool":
                raise OSError(errno.ENOSYS, "no sem_open")
            super().__init__(*args, **kwargs)

        def submit(self, *args, **kwargs):
            raise OSError(errno.ENOMEM, "Cannot allocate memory")

    parent = os.getpid()
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Failing)
    assert list(parallel.ordered_map(lambda i: (i, os.getpid()), list(range(30)))) == [(i, parent) for i in range(30)]
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", ProcessPoolExecutor)
    assert parent not in {pid for pid in parallel.ordered_map(lambda _i: os.getpid(), list(range(30)))}


def test_the_workers_stay_a_few_chunks_ahead_of_the_caller(forked):
    """A slow consumer (a mail server) does not get every result made and held at once."""
    made = []
    results = parallel.ordered_map(lambda i: (i, time.monotonic()), list(range(400)), chunksize=4)
    first = next(results)
    time.sleep(0.5)
    made = [t for _i, t in results]
    late = [t for t in made if t > first[1] + 0.4]
    assert len(late) > 300  # most were made after the caller came back for them


def test_the_workers_are_capped_and_a_container_quota_counts(monkeypatch):
    monkeypatch.delenv(parallel.ENV, raising=False)
    monkeypatch.setattr(parallel, "_cores", lambda: 64)
    assert parallel.processes(1000) == parallel.MAX_PROCESSES
    monkeypatch.setattr(parallel, "_cores", lambda: 1)
    assert parallel.processes(1000) == 0
    # the operator's setting wins; one that is no number is not one
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    for setting, workers in (("1", 0), ("0", 0), ("3", 3), ("twee", 2), (" 2 ", 2)):
        monkeypatch.setenv(parallel.ENV, setting)
        assert parallel.processes(1000) == workers, setting


def test_an_error_in_the_work_reaches_the_parent_as_itself(forked):
    from intervisie.errors import TemplateError

    def render(i: int) -> int:
        if i == 5:
            raise TemplateError("fout in het sjabloon")
        return i

    with pytest.raises(TemplateError, match="fout in het sjabloon"):
        list(parallel.ordered_map(render, list(range(20))))


def test_a_killed_run_leaves_no_worker_behind(tmp_path):
    """The parent is killed (SIGKILL, as a cron timeout or the kill trials do) while its
    workers are busy: they end with it instead of living on."""
    pids = tmp_path / "pids"
    pids.mkdir()
    script = textwrap.dedent(
        f"""
        import os, time
        from intervisie import parallel
        parallel.MIN_ITEMS = 1
        def work(i):
            open(os.path.join({str(pids)!r}, str(os.getpid())), "w").close()
            time.sleep(60)
            return i
        list(parallel.ordered_map(work, list(range(4)), chunksize=1))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), parallel.ENV: "2"}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 30
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers)
    finally:
        if proc.poll() is None:
            proc.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def _run_demo(folder: Path) -> None:
    (folder / "intervisie.toml").write_text(
        '[workbook]\npath = "intervisie.xlsx"\n[output]\ndir = "output"\nstate_dir = "state"\n'
        '[mail]\nsender = "Intervisie <intervisie@example.org>"\noutbox = "outbox"\n',
        encoding="utf-8",
    )
    result = cli("run", "--config", str(folder / "intervisie.toml"), "--today", TODAY.isoformat())
    assert result.exit_code in (0, 1), result.output


def _without_clock(path: Path) -> object:
    """A document's bytes; a message's headers and decoded parts without what the wall
    clock puts in (its Date, the calendar's DTSTAMP)."""
    if path.suffix != ".eml":
        return path.read_bytes()
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return [
        (
            [(k, v) for k, v in part.items() if k != "Date"],
            b"\n".join(
                line for line in (part.get_payload(decode=True) or b"").splitlines() if not line.startswith(b"DTSTAMP")
            ),
        )
        for part in msg.walk()
    ]


def test_a_run_with_workers_makes_what_one_process_makes(demo_template: Path, tmp_path: Path, monkeypatch):
    """The demo's week, once in one process and once with every document and message
    made by the workers: the same documents byte for byte, the same messages header for
    header and part for part (but for the wall clock's Date and DTSTAMP, and the
    coordinator's summary, which names the folder)."""
    import shutil

    made = {}
    for mode in ("1", "2"):
        folder = tmp_path / f"processes-{mode}"
        folder.mkdir()
        shutil.copy(demo_template, folder / "intervisie.xlsx")
        monkeypatch.setenv(parallel.ENV, mode)
        monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
        _run_demo(folder)
        made[mode] = {
            p.relative_to(folder).as_posix(): _without_clock(p)
            for sub in ("output", "outbox")
            for p in sorted((folder / sub).rglob("*"))
            if p.is_file() and not p.name.startswith("samenvatting.")
        }
    assert made["1"] == made["2"]
    assert sum(name.endswith(".docx") for name in made["1"]) >= 3
    assert sum(name.endswith(".eml") for name in made["1"]) >= 7
