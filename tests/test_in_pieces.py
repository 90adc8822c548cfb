"""Behaviour of asyncio_extras._in_pieces: long writes and whole readlines() in pieces do what one call does."""

import importlib
import io
import tempfile
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asyncio_extras import open_async

# A private module, which has no stub: typed here by what the tests use of it.
_in_pieces = importlib.import_module("asyncio_extras._in_pieces")
_apply: Callable[[IO[Any], str, tuple[Any, ...], dict[str, Any]], Any] = _in_pieces.apply


def apply(file: IO[Any], method: str, args: tuple[Any, ...]) -> Any:
    return _apply(file, method, args, {})

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252", "utf-32-be", "ascii", "shift_jis"]
NEWLINES = [None, "", "\n", "\r", "\r\n"]
ENCODING_ERRORS = [
    "strict", "surrogateescape", "surrogatepass", "replace", "ignore", "backslashreplace", "xmlcharrefreplace",
    "namereplace",
]  # fmt: skip

# Characters around every case: newlines of each kind, ASCII, Latin-1, wider, astral, and lone surrogates.
characters = st.sampled_from(["a", "b", "\n", "\r", "é", "ÿ", "€", "✓", "\U0001f600", "\ud800", "\udcff", "\x00"])


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


Call = Callable[[io.TextIOWrapper], object]


def outcomes_of(
    path: Path, opened: Callable[[], io.TextIOWrapper], calls: tuple[Call, Call], piece: int
) -> list[tuple[object, ...]]:
    """For each call, on the file ``opened()`` afresh at ``path``, with pieces of ``piece``: its outcome,
    the position after it, and the bytes the file holds once closed."""
    outcomes: list[tuple[object, ...]] = []
    for call in calls:
        with opened() as f:
            with mock.patch.object(_in_pieces, "_PIECE", piece):
                made = outcome(lambda: call(f))
            position = outcome(f.tell)
        outcomes.append((made, position, path.read_bytes()))
    return outcomes


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    """Count the calls of one of _in_pieces's functions, still making them."""
    calls: list[object] = []
    original = getattr(_in_pieces, name)

    def counted(*args: Any) -> Any:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(_in_pieces, name, counted)
    return calls


# --- writing a long str to a text file ---


@given(
    text=st.text(characters, max_size=40),
    encoding=st.sampled_from(ENCODINGS),
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
    with disk_folder() as folder:
        path = folder / "file.txt"

        def opened() -> io.TextIOWrapper:
            path.write_bytes(b"before\n")
            f = cast(io.TextIOWrapper, open(path, mode, encoding=encoding, errors="replace", newline=newline))
            f.write(written_before)  # whether the byte-order mark is written already
            f.flush()
            f.reconfigure(errors=errors, line_buffering=line_buffering, write_through=write_through)
            return f

        calls: tuple[Call, Call] = (lambda f: f.write(text), lambda f: apply(f, "write", (text,)))
        plain, in_pieces = outcomes_of(path, opened, calls, piece)
        assert in_pieces == plain


def test_a_write_of_more_than_a_piece_is_made_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder:
        path = folder / "file.txt"
        texts = [("plain ascii text\n", "strict"), ("non-ascii: é€✓\n", "strict"), ("€" * 9, "replace")]
        for text, errors in texts:
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



# --- writelines() of a list holding a long str ---

# A line of writelines(): text, or what write() refuses in a text file.
lines_to_write = st.one_of(st.text(characters, max_size=12), st.sampled_from([b"bytes\n", 7]))


@given(
    lines=st.lists(lines_to_write, max_size=6),
    as_tuple=st.booleans(),
    encoding=st.sampled_from(ENCODINGS),
    errors=st.sampled_from(ENCODING_ERRORS),
    newline=st.sampled_from(NEWLINES),
    line_buffering=st.booleans(),
    piece=st.integers(1, 6),
)
def test_writelines_in_pieces_writes_what_one_writelines_writes(
    lines: list[Any],
    as_tuple: bool,
    encoding: str,
    errors: str,
    newline: str | None,
    line_buffering: bool,
    piece: int,
) -> None:
    given_lines = tuple(lines) if as_tuple else lines
    with disk_folder() as folder:
        path = folder / "file.txt"

        def opened() -> io.TextIOWrapper:
            f = open(path, "w", encoding=encoding, errors=errors, newline=newline)
            f.reconfigure(line_buffering=line_buffering)
            return f

        calls: tuple[Call, Call] = (
            lambda f: f.writelines(given_lines),
            lambda f: apply(f, "writelines", (given_lines,)),
        )
        plain, in_pieces = outcomes_of(path, opened, calls, piece)
        assert in_pieces == plain


def test_writelines_of_a_list_holding_a_long_str_writes_it_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    lines = ["a\n", "long line é\n", "b\n", "another long line\n"]
    with disk_folder() as folder:
        path = folder / "file.txt"
        for given in (lines, tuple(lines)):
            with open(path, "w", encoding="utf-8") as f:
                assert apply(f, "writelines", (given,)) is None
            assert path.read_text(encoding="utf-8") == "".join(lines)
    assert len(calls) == 4


def test_writelines_of_other_iterables_and_short_lines_is_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    # Lines made by a generator are made as the one call asks for them: it may look at the file meanwhile.
    calls = counting(monkeypatch, "_writelines")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder, open(folder / "file.txt", "w+") as f:
        told: list[int] = []

        def lines() -> Generator[str]:
            for line in ["a long line\n", "another long line\n"]:
                told.append(f.tell())
                yield line

        apply(f, "writelines", (lines(),))
        apply(f, "writelines", (["ab", "cd"],))
        assert told == [0, 12]
    assert not calls

# --- readlines() of a whole file ---

# Bytes no encoding here decodes in every position: stray continuation and lead bytes, half a UTF-16 unit.
junk = st.sampled_from([b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\x00", b"\xd8", b"\r", b"\n", b"\r\n"])
# What was done with the file before readlines(): nothing, reads of each kind, iteration, a seek.
BEFORE_READLINES: dict[str, Callable[[IO[Any]], object]] = {
    "nothing": lambda f: None,
    "read(3)": lambda f: f.read(3),
    "readline()": lambda f: f.readline(),
    "readlines(1)": lambda f: f.readlines(1),
    "next()": lambda f: next(f, None),
    "seek(2)": lambda f: f.seek(2),
}


def open_for(path: Path, mode: str, encoding: str, errors: str, newline: str | None) -> IO[Any]:
    """Open in ``mode``, with the text settings given where it is a text mode."""
    if "b" in mode:
        return open(path, mode)
    return open(path, mode, encoding=encoding, errors=errors, newline=newline)


@given(
    parts=st.lists(st.one_of(st.text(characters, max_size=12), junk), max_size=12),
    mode=st.sampled_from(["r", "r+", "rb", "r+b"]),
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]),
    errors=st.sampled_from(["strict", "replace", "surrogateescape"]),
    newline=st.sampled_from(NEWLINES),
    hint=st.sampled_from([(), (-1,), (0,)]),
    before=st.sampled_from(sorted(BEFORE_READLINES)),
    piece=st.integers(1, 6),
)
def test_readlines_in_pieces_gives_what_one_readlines_gives(
    parts: list[str | bytes],
    mode: str,
    encoding: str,
    errors: str,
    newline: str | None,
    hint: tuple[int, ...],
    before: str,
    piece: int,
) -> None:
    # Compared: the lines or the exception, the position after, what read() then gives, newlines seen.
    unencodable = "surrogatepass" if "utf" in encoding else "replace"
    content = b"".join(part if isinstance(part, bytes) else part.encode(encoding, unencodable) for part in parts)
    with disk_folder() as folder:
        path = folder / "file"
        path.write_bytes(content)
        outcomes: list[tuple[object, ...]] = []
        readers: tuple[Callable[[IO[Any]], object], ...] = (
            lambda f: f.readlines(*hint),
            lambda f: apply(f, "readlines", hint),
        )
        for readlines in readers:
            with open_for(path, mode, encoding, errors, newline) as f, mock.patch.object(_in_pieces, "_PIECE", piece):
                prepared = outcome(lambda: BEFORE_READLINES[before](f))
                lines = outcome(lambda: readlines(f))
                outcomes.append((prepared, lines, outcome(f.tell), outcome(f.read), getattr(f, "newlines", None)))
        assert outcomes[1] == outcomes[0]


def test_readlines_of_a_whole_file_is_made_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, "_readlines")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder:
        path = folder / "file.txt"
        path.write_text("first\nsecond line\nthird\n")
        lines_by_mode: list[tuple[str, list[Any]]] = [
            ("r", ["first\n", "second line\n", "third\n"]),
            ("rb", [b"first\n", b"second line\n", b"third\n"]),
        ]
        for mode, lines in lines_by_mode:
            with open(path, mode) as f:
                assert apply(f, "readlines", ()) == lines
            with open(path, mode) as f:  # a hint: one call
                assert apply(f, "readlines", (7,)) == lines[:2]
    assert len(calls) == 2


# --- what stays one call ---


@pytest.mark.parametrize(
    ("mode", "method", "args"),
    [
        ("r", "read", ()),
        ("rb", "read", ()),
        ("wb", "write", (b"bytes longer than a piece",)),
        ("wb", "write", (memoryview(b"bytes longer than a piece"),)),
    ],
)
def test_reads_and_binary_writes_are_one_call(
    monkeypatch: pytest.MonkeyPatch, mode: str, method: str, args: tuple[Any, ...]
) -> None:
    calls = counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 4)
    with disk_folder() as folder:
        path = folder / "file"
        path.write_bytes(b"some lines\nof a file\n")
        with open(path, mode) as f:
            plain = getattr(f, method)(*args)
            f.seek(0)
            assert apply(f, method, args) == plain
    assert not calls


def test_a_write_to_a_closed_file_raises_as_the_file_does() -> None:
    with disk_folder() as folder, mock.patch.object(_in_pieces, "_PIECE", 4):
        f = open(folder / "file.txt", "w")
        f.close()
        with pytest.raises(ValueError, match="I/O operation on closed file"):
            apply(f, "write", ("é" * 10,))
        with open(folder / "file.txt") as f, pytest.raises(io.UnsupportedOperation, match="not writable"):
            apply(f, "write", ("é" * 10,))


# --- through the wrapper ---


async def test_the_wrapper_writes_a_long_str_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch, "_write_pieces")
    monkeypatch.setattr(_in_pieces, "_PIECE", 16)
    text = "".join(f"line {n} é\n" for n in range(100))
    with disk_folder() as folder:
        path = folder / "file.txt"
        async with open_async(path, "w", newline="\r\n") as f:
            assert await f.write(text) == len(text)
            await f.writelines(["short\n", text])
        assert path.read_bytes() == (text + "short\n" + text).replace("\n", "\r\n").encode()
    assert len(calls) == 2
