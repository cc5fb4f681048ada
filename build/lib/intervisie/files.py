"""Atomic file replacement, the one way the tool writes a file a person may open:
the new content goes to a temporary file in the same folder (created if needed) and is
renamed over the target, so a reader never sees half a file and a failed write leaves
the old one as it was."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(target: str | os.PathLike[str], content: bytes | Callable[[Path], None]) -> Path:
    """Replace `target` with `content`: bytes, or a function that writes a given path
    (such as openpyxl's `Workbook.save`). Keeps the old file's permissions."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=f"{target.suffix}.tmp", dir=target.parent)
    tmp = Path(name)
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
        else:
            os.close(fd)
            content(tmp)
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
