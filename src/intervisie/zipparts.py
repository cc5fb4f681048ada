"""Writing zip packages (.docx, .xlsx) member by member: a member is either built from
its uncompressed bytes or copied from an existing zip *as stored* (compressed bytes,
CRC and sizes untouched), so an unchanged part costs a copy, not a recompression."""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6


def _encoded(name: str) -> tuple[bytes, int]:
    """A member name as stored, with the UTF-8 flag when it is not plain ASCII."""
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800


@dataclass(frozen=True)
class ZipMember:
    name: bytes
    flags: int
    method: int
    crc: int
    csize: int
    usize: int
    payload: bytes

    @classmethod
    def build(cls, name: str, data: bytes, level: int = COMPRESS_LEVEL) -> ZipMember:
        raw_name, flags = _encoded(name)
        comp = zlib.compressobj(level, zlib.DEFLATED, -15)
        payload = comp.compress(data) + comp.flush()
        method = zipfile.ZIP_DEFLATED
        if len(payload) >= len(data):  # incompressible (images): store
            payload, method = data, zipfile.ZIP_STORED
        return cls(raw_name, flags, method, zlib.crc32(data), len(payload), len(data), payload)

    @classmethod
    def copy(cls, fh: BinaryIO, info: zipfile.ZipInfo) -> ZipMember:
        """The member as stored in the open zip file `fh` (no decompression)."""
        fh.seek(info.header_offset)
        local = fh.read(30)
        if local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename}")
        n, e = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + n + e)
        payload = fh.read(info.compress_size)
        raw_name, flags = _encoded(info.filename)
        flags |= info.flag_bits & 0x6  # the deflate option bits; no data descriptor
        return cls(raw_name, flags, info.compress_type, info.CRC, info.compress_size, info.file_size, payload)


_DOS_TIME = 0
_DOS_DATE = ((ZIP_DATE_TIME[0] - 1980) << 9) | (ZIP_DATE_TIME[1] << 5) | ZIP_DATE_TIME[2]


def assemble_zip(members: Iterable[ZipMember]) -> bytes:
    """A plain (non-zip64) zip; every member carries the same fixed timestamp."""
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    count = 0
    for m in members:
        local = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            m.flags,
            m.method,
            _DOS_TIME,
            _DOS_DATE,
            m.crc,
            m.csize,
            m.usize,
            len(m.name),
            0,
        )
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                m.flags,
                m.method,
                _DOS_TIME,
                _DOS_DATE,
                m.crc,
                m.csize,
                m.usize,
                len(m.name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + m.name
        )
        chunks += (local, m.name, m.payload)
        offset += len(local) + len(m.name) + m.csize
        count += 1
    cd = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(cd), offset, 0)
    return b"".join(chunks) + cd + end
