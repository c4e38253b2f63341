"""Where the project lives: the root folder and paths relative to it (no heavy imports,
so voila page kernels can use it)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "resolve"]


def project_root() -> Path:
    """The project's root: ``$CXLAB_HOME``, else the nearest folder upward holding ``params/``
    and ``notebooks/``, else the folder above the installed package, else the working directory."""
    env = os.environ.get("CXLAB_HOME")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir() and (folder / "notebooks").is_dir():
            return folder
    package_parent = Path(__file__).resolve().parents[1]
    if (package_parent / "params").is_dir():
        return package_parent
    return here


def resolve(path: str | Path, root: Path | None = None) -> Path:
    """An absolute path; relative ones are taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (root or project_root()) / p
