"""The data shipped inside the package (method library, Word and email templates),
found with importlib.resources so that every kind of install finds them: an editable
checkout, a wheel, pipx. The copies in the repository's top-level `config/` and
`templates/` are the user-editable ones a config may point to; a test keeps them equal."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_path(*parts: str) -> Path:
    """A file or folder under `intervisie/data/` as a filesystem path."""
    return Path(str(resources.files("intervisie").joinpath("data", *parts)))
