"""README's layout section matches the tree: every package and top-level module of
``asc_pipelines`` (and every domain of ``defs/``) is named there, and every path it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "asc_pipelines"


def _layout_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Layout")
    end = readme.find("\n## ", start)
    return readme[start : end if end != -1 else None]


def _named_paths(section: str) -> set[str]:
    return {
        name
        for name in re.findall(r"`([\w./]+)`", section)
        if name.endswith(("/", ".py", ".yaml")) and name != "asc.yaml"  # the user's settings file
    }


def _exists(name: str) -> bool:
    """A named path exists in the package (or the repository), at any depth."""
    target = name.rstrip("/")
    if (ROOT / target).exists() or (PACKAGE / target).exists():
        return True
    return any(PACKAGE.rglob(target))


def test_every_path_the_layout_names_exists() -> None:
    missing = sorted(name for name in _named_paths(_layout_section()) if not _exists(name))
    assert missing == []


def test_every_package_and_top_level_module_is_in_the_layout() -> None:
    named = {name.rstrip("/").split("/")[-1] for name in _named_paths(_layout_section())}
    parts = [
        path
        for path in [*PACKAGE.iterdir(), *(PACKAGE / "defs").iterdir()]
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.parent == PACKAGE and path.suffix == ".py" and path.name != "__init__.py")
    ]
    unnamed = sorted(
        str(path.relative_to(PACKAGE))
        for path in parts
        if (path.stem if path.suffix else path.name) not in {n.removesuffix(".py") for n in named}
    )
    assert unnamed == []
