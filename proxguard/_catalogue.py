"""Where `proxguard.rules` comes from: the wheel's proxguard/rules/, or this checkout's rules/."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path


class _CheckoutCatalogue(importlib.abc.MetaPathFinder):
    """Maps `proxguard.rules` to the `rules/` directory beside this package.

    The catalogue lives at the top of the repository but ships inside the wheel as
    proxguard/rules/. Without this finder a checkout that is not installed could not import
    its rules, and one installed in editable mode elsewhere would silently import *that*
    checkout's rules. In a wheel (proxguard/rules/ exists) the finder is not installed.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def find_spec(self, name: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name != "proxguard.rules":
            return None
        return importlib.util.spec_from_file_location(
            name, self.directory / "__init__.py",
            submodule_search_locations=[str(self.directory)])


def _install_catalogue_finder() -> None:
    here = Path(__file__).resolve().parent
    beside = here.parent / "rules"
    if (here / "rules" / "__init__.py").is_file() or not (beside / "__init__.py").is_file():
        return
    if not any(isinstance(f, _CheckoutCatalogue) for f in sys.meta_path):
        sys.meta_path.insert(0, _CheckoutCatalogue(beside))


_install_catalogue_finder()

