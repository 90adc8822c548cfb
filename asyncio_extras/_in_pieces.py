"""Long str writes and whole-file readlines() made as the file's own calls on pieces, none holding the GIL long.

``write()`` of a long str to a text file encodes it in one C call that holds
the GIL throughout: the event loop, which needs it to run, waited up to 164 ms
here for 20 MiB of non-ASCII text. Made as calls of ``_PIECE`` characters,
each holds it for about a millisecond at most, and between them the worker
lets a thread waiting for the GIL take it. What comes back, what is raised
and what the file holds are what the one call gives; where that cannot be
kept, the one call is made. ``writelines()`` of a list or tuple holding such
a str writes the lines around it by ``writelines()`` and it as above: the
same calls of ``write()``, in the same order, that the one call makes. Other
iterables stay one call, since taking their lines ahead of writing them
could be seen by the code that makes them.

``readlines()`` of a whole file reads all its lines in one call of C code
that never asks whether another thread waits for the GIL, and lets one take
it only by chance, when a read of the file releases it. Made as calls of
``readlines(_PIECE)``, which read the very same lines the same way, it lets
the loop run between them.

Not split: binary writes, which copy with the GIL released already, and
reads of the content. A whole text file read in pieces still ends in one copy that joins
them into the one str, which on a machine where fresh memory is slow to fault
in (about 2 us a page, measured) costs as much as decoding: 20 ms for 29 MB.
"""

from __future__ import annotations

import codecs
import io
import time
from typing import IO, Any

# Characters (bytes in binary files) per call: well under a millisecond of work.
# (Pieces of 1 MiB measured a median stall of 8.4 ms against 5.8 ms, on non-ASCII text.)
_PIECE = 1 << 18

# Codecs whose calls on pieces write and raise what one call does: every
# character encodes alone, ASCII ones without fail, and the file's own encoder
# writes a byte-order mark once whatever the number of calls.
_SPLITS_CLEANLY = frozenset(
    {
        "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
        "iso8859-1", "ascii", "cp1252",
    }
)  # fmt: skip
# The standard error handlers, by whether they can raise; one of the user's
# could see pieces where it expects the whole, so it gets the one call.
_NEVER_FAIL = frozenset({"ignore", "replace", "backslashreplace", "xmlcharrefreplace", "namereplace"})
_MAY_FAIL = frozenset({"strict", "surrogateescape", "surrogatepass"})


# The files whose readlines() is iteration by next(), the one of io.IOBase.
_LINE_ITERATED = (io.TextIOWrapper, io.BufferedReader, io.BufferedRandom)


def apply(file: IO[Any], method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Return ``file.<method>(*args, **kwargs)``, made in pieces where it is a long ``write`` or a whole ``readlines``."""
    # Subclasses may write or read lines otherwise, and a str subclass slice otherwise.
    if kwargs:  # no call that goes in pieces takes keyword arguments
        return getattr(file, method)(*args, **kwargs)
    if method == "write" and type(file) is io.TextIOWrapper and len(args) == 1:
        text = args[0]
        if type(text) is str and len(text) > _PIECE:
            return _write(file, text)
    if method == "writelines" and type(file) is io.TextIOWrapper and len(args) == 1:
        lines = args[0]
        if type(lines) in (list, tuple) and _longest(lines) > _PIECE:
            return _writelines(file, lines)
    if method == "readlines" and type(file) in _LINE_ITERATED and len(args) <= 1:
        hint = args[0] if args else None
        if hint is None or type(hint) is int and hint <= 0:
            return _readlines(file)
    return getattr(file, method)(*args)


def _readlines(file: IO[Any]) -> list[Any]:
    # Both walk the file with next() from where it is to its end, or to the
    # line that fails to decode, which raises the same error; the lines
    # before it are lost either way, and the file is left where next() left it.
    lines: list[Any] = []
    while more := file.readlines(_PIECE):
        lines += more
        _let_the_loop_run()
    return lines


def _write(file: io.TextIOWrapper, text: str) -> int:
    """Return ``file.write(text)``, written ``_PIECE`` characters at a time where that writes the same."""
    encoding, errors = codecs.lookup(file.encoding).name, file.errors
    if encoding not in _SPLITS_CLEANLY:
        return file.write(text)
    if errors in _MAY_FAIL:
        # One call raises before writing anything; pieces would write those
        # before the one that fails. So pieces that could fail are tried first:
        # for these codecs, ASCII ones never do.
        if not text.isascii() and not _encodes(text, encoding, errors):
            return file.write(text)  # to raise just as it does
    elif errors not in _NEVER_FAIL:
        return file.write(text)
    return _write_pieces(file, text)


def _longest(lines: list[Any] | tuple[Any, ...]) -> int:
    # str.__len__ runs no code of the caller's, as len() would on a str subclass.
    try:
        return max(map(str.__len__, lines), default=0)
    except TypeError:  # not all str: the one call raises where it meets the first that is not
        return 0


def _writelines(file: io.TextIOWrapper, lines: list[Any] | tuple[Any, ...]) -> None:
    # io.IOBase.writelines() is write() of each line in turn, once it has
    # found the file open: the first writelines() below raises as it does.
    start = 0
    for index, line in enumerate(lines):
        if type(line) is str and len(line) > _PIECE:
            file.writelines(lines[start:index])
            _write(file, line)
            start = index + 1
    file.writelines(lines[start:])


def _write_pieces(file: io.TextIOWrapper, text: str) -> int:
    # Newlines translate one character at a time, and line_buffering flushes
    # after any piece holding one, where the one call flushes after the last:
    # what the file holds when the call returns is the same.
    written = 0
    for start in range(0, len(text), _PIECE):
        written += file.write(text[start : start + _PIECE])
        _let_the_loop_run()
    return written


def _encodes(text: str, encoding: str, errors: str) -> bool:
    encode = codecs.getencoder(encoding)
    try:
        for start in range(0, len(text), _PIECE):
            encode(text[start : start + _PIECE], errors)
            _let_the_loop_run()
    except UnicodeEncodeError:
        return False
    return True


def _let_the_loop_run() -> None:
    # Releasing the GIL wakes a thread waiting for it, such as the event
    # loop's: one that would otherwise wait for the switch interval (5 ms) to
    # end, where no write released it (or, on one core, where a write's
    # release came and went before the waiting thread was scheduled).
    time.sleep(0)
