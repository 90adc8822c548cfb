"""A griffe extension: the API pages show the types the stubs declare, never the runtime's.

Griffe merges each ``.pyi`` into its ``.py``; it takes the stub's annotations
for plain functions, but keeps the runtime's for the implementation of an
overloaded one, unless the runtime left them out. So the runtime annotations
are dropped before the merge, and every type on the page comes from a stub.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import griffe


def in_runtime_module(obj: griffe.Object) -> bool:
    return isinstance(obj.filepath, Path) and obj.filepath.suffix == ".py"


class StubTypesOnly(griffe.Extension):
    def on_function_instance(self, *, func: griffe.Function, **kwargs: Any) -> None:
        if in_runtime_module(func):
            for parameter in func.parameters:
                parameter.annotation = None
            func.returns = None

    def on_attribute_instance(self, *, attr: griffe.Attribute, **kwargs: Any) -> None:
        if in_runtime_module(attr):
            attr.annotation = None
