# pyright: reportDeprecated=false
# (yield_ is deprecated for type-checked code; its runtime behaviour is tested here all the same.)
"""Behaviour of asyncio_extras.contextmanager.

Tests taking the ``decorator`` fixture run against contextlib.asynccontextmanager
as well, so each expected outcome is also checked against the standard library.
"""

import asyncio
import gc
import itertools
import traceback
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Any, ParamSpec, Protocol, TypeVar, cast

import pytest

from asyncio_extras import async_contextmanager, yield_  # type: ignore[deprecated]

_P = ParamSpec("_P")
_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)
_AwaitableFunctionT = TypeVar("_AwaitableFunctionT", bound=Callable[..., Awaitable[Any]])


class ContextManager(Protocol[_T_co]):
    """What both decorators return (typeshed declares contextlib's __aexit__ -> bool | None; it returns bool)."""

    async def __aenter__(self) -> _T_co: ...
    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None, /
    ) -> bool: ...
    def __call__(self, func: _AwaitableFunctionT, /) -> _AwaitableFunctionT: ...


class Decorator(Protocol):
    def __call__(self, func: Callable[_P, AsyncGenerator[_T, None]], /) -> Callable[_P, ContextManager[_T]]: ...


@pytest.fixture(params=[asynccontextmanager, async_contextmanager], ids=["contextlib", "asyncio_extras"])
def decorator(request: pytest.FixtureRequest) -> Decorator:
    return cast(Decorator, request.param)


# --- native async generator functions, side by side with contextlib ---


async def test_value_is_yielded_and_teardown_runs_after_body(decorator: Decorator) -> None:
    events: list[str] = []

    @decorator
    async def resource(name: str, *, size: int) -> AsyncGenerator[str, None]:
        events.append("setup")
        await asyncio.sleep(0)
        yield f"{name}:{size}"
        await asyncio.sleep(0)
        events.append("teardown")

    async with resource("r", size=3) as value:
        events.append(f"body {value}")
    assert events == ["setup", "body r:3", "teardown"]


async def test_setup_error_propagates_from_enter(decorator: Decorator) -> None:
    error = OSError("no connection")

    async def connect() -> None:
        raise error

    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        await connect()
        yield

    with pytest.raises(OSError) as info:
        async with resource():
            pytest.fail("body must not run")
    assert info.value is error


async def test_body_exception_reaches_generator_and_propagates_as_same_object(decorator: Decorator) -> None:
    seen: list[BaseException] = []
    error = ValueError("boom")

    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        try:
            yield
        except ValueError as exc:
            seen.append(exc)
            raise

    with pytest.raises(ValueError) as info:
        async with resource():
            raise error
    assert info.value is error
    assert seen == [error]


async def test_generator_swallowing_exception_suppresses_it(decorator: Decorator) -> None:
    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        try:
            yield
        except KeyError:
            pass

    after = False
    async with resource():
        raise KeyError("ignored")
    after = True
    assert after


# RuntimeError too: only PEP 479's own wrapping of Stop(Async)Iteration is unwrapped.
@pytest.mark.parametrize("replacement", [LookupError, RuntimeError])
async def test_generator_raising_new_exception_replaces_body_exception(
    decorator: Decorator, replacement: type[Exception]
) -> None:
    original = KeyError("original")

    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        try:
            yield
        except KeyError as exc:
            raise replacement("translated") from exc

    with pytest.raises(replacement, match="translated") as info:
        async with resource():
            raise original
    assert info.value.__cause__ is original


@pytest.mark.parametrize("exc_type", [StopIteration, StopAsyncIteration, RuntimeError, GeneratorExit, SystemExit])
async def test_body_exception_the_generator_ignores_is_not_swallowed(
    decorator: Decorator, exc_type: type[BaseException]
) -> None:
    finalised = False

    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        nonlocal finalised
        try:
            yield
        finally:
            finalised = True

    error = exc_type("from the body")
    with pytest.raises(exc_type) as info:
        async with resource():
            raise error
    # PEP 479 wraps a Stop(Async)Iteration leaving the generator in RuntimeError: it is unwrapped.
    assert info.value is error
    assert finalised


class _PassThroughGenerator(AsyncGenerator[None, None]):
    """A hand-written async generator that yields once and lets thrown exceptions through unwrapped."""

    def __init__(self) -> None:
        self.started = False

    async def asend(self, value: None) -> None:
        if self.started:
            raise StopAsyncIteration
        self.started = True

    async def athrow(
        self, typ: BaseException | type[BaseException], val: object = None, tb: TracebackType | None = None
    ) -> None:
        # contextlib before 3.12 calls athrow(type, value, traceback).
        raise val if isinstance(val, BaseException) else typ


async def test_body_stop_async_iteration_passed_back_unwrapped_is_not_swallowed(decorator: Decorator) -> None:
    @decorator
    def resource() -> AsyncGenerator[None, None]:
        return _PassThroughGenerator()

    error = StopAsyncIteration("from the body")
    with pytest.raises(StopAsyncIteration) as info:
        async with resource():
            raise error
    assert info.value is error


async def test_generator_that_does_not_yield_is_an_error(decorator: Decorator) -> None:
    nothing: list[None] = []

    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        for item in nothing:
            yield item

    with pytest.raises(RuntimeError, match="^generator didn't yield$"):
        async with resource():
            pytest.fail("body must not run")


async def test_generator_that_yields_twice_is_an_error_and_gets_closed(decorator: Decorator) -> None:
    closed = False

    @decorator
    async def resource() -> AsyncGenerator[int, None]:
        nonlocal closed
        try:
            yield 1
            yield 2
        finally:
            closed = True

    with pytest.raises(RuntimeError, match="^generator didn't stop$"):
        async with resource():
            pass
    assert closed


async def test_generator_that_yields_again_after_exception_is_an_error_and_gets_closed(
    decorator: Decorator,
) -> None:
    closed = False

    @decorator
    async def resource() -> AsyncGenerator[int, None]:
        nonlocal closed
        try:
            try:
                yield 1
            except ValueError:
                yield 2
        finally:
            closed = True

    with pytest.raises(RuntimeError, match=r"^generator didn't stop after athrow\(\)$") as info:
        async with resource():
            raise ValueError
    assert closed
    assert isinstance(info.value.__context__, ValueError)


async def test_exit_called_with_exception_type_only_throws_an_instance(decorator: Decorator) -> None:
    seen: list[BaseException] = []

    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        try:
            yield
        except ValueError as exc:
            seen.append(exc)

    manager = resource()
    await manager.__aenter__()
    assert await manager.__aexit__(ValueError, None, None) is True
    assert len(seen) == 1
    assert type(seen[0]) is ValueError


async def test_cancelling_the_body_runs_teardown_and_propagates_cancellation(decorator: Decorator) -> None:
    events: list[str] = []
    entered = asyncio.Event()

    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await asyncio.sleep(0)
            events.append("teardown")

    async def worker() -> None:
        async with resource():
            entered.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(worker())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events == ["teardown"]


async def test_traceback_of_body_exception_does_not_grow(decorator: Decorator) -> None:
    @decorator
    async def resource() -> AsyncGenerator[None, None]:
        yield

    async def body() -> None:
        async with resource():
            raise ValueError("body")

    with pytest.raises(ValueError) as info:
        await body()
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert frames == ["test_traceback_of_body_exception_does_not_grow", "body"]


async def test_used_as_decorator_enters_a_fresh_context_per_call(decorator: Decorator) -> None:
    events: list[str] = []

    @decorator
    async def resource(tag: str) -> AsyncGenerator[None, None]:
        events.append(f"enter {tag}")
        yield
        events.append(f"exit {tag}")

    @resource("t")
    async def work(n: int) -> int:
        events.append(f"work {n}")
        return n * 10

    assert await work(1) == 10
    assert await work(2) == 20
    assert events == ["enter t", "work 1", "exit t", "enter t", "work 2", "exit t"]


# --- asyncio_extras only ---


async def test_decorated_function_keeps_name_doc_wrapped_and_attributes() -> None:
    async def resource() -> AsyncGenerator[None, None]:
        """Provide nothing."""
        yield

    resource.marker = "kept"  # type: ignore[attr-defined]  # pyright: ignore[reportFunctionMemberAccess]
    decorated = async_contextmanager(resource)
    assert decorated.__name__ == "resource"
    assert decorated.__qualname__ == resource.__qualname__
    assert decorated.__doc__ == "Provide nothing."
    assert decorated.__wrapped__ is resource  # type: ignore[attr-defined]  # pyright: ignore[reportFunctionMemberAccess]
    assert decorated.marker == "kept"  # type: ignore[attr-defined]  # pyright: ignore[reportFunctionMemberAccess]


async def test_context_manager_is_an_abstract_async_context_manager() -> None:
    @async_contextmanager
    async def resource() -> AsyncGenerator[None, None]:
        yield

    manager = resource()
    assert isinstance(manager, AbstractAsyncContextManager)
    async with manager:
        pass


def test_non_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="^async_contextmanager\\(\\) needs an async generator function, got int$"):
        async_contextmanager(42)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def test_plain_generator_function_is_refused_with_a_pointer_to_contextlib() -> None:
    def resource() -> Any:
        yield

    with pytest.raises(TypeError, match="got the generator function .*resource: use contextlib.contextmanager"):
        async_contextmanager(resource)


def test_function_returning_no_async_iterator_is_refused_at_call() -> None:
    def resource() -> Any:
        return [1]

    factory = async_contextmanager(resource)
    with pytest.raises(TypeError, match=r"but .*resource\(\) returned list$"):
        factory()


# --- coroutine functions using `await yield_(value)` ---


async def test_yield_style_gives_value_and_passes_other_awaits_to_the_loop() -> None:
    events: list[str] = []

    @async_contextmanager
    async def resource(n: int) -> None:
        await asyncio.sleep(0)
        events.append("setup")
        await yield_(n + 1)
        await asyncio.sleep(0.001)
        events.append("teardown")

    async with resource(1) as value:
        events.append(f"body {value}")
    assert events == ["setup", "body 2", "teardown"]


def raise_in_body(exc: BaseException) -> None:
    # Typed as returning: after a bare `raise`, the checkers would take the code after the block as unreachable.
    raise exc


async def test_yield_style_generator_sees_body_exception_and_can_suppress_it() -> None:
    seen: list[BaseException] = []

    @async_contextmanager
    async def resource() -> None:
        try:
            await yield_()
        except KeyError as exc:
            seen.append(exc)

    error = KeyError("handled")
    async with resource():
        raise_in_body(error)
    assert seen == [error]


@pytest.mark.parametrize("exc_type", [ValueError, StopIteration, StopAsyncIteration, GeneratorExit])
async def test_yield_style_body_exception_propagates_as_same_object(exc_type: type[BaseException]) -> None:
    finalised = False

    @async_contextmanager
    async def resource() -> None:
        nonlocal finalised
        try:
            await yield_()
        finally:
            finalised = True

    error = exc_type("from the body")
    with pytest.raises(exc_type) as info:
        async with resource():
            raise error
    assert info.value is error
    assert finalised


async def test_yield_style_coroutine_raising_stop_async_iteration_is_a_runtime_error() -> None:
    # As in an async generator: it would otherwise read as "the generator finished".
    @async_contextmanager
    async def resource() -> None:
        await yield_()
        raise StopAsyncIteration

    with pytest.raises(RuntimeError, match="^async generator raised StopAsyncIteration$"):
        async with resource():
            pass


async def test_yield_style_coroutine_that_does_not_yield_is_an_error() -> None:
    @async_contextmanager
    async def resource() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="^generator didn't yield$"):
        async with resource():
            pytest.fail("body must not run")


async def test_yield_style_coroutine_that_yields_twice_is_an_error_and_gets_closed() -> None:
    closed = False

    @async_contextmanager
    async def resource() -> None:
        nonlocal closed
        try:
            await yield_(1)
            await yield_(2)
        finally:
            await asyncio.sleep(0)
            closed = True

    with pytest.raises(RuntimeError, match="^generator didn't stop$"):
        async with resource():
            pass
    assert closed


async def test_yield_style_coroutine_yielding_while_being_closed_is_reported_like_a_generator() -> None:
    @async_contextmanager
    async def native() -> AsyncGenerator[int, None]:
        try:
            yield 1
            yield 2
        finally:
            yield 3

    @async_contextmanager
    async def legacy() -> None:
        try:
            await yield_(1)
            await yield_(2)
        finally:
            await yield_(3)

    for resource in (native, legacy):
        with pytest.raises(RuntimeError, match="^async generator ignored GeneratorExit$") as info:
            async with resource():
                pass
        assert str(info.value.__context__) == "generator didn't stop"
    gc.collect()


async def test_yield_style_cancellation_while_generator_awaits_reaches_the_coroutine() -> None:
    events: list[str] = []
    started = asyncio.Event()

    @async_contextmanager
    async def resource() -> None:
        try:
            started.set()
            await asyncio.sleep(3600)
            await yield_()
        except asyncio.CancelledError:
            events.append("cancelled in setup")
            raise

    async def worker() -> None:
        async with resource():
            pytest.fail("body must not run")

    task = asyncio.create_task(worker())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events == ["cancelled in setup"]


async def test_yield_style_traceback_of_body_exception_does_not_grow() -> None:
    @async_contextmanager
    async def resource() -> None:
        await yield_()

    async def body() -> None:
        async with resource():
            raise ValueError("body")

    with pytest.raises(ValueError) as info:
        await body()
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert frames == ["test_yield_style_traceback_of_body_exception_does_not_grow", "body"]


async def test_yield_style_used_as_decorator_leaves_no_unawaited_coroutine() -> None:
    # The manager made by resource() only serves as a template; its coroutine
    # never runs, and must not warn "never awaited" (warnings are errors here).
    entered = 0

    @async_contextmanager
    async def resource() -> None:
        nonlocal entered
        entered += 1
        await yield_()

    @resource()
    async def work() -> str:
        return "done"

    assert await work() == "done"
    del work
    gc.collect()
    assert entered == 1


async def test_yield_outside_a_context_manager_function_is_reported_by_the_task() -> None:
    async def misuse() -> None:
        await yield_(1)

    with pytest.raises(RuntimeError, match="yield_\\(\\) awaited outside an @async_contextmanager function"):
        await asyncio.create_task(misuse())


# --- every generator behaviour with every body: the same outcome as contextlib ---

# How the generator behaves before yielding, when the body's exception reaches it, and when resumed.
SETUP = ["yield", "return", "raise"]
ON_EXCEPTION = ["propagate", "swallow", "replace", "replace_from", "runtime_error_from", "yield_again", "await_then_propagate"]
ON_RESUME = ["return", "yield_again", "raise", "await_then_return"]
BODY = [None, ValueError, KeyError, RuntimeError, StopIteration, StopAsyncIteration, GeneratorExit]


def generator_from(setup: str, on_exception: str, on_resume: str, events: list[str]) -> Any:
    async def generator() -> AsyncGenerator[str, None]:
        try:
            events.append("setup")
            if setup == "raise":
                raise OSError("setup failed")
            if setup == "return":
                return
            try:
                yield "value"
            except BaseException as exc:
                events.append(f"caught {type(exc).__name__}")
                if on_exception == "swallow":
                    return
                if on_exception == "replace":
                    raise LookupError("replaced")
                if on_exception == "replace_from":
                    raise LookupError("replaced") from exc
                if on_exception == "runtime_error_from":  # as PEP 479 wraps, but the generator's own
                    raise RuntimeError("replaced") from exc
                if on_exception == "yield_again":
                    yield "again"
                if on_exception == "await_then_propagate":
                    await asyncio.sleep(0)
                raise
            events.append("resumed")
            if on_resume == "yield_again":
                yield "again"
            elif on_resume == "raise":
                raise OSError("teardown failed")
            elif on_resume == "await_then_return":
                await asyncio.sleep(0)
        finally:
            events.append("finalised")  # when this happens shows whether the manager closed the generator

    return generator


async def outcome(decorator: Decorator, setup: str, on_exception: str, on_resume: str, body: Any) -> tuple[Any, ...]:
    events: list[str] = []
    manager = decorator(generator_from(setup, on_exception, on_resume, events))
    error = body("from the body") if body is not None else None
    try:
        async with manager() as value:
            events.append(f"body got {value}")
            if error is not None:
                raise error
        events.append("after the block")
    except BaseException as exc:
        cause = "the body's exception" if exc.__cause__ is error and error is not None else type(exc.__cause__).__name__
        return ("raised", type(exc).__name__, str(exc), exc is error, cause, tuple(events))
    # A copy: an abandoned generator's cleanup may still append, later, when the loop finalizes it.
    return ("returned", tuple(events))


def test_every_generator_and_body_end_as_with_contextlib() -> None:
    # The space is small: all of it, rather than a sample.
    async def compare_all() -> list[str]:
        differences: list[str] = []
        for case in itertools.product(SETUP, ON_EXCEPTION, ON_RESUME, BODY):
            expected = await outcome(cast(Decorator, asynccontextmanager), *case)
            actual = await outcome(cast(Decorator, async_contextmanager), *case)
            if actual != expected:
                differences.append(f"{case}: contextlib {expected}, asyncio_extras {actual}")
        return differences

    assert asyncio.run(compare_all()) == []
