"""Which text encoding an export file was written in: UTF-8, or the Windows code page older ERPs write.

A file that is not valid UTF-8 is one of two things: a legitimately cp1252 (Windows Latin-1)
file, whose accented letters are single bytes, or a UTF-8 file with a few damaged bytes. The
tell is the rest of the file: a cp1252 file holds no valid multi-byte UTF-8 sequence at all
(its "é" is one byte, never the two-byte UTF-8 form). So a file with no such sequence that
decodes as cp1252 is read as cp1252; otherwise it is UTF-8 and only the rows holding the
damaged bytes are bad. (A pure-ASCII file with one stray high byte is therefore taken as cp1252:
the bytes alone cannot tell that apart.)
"""
from __future__ import annotations

import re

UTF8 = "utf-8"
CP1252 = "cp1252"

# Undecodable bytes of a UTF-8 file are kept as lone surrogates U+DC80..U+DCFF (surrogateescape).
BAD_BYTES = re.compile("[\udc80-\udcff]")
_VALID_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name); damaged bytes of a UTF-8 file stay in the text, marked by BAD_BYTES."""
    try:
        return data.decode(UTF8), UTF8
    except UnicodeDecodeError:
        pass
    text = data.decode(UTF8, "surrogateescape")
    if not _VALID_NON_ASCII.search(text):
        try:
            return data.decode(CP1252), CP1252
        except UnicodeDecodeError:   # cp1252 leaves five bytes undefined
            pass
    return text, UTF8


def show_bytes(text: str) -> str:
    """`text` with each damaged byte shown as \\xNN, so a person sees which byte it was."""
    return text.encode(UTF8, "surrogateescape").decode(UTF8, "backslashreplace")
