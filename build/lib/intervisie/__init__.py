"""intervisie: plans intervisie meetings and does their paperwork from one shared workbook."""

from importlib import metadata

try:
    __version__ = metadata.version("intervisie")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"
