"""Deflated JSON as text an HTML ``<script type="application/json">`` element can hold
unchanged: seven bits a character, none of which ends the element (:func:`pack_text`), and
what the page's own script undoes (``static/js/inflate.js``).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import deflate
import numpy as np

# Packed text: the bytes as a stream of 7-bit groups, one character each: the group's ASCII
# character, except NUL (the HTML parser makes it U+FFFD), CR (made LF) and "<" (which could
# end the element), which take the next group with them into one two-byte character,
# U+0100 + 128 * (which of the three) + the next group. 8/7 of the bytes (base64: 4/3), and
# no "<" at all: nothing in it ends a script element, opens a comment or is changed by the
# parser (tests/browser/test_map_browser.py reads every byte value back in Chromium).
PACKED_ENCODING = "deflate-b128"
# libdeflate on 40 MB of the rich layer's JSON in 1.3 MB pieces (the details elements' mean
# size), one core, medians of 5: level 6 53 MB/s for 0.254 of the JSON, 7 45 MB/s for 0.251
# (the trimmed layer's: 55 and 46 MB/s). Deflating is a fifth of a render's CPU; at level 6
# the 10,000-site rich page is 0.297x its compact layer (7: 0.294x; the target is 0.3x, and
# with 1 MB elements level 6 made 0.301x). Level 5 is 1.6% larger again: over it.
DEFLATE_LEVEL = 6
_ESCAPED_GROUPS = (0x00, 0x0D, 0x3C)
_ESCAPE_BASE = 0x100


def pack_text(data: bytes | bytearray) -> str:
    """``data`` as packed text (see :data:`PACKED_ENCODING`).

    >>> pack_text(b"")
    ''
    >>> pack_text(b"\\x00")  # group 0 is escaped, taking the padding group with it
    'Ā'
    >>> unpack_text(pack_text(bytes(range(256))), 256) == bytes(range(256))
    True
    """
    return pack_utf8(data).decode("utf-8")


def pack_utf8(data: bytes | bytearray) -> bytes:
    """:func:`pack_text` as UTF-8, made as such: a page is written in UTF-8, and most of a
    large one is packed text (making a string and encoding it took as long as packing).

    An ASCII character is its group's byte; an escape and the group it carries, one
    two-byte character, are two bytes too: the UTF-8 is as many bytes as there are groups.

    >>> pack_utf8(bytes(range(256))) == pack_text(bytes(range(256))).encode("utf-8")
    True
    """
    if not data:
        return b""
    # Seven bytes are eight groups: each row of seven as one big-endian 64-bit number (a
    # zero byte in front), cut in eight.
    rows = np.zeros((-(-len(data) // 7), 8), dtype=np.uint8)
    rows[:, 1:] = np.frombuffer(data + bytes(-len(data) % 7), dtype=np.uint8).reshape(-1, 7)
    numbers = rows.view(">u8").ravel()
    grid = np.empty((len(numbers), 8), dtype=np.uint8)
    for k, shift in enumerate(range(49, -1, -7)):
        grid[:, k] = (numbers >> np.uint64(shift)) & np.uint64(127)
    count = -(-len(data) * 8 // 7)  # groups: none of padding alone
    groups = grid.ravel()
    # A group that follows an escaped one rides with it: in a run of escaped groups the
    # 1st, 3rd, 5th... are escapes, each carrying the one after (a few in a hundred).
    escaped = np.flatnonzero((groups[:count] == 0x00) | (groups[:count] == 0x0D)
                             | (groups[:count] == 0x3C))  # fmt: skip
    if len(escaped):
        run_start = np.concatenate(([True], np.diff(escaped) != 1))
        run_first = np.maximum.accumulate(np.where(run_start, np.arange(len(escaped)), 0))
        escapes = escaped[(np.arange(len(escaped)) - run_first) % 2 == 0]
        if escapes[-1] == count - 1:  # the last group escaped: it carries a padding group
            count += 1
            if count > len(groups):
                groups = np.append(groups, np.uint8(0))
            groups[count - 1] = 0
        carried = groups[escapes + 1].astype(np.uint16)
        code = _ESCAPE_BASE + 128 * ((groups[escapes] == 0x0D) + 2 * (groups[escapes] == 0x3C))
        code = code + carried
        groups[escapes] = 0xC0 | (code >> 6)
        groups[escapes + 1] = 0x80 | (code & 0x3F)
    return groups[:count].tobytes()


def unpack_text(text: str, size: int) -> bytes:
    """The ``size`` bytes :func:`pack_text` packed into ``text`` (what the page's script
    does, for tests and tools that read a page)."""
    groups: list[int] = []
    for char in map(ord, text):
        if char >= _ESCAPE_BASE:
            groups += [_ESCAPED_GROUPS[(char - _ESCAPE_BASE) >> 7], (char - _ESCAPE_BASE) & 127]
        else:
            groups.append(char)
    bits = "".join(f"{group:07b}" for group in groups)[: 8 * size]
    return int(bits, 2).to_bytes(size, "big") if size else b""


def deflate_and_pack(data: bytes) -> tuple[int, bytes]:
    """``data`` deflated (zlib format, :data:`DEFLATE_LEVEL`) and packed: the deflated
    bytes' length (the page's ``data-bytes``) and the packed text, in UTF-8."""
    # libdeflate's output for given input, level and library version is stable.
    deflated = deflate.zlib_compress(data, DEFLATE_LEVEL)
    return len(deflated), pack_utf8(deflated)


def read_element(attrs: Mapping[str, str | None], text: str) -> bytes:
    """The JSON bytes of a data element, given its attributes and text as the HTML parser
    gives them (for tests and tools that read a page)."""
    if attrs.get("data-encoding") == PACKED_ENCODING:
        return zlib.decompress(unpack_text(text, int(attrs.get("data-bytes") or 0)))
    return text.encode("utf-8")
