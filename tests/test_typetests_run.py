"""The typetests run, and each type they assert is checked against the value the package really returns.

mypy and pyright hold the stubs to the types the typetests assert; this holds
those types to the runtime, so that a stub cannot claim what the code does not
do. Each ``test_*`` function of a typetests file runs against the package
under test, with ``typing.assert_type`` replaced by typeguard's ``check_type``;
the expected errors sit under ``if TYPE_CHECKING:``, for the checkers only, and
never run.
"""

import ast
import importlib.util
import inspect
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import NamedTuple, TypeVar

import pytest
from typeguard import CollectionCheckStrategy, check_type

from _project import ROOT

_T = TypeVar("_T")


class Scenario(NamedTuple):
    path: Path
    name: str
    # Where the scenario's assert_type calls are, as (first line, last line), those checker-only excluded.
    assertions: frozenset[tuple[int, int]]


def _is_type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _assertions(node: ast.AST) -> Iterator[tuple[int, int]]:
    """The assert_type calls within ``node`` that run: not under ``if TYPE_CHECKING:``."""
    if _is_type_checking_block(node):
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "assert_type":
        yield node.lineno, node.end_lineno or node.lineno
    for child in ast.iter_child_nodes(node):
        yield from _assertions(child)


def _read(path: Path) -> tuple[list[Scenario], list[tuple[int, int]]]:
    """A typetests file's scenarios, and the assert_type calls that run outside any of them."""
    scenarios: list[Scenario] = []
    outside: list[tuple[int, int]] = []
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
            scenarios.append(Scenario(path, node.name, frozenset(_assertions(node))))
        else:
            outside.extend(_assertions(node))
    return scenarios, outside


TYPETESTS = sorted((ROOT / "typetests").glob("*.py"))
SCENARIOS = [scenario for path in TYPETESTS for scenario in _read(path)[0]]


def test_every_typetests_file_runs_all_its_assertions() -> None:
    assert {path.stem for path in TYPETESTS} >= {"contextmanager", "file", "file_api", "threads"}
    for path in TYPETESTS:
        scenarios, outside = _read(path)
        assert scenarios, f"{path.name} has no test_* function to run"
        assert not outside, f"{path.name}: assert_type calls at lines {outside} are in no test_* function"


def _load(path: Path, checked: list[int], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import a typetests file with an assert_type that checks the value it is given."""

    def checking_assert_type(value: _T, expected: object, /) -> _T:
        check_type(value, expected, collection_check_strategy=CollectionCheckStrategy.ALL_ITEMS)
        caller = inspect.currentframe()
        assert caller is not None and caller.f_back is not None
        checked.append(caller.f_back.f_lineno)
        return value

    name = f"_typetests_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    with monkeypatch.context() as patched:
        # The file's `from typing import assert_type` binds the checking one.
        patched.setattr(typing, "assert_type", checking_assert_type)
        spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.path.stem}:{s.name}" for s in SCENARIOS])
async def test_typetest_runs_and_every_asserted_type_holds_at_run_time(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # the file typetests work on files in the current folder
    checked: list[int] = []
    module = _load(scenario.path, checked, monkeypatch)
    function: Callable[[], object] = getattr(module, scenario.name)
    if inspect.iscoroutinefunction(function):
        await function()
    else:
        function()
    unchecked = {span for span in scenario.assertions if not any(span[0] <= line <= span[1] for line in checked)}
    assert not unchecked, f"assert_type calls at lines {sorted(unchecked)} did not run"
