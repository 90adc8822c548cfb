"""The public names: runtime modules, their stubs and the package root agree."""

import importlib
import importlib.metadata
from pathlib import Path

import pytest

import asyncio_extras
from _project import MODULES, STUBS, stub_all


def test_every_runtime_module_has_a_stub_and_every_stub_a_module() -> None:
    # Private modules (_workers) hold shared helpers and need no stub.
    runtime = sorted(
        path.stem for path in Path(asyncio_extras.__file__).parent.glob("*.py") if not path.stem.startswith("_")
    )
    assert MODULES == runtime
    assert MODULES, "no stubs found"


@pytest.mark.parametrize("name", MODULES)
def test_module_all_matches_its_stub_and_names_defined_objects(name: str) -> None:
    module = importlib.import_module(f"asyncio_extras.{name}")
    assert module.__all__ == stub_all(STUBS / f"{name}.pyi")
    for public in module.__all__:
        assert getattr(module, public).__module__ == module.__name__


def test_package_root_exports_every_public_name_of_every_module() -> None:
    expected: list[str] = []
    for name in MODULES:
        module = importlib.import_module(f"asyncio_extras.{name}")
        expected += module.__all__
        for public in module.__all__:
            assert getattr(asyncio_extras, public) is getattr(module, public)
    assert sorted(asyncio_extras.__all__) == sorted(expected)
    assert asyncio_extras.__all__ == stub_all(STUBS / "__init__.pyi")


def test_version_is_the_installed_distributions() -> None:
    try:
        installed = importlib.metadata.version("asyncio_extras")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("imported from the source tree: no distribution to compare with")
    assert asyncio_extras.__version__ == installed
