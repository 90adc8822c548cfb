"""Behaviour of asyncio_extras._in_pieces: big text reads and writes in pieces give what one call gives."""

import importlib
import io
import os
import tempfile
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from asyncio_extras import open_async

# A private module, which has no stub: typed here by what the tests use of it.
_in_pieces = importlib.import_module("asyncio_extras._in_pieces")
apply: Callable[[IO[Any], str, tuple[Any, ...]], Any] = _in_pieces.apply

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1"]
NEWLINES = [None, "", "\n", "\r", "\r\n"]
DECODING_ERRORS = ["strict", "surrogatepass", "replace", "ignore", "backslashreplace", "surrogateescape"]
ENCODING_ERRORS = [
    "strict", "surrogateescape", "surrogatepass", "replace", "ignore", "backslashreplace", "xmlcharrefreplace",
    "namereplace",
]  # fmt: skip

# Characters around every case: newlines of each kind, ASCII, Latin-1, wider, astral, and lone surrogates.
characters = st.sampled_from(["a", "b", "\n", "\r", "é", "ÿ", "€", "✓", "\U0001f600", "\ud800", "\udcff", "\x00"])
# Bytes no encoding here decodes in every position: stray continuation and lead bytes, half a utf-16 unit.
junk = st.sampled_from([b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\x00", b"\xd8", b"\r", b"\n"])


@contextmanager
def disk_folder() -> Generator[Path]:
    # /var/tmp is on a disk filesystem here, where tmp_path may not be.
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        yield Path(folder)


def outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    """What a call gives: its result, or the exception it raises, compared by type and every field."""
    try:
        return ("returned", call())
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        fields = getattr(error, "__dict__", {})
        extra = tuple(getattr(error, name, None) for name in ("encoding", "object", "start", "end", "reason"))
        return ("raised", type(error), str(error), error.args, extra, fields)


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    """Count the calls of one of _in_pieces's functions, still making them."""
    calls: list[object] = []
    original = getattr(_in_pieces, name)

    def counted(*args: Any) -> Any:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(_in_pieces, name, counted)
    return calls


# --- reading the rest of a text file ---

Call = Callable[[io.TextIOWrapper], object]
# Each differential test makes the call on the plain file, then through _in_pieces.
PLAIN_THEN_IN_PIECES_READ: tuple[Call, Call] = (lambda f: f.read(), lambda f: apply(f, "read", ()))


@st.composite
def encoded_files(draw: st.DrawFn) -> bytes:
    encoding = draw(st.sampled_from(ENCODINGS))
    parts = draw(st.lists(st.one_of(st.text(characters, max_size=12), junk), max_size=10))
    return b"".join(
        part if isinstance(part, bytes) else part.encode(encoding, "surrogatepass" if "utf" in encoding else "replace")
        for part in parts
    )


# What was done with the file before read(): nothing, reads of each kind, iteration, seeks.
BEFORE_READ: dict[str, Call] = {
    "nothing": lambda f: None,
    "read(3)": lambda f: f.read(3),
    "readline()": lambda f: f.readline(),
    "readlines(1)": lambda f: f.readlines(1),
    "next()": lambda f: next(f, None),
    "seek(0, 2)": lambda f: f.seek(0, 2),
    "read(), seek(0)": lambda f: (f.read(), f.seek(0)),
}


@given(
    content=encoded_files(),
    encoding=st.sampled_from(ENCODINGS),
    errors=st.sampled_from(DECODING_ERRORS),
    newline=st.sampled_from(NEWLINES),
    before=st.sampled_from(sorted(BEFORE_READ)),
    piece=st.integers(1, 6),
)
# UTF-16 without a byte-order mark fails to decode whatever the handler, and how depends on the pieces.
@example(b"\xef\xbb\xbf\xef\xbb\xbfa", "utf-16", "surrogateescape", None, "nothing", 1)
def test_read_in_pieces_gives_what_one_read_gives(
    content: bytes, encoding: str, errors: str, newline: str | None, before: str, piece: int
) -> None:
    # Compared: the result or exception, the position after, what a read() after that gives, newlines seen.
    with disk_folder() as folder:
        path = folder / "file.txt"
        path.write_bytes(content)
        outcomes: list[tuple[object, ...]] = []
        for read in PLAIN_THEN_IN_PIECES_READ:
            with open(path, encoding=encoding, errors=errors, newline=newline) as f, mock.patch.object(
                _in_pieces, "_PIECE", piece
            ):
                prepared = outcome(lambda: BEFORE_READ[before](f))
                result = outcome(lambda: read(f))
                outcomes.append((prepared, result, outcome(f.tell), outcome(f.read), f.newlines))
        assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("mode", ["r+", "w+", "a+"])
def test_read_in_pieces_after_a_write_gives_what_one_read_gives(mode: str) -> None:
    with disk_folder() as folder, mock.patch.object(_in_pieces, "_PIECE", 4):
        path = folder / "file.txt"
        results: list[tuple[object, ...]] = []
        for read in PLAIN_THEN_IN_PIECES_READ:
            path.write_text("first line\nsecond line\nthird\n")
            with open(path, mode) as opened:
                f = cast(io.TextIOWrapper, opened)
                f.readline() if "r" in mode else f.seek(0)
                f.write("written\n")
                result, position = outcome(lambda: read(f)), f.tell()
            results.append((result, position, path.read_text()))
        assert results[1] == results[0]


def test_a_read_of_more_than_a_piece_is_made_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, "_read_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder:
        path = folder / "file.txt"
        path.write_text("many characters\nin lines\r\nof a file é\n")
        for errors in ("strict", "replace"):
            with open(path, errors=errors) as f:
                assert apply(f, "read", ()) == path.read_text()
        with open(path) as f:  # a piece or less is left: one read
            f.seek(36)
            assert apply(f, "read", ()) == "é\n"
    assert len(calls) == 2


def test_a_decode_error_is_raised_as_one_read_raises_it_after_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, "_read_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder:
        path = folder / "file.txt"
        path.write_bytes(b"good line\n" * 10 + b"\xff oops\n")
        with open(path, encoding="utf-8") as f, pytest.raises(UnicodeDecodeError) as raised:
            apply(f, "read", ())
        assert raised.value.start == 100
        assert raised.value.object == path.read_bytes()
    assert len(calls) == 1  # pieces were tried, then one read raised


# --- writing a long str to a text file ---


@given(
    text=st.text(characters, max_size=40),
    encoding=st.sampled_from([*ENCODINGS, "cp1252", "utf-32-be", "ascii", "shift_jis"]),
    errors=st.sampled_from(ENCODING_ERRORS),
    newline=st.sampled_from(NEWLINES),
    mode=st.sampled_from(["w", "w+", "a", "r+"]),
    written_before=st.sampled_from(["", "é\n"]),
    line_buffering=st.booleans(),
    write_through=st.booleans(),
    piece=st.integers(1, 6),
)
def test_write_in_pieces_writes_what_one_write_writes(
    text: str,
    encoding: str,
    errors: str,
    newline: str | None,
    mode: str,
    written_before: str,
    line_buffering: bool,
    write_through: bool,
    piece: int,
) -> None:
    # Compared: the result or exception, the position after, and the bytes the file holds once closed.
    with disk_folder() as folder:
        path = folder / "file.txt"
        outcomes: list[tuple[object, ...]] = []
        writes: tuple[Call, Call] = (lambda f: f.write(text), lambda f: apply(f, "write", (text,)))
        for write in writes:
            path.write_bytes(b"before\n")
            with open(path, mode, encoding=encoding, errors="replace", newline=newline) as opened:
                f = cast(io.TextIOWrapper, opened)
                f.write(written_before)  # whether the byte-order mark is written already
                f.flush()
                f.reconfigure(errors=errors, line_buffering=line_buffering, write_through=write_through)
                with mock.patch.object(_in_pieces, "_PIECE", piece):
                    written = outcome(lambda: write(f))
                position = outcome(f.tell)
            outcomes.append((written, position, path.read_bytes()))
        assert outcomes[1] == outcomes[0]


def test_a_write_of_more_than_a_piece_is_made_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder:
        path = folder / "file.txt"
        for text, errors in (("plain ascii text\n", "strict"), ("non-ascii: é€✓\n", "strict"), ("€" * 9, "replace")):
            with open(path, "w", encoding="utf-16", errors=errors) as f:
                assert apply(f, "write", (text,)) == len(text)
            assert path.read_text(encoding="utf-16") == text
    assert len(calls) == 3


def test_an_unencodable_character_raises_as_one_write_does_with_nothing_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder:
        path = folder / "file.txt"
        with open(path, "w", encoding="latin-1") as f, pytest.raises(UnicodeEncodeError) as raised:
            apply(f, "write", ("é" * 10 + "€",))
        assert (raised.value.start, raised.value.object) == (10, "é" * 10 + "€")
        assert path.read_bytes() == b""
    assert not calls


@pytest.mark.parametrize("encoding", ["shift_jis", "iso2022_jp", "cp437"])
def test_a_codec_not_known_to_split_cleanly_gets_one_write(monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    calls = counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder, open(folder / "file.txt", "w", encoding=encoding) as f:
        assert apply(f, "write", ("text longer than a piece",)) == 24
    assert not calls


# --- what stays one call ---


@pytest.mark.parametrize(
    ("mode", "method", "args"),
    [
        ("rb", "read", ()),
        ("r", "read", (10,)),
        ("r", "readline", ()),
        ("wb", "write", (b"bytes longer than a piece",)),
        ("wb", "write", (memoryview(b"bytes longer than a piece"),)),
    ],
)
def test_binary_calls_and_reads_of_a_size_are_one_call(
    monkeypatch: pytest.MonkeyPatch, mode: str, method: str, args: tuple[Any, ...]
) -> None:
    calls = counting(monkeypatch, "_read_pieces") + counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder:
        path = folder / "file"
        path.write_bytes(b"some lines\nof a file\n")
        with open(path, mode) as f:
            plain = getattr(f, method)(*args)
            f.seek(0)
            assert apply(f, method, args) == plain
    assert not calls


def test_a_read_of_a_pipe_is_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, "_read_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    reading, writing = os.pipe()
    with open(reading) as f:
        with open(writing, "w") as w:
            w.write("more than a piece\n")
        assert apply(f, "read", ()) == "more than a piece\n"
    assert not calls


def test_a_read_of_a_closed_file_raises_as_the_file_does() -> None:
    with disk_folder() as folder:
        path = folder / "file.txt"
        path.write_text("x" * 100)
        f = open(path)
        f.close()
        with pytest.raises(ValueError, match="I/O operation on closed file"):
            apply(f, "read", ())
        with open(path, "a") as f, pytest.raises(io.UnsupportedOperation, match="not readable"):
            apply(f, "read", ())


# --- through the wrapper ---


async def test_the_wrapper_reads_and_writes_big_text_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    reads, writes = counting(monkeypatch, "_read_pieces"), counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 16)
    text = "".join(f"line {n} é\n" for n in range(2000))  # more than the text layer decodes at once
    with disk_folder() as folder:
        path = folder / "file.txt"
        async with open_async(path, "w", newline="\r\n") as f:
            assert await f.write(text) == len(text)
        async with open_async(path) as f:
            assert await f.read() == text
        async with open_async(path, errors="replace") as f:
            assert await f.readline() == "line 0 é\n"
            assert await f.read() == text[len("line 0 é\n") :]
    assert (len(reads), len(writes)) == (2, 1)


def test_a_strict_read_partway_through_a_decoded_chunk_is_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    # An error would be raised, by the one call, at a position counted from
    # bytes the pieces could not give back: seeking back reads from elsewhere.
    calls = counting(monkeypatch, "_read_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 16)
    with disk_folder() as folder:
        path = folder / "file.txt"
        path.write_bytes(b"line\n" * 10_000)
        with open(path) as f:
            f.readline()
            assert apply(f, "read", ()) == "line\n" * 9_999
    assert not calls
