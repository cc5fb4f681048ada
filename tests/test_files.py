"""atomic_write: the one way the tool replaces a file a person may have open."""

from __future__ import annotations

import os

import pytest

from intervisie.files import atomic_write


def test_replaces_content_keeps_mode_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "a.docx"
    atomic_write(target, b"one")
    os.chmod(target, 0o640)
    atomic_write(target, lambda p: p.write_bytes(b"two"))
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["a.docx"]


def test_a_failing_writer_leaves_the_old_file(tmp_path):
    target = tmp_path / "w.xlsx"
    target.write_bytes(b"old")

    def boom(path):
        path.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(target, boom)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["w.xlsx"]
