"""Big text reads and writes made as the file's own calls on pieces, so that none holds the GIL for long.

``read()`` of a whole text file decodes it, and ``write()`` of a long str
encodes it, in one C call that holds the GIL throughout: the event loop, which
needs it to run, waits 10-17 ms for 29 MB. Made as calls of ``_PIECE``
characters, each holds it for a fraction of a millisecond, and the reads and
writes of the file between them release it. What comes back, what is raised
and where the file is left are what the one call gives; where that cannot be
kept, the one call is made. Binary reads and writes copy with the GIL released
already, and stay one call.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from typing import IO, Any, cast

# Characters per call: a millisecond or less of decoding or encoding.
_PIECE = 1 << 20

# Codecs whose calls on pieces give, raise and write what one call does: every
# character encodes alone, ASCII ones without fail, and the file's own encoder
# writes a byte-order mark once whatever the number of calls.
_SPLITS_CLEANLY = frozenset(
    {
        "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
        "iso8859-1", "ascii", "cp1252",
    }
)  # fmt: skip
# Of these, those where only bytes from 0x80 up can be undecodable, so that
# the error handlers below never fail to decode (surrogateescape takes those
# bytes; a UTF-16 stream may fail whatever the handler, missing its BOM).
_ASCII_BASED = frozenset({"utf-8", "utf-8-sig", "iso8859-1", "ascii", "cp1252"})
# The standard error handlers, by whether they can raise; one of the user's
# could see pieces where it expects the whole, so it gets the one call.
_NEVER_FAIL_DECODING = frozenset({"ignore", "replace", "backslashreplace", "surrogateescape"})
_STANDARD_DECODING = _NEVER_FAIL_DECODING | {"strict", "surrogatepass"}
_NEVER_FAIL_ENCODING = frozenset({"ignore", "replace", "backslashreplace", "xmlcharrefreplace", "namereplace"})
_MAY_FAIL_ENCODING = frozenset({"strict", "surrogateescape", "surrogatepass"})


def apply(file: IO[Any], method: str, args: tuple[Any, ...]) -> Any:
    """Return ``file.<method>(*args)``, made in pieces where it is a big text ``read`` or ``write``."""
    if type(file) is io.TextIOWrapper and len(args) <= 1:  # (a subclass may read and write otherwise)
        arg = args[0] if args else None
        if method == "read" and (arg is None or type(arg) is int and arg < 0):
            return _read_all(file)
        if method == "write" and type(arg) is str and len(arg) > _PIECE:
            return _write(file, arg)
    return getattr(file, method)(*args)


def _read_all(file: io.TextIOWrapper) -> str:
    """Return ``file.read()``, read ``_PIECE`` characters at a time when more than that is left."""
    encoding, errors = codecs.lookup(file.encoding).name, file.errors
    if encoding in _SPLITS_CLEANLY and _bytes_left(file) > _PIECE:
        if encoding in _ASCII_BASED and errors in _NEVER_FAIL_DECODING:
            return _read_pieces(file)
        start = _clean_position(file) if errors in _STANDARD_DECODING else None
        if start is not None:
            try:
                return _read_pieces(file)
            except Exception:
                # The pieces before the error are read already, where one call
                # raises having given nothing: read again, as one call, from
                # where it would have started, to raise just as it does.
                file.seek(start)
    return file.read()


def _read_pieces(file: io.TextIOWrapper) -> str:
    pieces: list[str] = []
    while len(piece := file.read(_PIECE)) == _PIECE:
        pieces.append(piece)
    # The piece that fell short reached the end. A last read() there reads
    # nothing, but leaves the file as one whole read() does: without the
    # snapshot of decoder state that read(size) keeps, so tell() is the same.
    pieces += (piece, file.read())
    # One copy: the floor of a result built from pieces, and shorter than decoding it.
    return "".join(pieces)


def _bytes_left(file: io.TextIOWrapper) -> int:
    """Return how many bytes a readable regular file holds past its buffer's position, or 0 for other files."""
    if file.closed or not file.readable():
        return 0  # for read() to raise as it does
    status = os.fstat(file.fileno())
    return status.st_size - _buffer_position(file) if stat.S_ISREG(status.st_mode) else 0


def _buffer_position(file: io.TextIOWrapper) -> int:
    return cast("io.BufferedIOBase", file.buffer).tell()


def _clean_position(file: io.TextIOWrapper) -> int | None:
    """Return the position, if seeking there leaves the file as it is now, or None.

    So it is when the text layer holds nothing undecoded nor unread: its
    tell() is then the buffer's position, carrying no decoder state, and
    a read() after seeking there reads and decodes the same bytes, raising
    the same error at the same position. Not so after iteration (tell()
    raises), nor partway through a decoded chunk.
    """
    try:
        position = file.tell()
    except OSError:
        return None
    return position if position == _buffer_position(file) else None


def _write(file: io.TextIOWrapper, text: str) -> int:
    """Return ``file.write(text)``, written ``_PIECE`` characters at a time where that writes the same."""
    encoding, errors = codecs.lookup(file.encoding).name, file.errors
    if encoding not in _SPLITS_CLEANLY:
        return file.write(text)
    if errors in _MAY_FAIL_ENCODING:
        # One call raises before writing anything; pieces would write those
        # before the one that fails. So pieces that could fail are tried first:
        # for these codecs, ASCII ones never do.
        if not text.isascii() and not _encodes(text, encoding, errors):
            return file.write(text)  # to raise just as it does
    elif errors not in _NEVER_FAIL_ENCODING:
        return file.write(text)
    return _write_pieces(file, text)


def _write_pieces(file: io.TextIOWrapper, text: str) -> int:
    # Newlines translate one character at a time, and line_buffering flushes
    # after any piece holding one, where the one call flushes after the last:
    # what the file holds when the call returns is the same.
    return sum(file.write(text[start : start + _PIECE]) for start in range(0, len(text), _PIECE))


def _encodes(text: str, encoding: str, errors: str) -> bool:
    encode = codecs.getencoder(encoding)
    try:
        for start in range(0, len(text), _PIECE):
            encode(text[start : start + _PIECE], errors)
    except UnicodeEncodeError:
        return False
    return True
