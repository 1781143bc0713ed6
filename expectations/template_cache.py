"""Data Docs templates compiled once, not once per page and run.

GX renders each Data Docs page with a new DefaultJinjaView, and each view makes its own Jinja environment, which
compiles every template it uses again: about 50 compilations for one run's pages, 0.5 s of a validation that
takes 3-4 s after 10 new reports. `use_directory(path)` gives every view's environment one bytecode cache kept
in `path` (the GX context's uncommitted/ folder), so a run loads the compiled templates of the last one. Jinja
keys the cache by template name and source checksum, and its files by Python's bytecode version, so a changed
template or Python compiles again; the pages rendered are the same.
"""
from __future__ import annotations

from pathlib import Path

from great_expectations.render.view.view import DefaultJinjaView
from jinja2 import BytecodeCache, FileSystemBytecodeCache

_gx_view_init = DefaultJinjaView.__init__
_shared: list[BytecodeCache] = []


def _view_init_with_shared_cache(self, *args, **kwargs) -> None:
    _gx_view_init(self, *args, **kwargs)
    if _shared:
        self.env.bytecode_cache = _shared[0]


def use_directory(directory: Path) -> None:
    """Make every DefaultJinjaView (and subclass) made from now on use the bytecode cache in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    _shared[:] = [FileSystemBytecodeCache(str(directory))]
    DefaultJinjaView.__init__ = _view_init_with_shared_cache
