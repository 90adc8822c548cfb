"""The read-ahead's states and invariants (asyncio_extras._readahead), driven directly as the wrapper drives it."""

import importlib
import io
import os
from collections.abc import Callable, Iterator
from functools import partial
from operator import length_hint
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asyncio_extras import open_async

# A private module, which the stubs (what users see, and so the tests' type checks) do not declare.
readahead_module: Any = importlib.import_module("asyncio_extras._readahead")
Chunks, Held, Lines, ReadAhead = readahead_module.Chunks, readahead_module.Held, readahead_module.Lines, readahead_module.ReadAhead


class FailingAt(io.BytesIO):
    """A binary file whose ``readline()`` or ``read()`` raises ``error`` from its ``fail_at``-th call on."""

    def __init__(self, data: bytes, fail_at: int, error: Exception) -> None:
        super().__init__(data)
        self.calls, self.fail_at, self.error = 0, fail_at, error

    def _count(self) -> None:
        self.calls += 1
        if self.calls >= self.fail_at:
            raise self.error

    def readline(self, size: int | None = -1, /) -> bytes:
        self._count()
        return super().readline(size)

    def read(self, size: int | None = -1, /) -> bytes:
        self._count()
        return super().read(size)


def serve(ahead: Any, count: int) -> list[Any]:
    """Serve ``count`` pieces, as the wrapper's iterators do."""
    pieces: list[Any] = [next(ahead.unserved) for _ in range(count)]
    return [bytes(piece) if isinstance(piece, memoryview) else piece for piece in pieces]  # pyright: ignore[reportUnknownArgumentType]  # a view of bytes


@pytest.fixture
def lines_file(tmp_path: Path) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"line {n}\n" for n in range(50)))
    return path


@pytest.mark.parametrize("mode", ["r", "rb"])
def test_a_block_read_by_the_worker_is_given_back_to_where_the_plain_file_is(lines_file: Path, mode: str) -> None:
    with open(lines_file, mode) as file, open(lines_file, mode) as plain:
        ahead = ReadAhead(file)
        kind = Lines(binary="b" in mode)
        assert ahead.refill(kind)
        assert ahead.held is Held.READ and ahead.holds(kind)
        assert serve(ahead, 7) == [plain.readline() for _ in range(7)]
        ahead.give_back()
        assert ahead.held is Held.NOTHING and not ahead.holds(kind)
        assert file.tell() == plain.tell()
        assert file.read() == plain.read()


def test_pieces_of_one_kind_are_shared_and_of_another_given_back(lines_file: Path) -> None:
    with open(lines_file, "rb") as file:
        ahead = ReadAhead(file)
        ahead.refill(Chunks(binary=True, size=10))
        assert ahead.holds(Chunks(binary=True, size=10))  # another iterator of chunks of 10 serves them
        assert not ahead.holds(Chunks(binary=True, size=11))
        assert not ahead.holds(Lines(binary=True))
        data = lines_file.read_bytes()
        assert serve(ahead, 2) == [data[:10], data[10:20]]
        ahead.refill(Lines(binary=True))  # the chunks not served are given back first
        assert serve(ahead, 1) == [data[20:].split(b"\n")[0] + b"\n"]


@pytest.mark.parametrize("error", [UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), OSError(5, "EIO"), KeyError("any")])
@pytest.mark.parametrize("kind", [Lines(binary=True), Chunks(binary=True, size=4)], ids=["lines", "chunks"])
def test_a_block_stops_at_the_first_call_that_raises_and_keeps_what_came_before(error: Exception, kind: Any) -> None:
    data = b"ab\n" * 40
    file = FailingAt(data, fail_at=6, error=error)
    ahead = ReadAhead(file)
    assert ahead.refill(kind)
    assert ahead.held is Held.READ
    before = serve(ahead, 5 - (file.calls - 6))  # the pieces of the calls before the failing one
    assert b"".join(before) == data[: len(b"".join(before))]
    assert not ahead.holds(kind) and ahead.raises(kind)
    assert ahead.take_error() is error  # the very error the file raised
    assert ahead.held is Held.NOTHING


def test_a_readinto_block_that_fails_is_read_again_a_chunk_a_call_up_to_the_error() -> None:
    class ReadintoFails(FailingAt):
        def readinto(self, buffer: Any, /) -> int:
            raise OSError(5, "EIO")

    file = ReadintoFails(b"0123456789" * 5, fail_at=4, error=OSError(5, "EIO at the fourth read"))
    ahead = ReadAhead(file)
    kind = Chunks(binary=True, size=10)
    assert ahead.refill(kind)
    assert serve(ahead, 3) == [b"0123456789"] * 3
    assert ahead.raises(kind)
    assert str(ahead.take_error()) == "[Errno 5] EIO at the fourth read"


def test_an_error_with_nothing_before_it_is_raised_by_the_refill() -> None:
    error = ValueError("first call")
    ahead = ReadAhead(FailingAt(b"x\n", fail_at=1, error=error))
    with pytest.raises(ValueError) as raised:
        ahead.refill(Lines(binary=True))
    assert raised.value is error
    assert ahead.held is Held.NOTHING


def test_giving_back_before_the_error_returns_to_before_the_failing_call(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good\n" * 3000 + b"\xff bad\n")
    with open(path, encoding="utf-8") as file, open(path, encoding="utf-8") as plain:
        ahead = ReadAhead(file)
        kind = Lines(binary=False)
        ahead.refill(kind)
        served = serve(ahead, length_of(ahead.unserved))
        assert served == [plain.readline() for _ in served]
        assert ahead.raises(kind)
        ahead.give_back()  # before the plain file's next call: the file has not failed yet
        with pytest.raises(UnicodeDecodeError) as expected:
            plain.readline()
        with pytest.raises(UnicodeDecodeError) as raised:
            file.readline()
        assert str(raised.value) == str(expected.value)


def length_of(unserved: Iterator[Any]) -> int:
    return length_hint(unserved)


def test_a_text_file_whose_tell_is_disabled_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "abcd.txt"
    path.write_text("a\nb\nc\nd\n")
    with open(path) as file:
        file.readlines(1)  # next() disables tell() until a seek
        ahead = ReadAhead(file)
        kind = Lines(binary=False)
        assert ahead.refill(kind)
        assert ahead.held is Held.PAST
        assert serve(ahead, 1) == ["b\n"]
        ahead.give_back()  # nothing to give back: the file is just past what was served
        assert file.readline() == "c\n"


def test_a_pipe_is_read_a_piece_at_a_time() -> None:
    read_end, write_end = os.pipe()
    with open(write_end, "wb") as writer:
        writer.write(b"one\ntwo\n")
    with open(read_end, "rb") as file:
        ahead = ReadAhead(file)
        assert not ahead.cacheable
        ahead.refill(Lines(binary=True))
        assert ahead.held is Held.PAST and serve(ahead, 1) == [b"one\n"]
        ahead.give_back()
        assert file.read() == b"two\n"


@pytest.mark.parametrize(("mode", "cacheable"), [("rb", True), ("r+b", False), ("w+b", False), ("a+b", False), ("r", False)])
def test_only_files_open_only_for_reading_in_binary_are_read_from_the_page_cache(
    lines_file: Path, mode: str, cacheable: bool
) -> None:
    with open(lines_file, mode) as file:
        assert ReadAhead(file).cacheable is (cacheable and readahead_module._NOWAIT is not None)


def test_pieces_read_from_the_page_cache_leave_the_file_where_it_was_until_given_back(lines_file: Path) -> None:
    with open(lines_file, "rb") as file:
        ahead = ReadAhead(file)
        if not ahead.cacheable:
            pytest.skip("no reads from the page cache that fail rather than wait, on this system")
        kind = Lines(binary=True)
        read = ahead.refill_from_cache(kind)
        if read is None:
            pytest.skip("the page cache does not hold the file, or reads that must not wait fail here (tmpfs)")
        assert read == lines_file.stat().st_size
        assert ahead.held is Held.CACHED and file.tell() == 0
        assert serve(ahead, 3) == lines_file.read_bytes().splitlines(keepends=True)[:3]
        ahead.give_back()
        assert file.tell() == len(b"line 0\nline 1\nline 2\n")


# --- any interleaving of refills, serving and giving back leaves the file where the plain calls leave it ---

actions = st.lists(st.tuples(st.sampled_from(["refill", "serve", "give back"]), st.integers(0, 6)), max_size=30)


@given(
    content=st.text(alphabet=st.sampled_from(list("ab\r\n€")), max_size=60),
    newline=st.sampled_from([None, "", "\n", "\r\n"]),
    binary=st.booleans(),
    chunk=st.integers(0, 5),
    read_ahead=st.integers(1, 12),
    script=actions,
)
def test_the_position_after_giving_back_is_the_plain_files(
    tmp_path_factory: pytest.TempPathFactory,
    content: str,
    newline: str | None,
    binary: bool,
    chunk: int,
    read_ahead: int,
    script: list[tuple[str, int]],
) -> None:
    path = tmp_path_factory.getbasetemp() / "position.txt"
    path.write_bytes(content.encode())
    mode, newline = ("rb", None) if binary else ("r", newline)
    kind: Any = Chunks(binary, chunk) if chunk else Lines(binary)
    with open(path, mode, newline=newline) as file, open(path, mode, newline=newline) as plain, mock.patch.object(
        readahead_module, "_READ_AHEAD", read_ahead
    ):
        ahead = ReadAhead(file)
        one: Callable[[], Any] = partial(plain.read, chunk) if chunk else plain.readline
        for action, count in script:
            if action == "refill":
                if not ahead.holds(kind):
                    ahead.refill(kind)
            elif action == "serve":
                count = min(count, length_of(ahead.unserved) if ahead.holds(kind) else 0)
                assert serve(ahead, count) == [one() for _ in range(count)]
            else:
                ahead.give_back()
                assert file.read(count) == plain.read(count)
        ahead.give_back()
        assert file.read() == plain.read()


# --- both ways of serving (an async generator on 3.11, a coroutine method from 3.12 on) give the same ---


@pytest.fixture(params=[False, True], ids=["coroutine method", "async generator"])
def serving_by_generator(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    by_generator: bool = request.param
    monkeypatch.setattr(readahead_module, "_BY_GENERATOR", by_generator)
    return by_generator


@pytest.mark.usefixtures("serving_by_generator")
@pytest.mark.parametrize("chunk", [0, 7], ids=["lines", "chunks"])
async def test_either_way_of_serving_gives_the_pieces_then_the_error_of_the_plain_file(tmp_path: Path, chunk: int) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\n" * 2000 + b"\xff oops\n")
    with open(path, encoding="utf-8") as plain:
        expected: list[str] = []
        with pytest.raises(UnicodeDecodeError) as plain_error:
            while piece := (plain.read(chunk) if chunk else plain.readline()):
                expected.append(piece)
    served: list[str] = []
    with mock.patch.object(readahead_module, "_READ_AHEAD", 1000), mock.patch.object(readahead_module, "_PIECES_PER_TURN", 10):
        async with open_async(path, encoding="utf-8") as f:
            with pytest.raises(UnicodeDecodeError) as raised:
                async for piece in f.async_readchunks(chunk) if chunk else f:
                    served.append(piece)
    assert served == expected and len(served) > 100
    assert str(raised.value) == str(plain_error.value)


@pytest.mark.usefixtures("serving_by_generator")
async def test_either_way_of_serving_carries_on_after_a_read_in_between(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("".join(f"{n}\n" for n in range(100)))
    with mock.patch.object(readahead_module, "_READ_AHEAD", 20):
        async with open_async(path) as f:
            lines = aiter(f)
            assert [await anext(lines) for _ in range(3)] == ["0\n", "1\n", "2\n"]
            assert await f.read(2) == "3\n"
            assert [line async for line in lines] == [f"{n}\n" for n in range(4, 100)]
