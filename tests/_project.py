"""Where the tests find the project's files, the stubs' public names, and the package under test."""

import ast
from pathlib import Path

import asyncio_extras

ROOT = Path(__file__).resolve().parent.parent
STUBS = ROOT / "stubs" / "asyncio_extras"
MODULES = sorted(path.stem for path in STUBS.glob("*.pyi") if path.stem != "__init__")
# The folder asyncio_extras is imported from (the source tree, or an installed wheel), for subprocesses.
IMPORTED_FROM = str(Path(asyncio_extras.__file__).parent.parent)


def stub_all(stub: Path) -> tuple[str, ...]:
    """Read ``__all__`` from a stub file, which is never imported."""
    for node in ast.parse(stub.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, tuple)
            return tuple(str(name) for name in value)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    raise AssertionError(f"{stub.name} declares no __all__")
