"""Deflated JSON as text an HTML ``<script type="application/json">`` element holds
unchanged: the deflated bytes themselves, on a page the browser reads as windows-1252
(:func:`pack_bytes`), and what the page's own script undoes (``static/js/payload.js``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping

import deflate

# Packed text: the deflated bytes as they are, on a page declared windows-1252, whose
# decoder makes each of the 256 byte values a different character (the WHATWG encoding
# standard: 0x80-0x9F are the letters and signs of windows-1252, or U+0081, U+008D, U+008F,
# U+0090, U+009D where it has none). Three things in an element's text would not come back
# as they went in, and are escaped as "=" and the byte plus 64 (mod 256), as yEnc does: CR
# (the parser makes CR and CR LF one LF), "=" itself, and "<" before "/" or "!" (the only
# two ways "<" starts anything in a script element: its end tag, or "<!--"). NUL is not
# escaped: the parser makes it U+FFFD, which no byte decodes to otherwise.
# The text is ~1.008 times the bytes (two values in 256 take two bytes; "</" and "<!" are
# rare). The packing before this one, seven bits a character on a UTF-8 page
# ("deflate-b128"), made 8/7 of the bytes: deflating at level 6 was then the fastest that
# kept a large page within 0.3 of its layer, and took a third of a render's CPU.
# tests/browser/test_packed_browser.py reads every byte value back in Chromium.
PACKED_ENCODING = "deflate-cp1252"
# The charset of a page that holds packed text; everything else on it is ASCII.
PACKED_PAGE_CHARSET = "windows-1252"
# libdeflate on the JSON of the trimmed layer's sites in 1.3 MB pieces (the details elements'
# mean size), one core, medians of 3 (2026-12-02): level 1 222 MB/s for 0.289 of the JSON,
# 2 149 MB/s for 0.274, 3 127 MB/s for 0.264 (6, on the rich layer: 72 MB/s for 0.253).
# Level 2 keeps a page of sites written like the curated ones at 0.29x its layer (level 3:
# 0.28x, level 1: 0.304x, over the 0.3x the benchmark asks) for a sixth less of the
# deflating, a fifth of a render worker's CPU. (ISA-L and zlib-ng, at their levels of the
# same speed, deflate worse.)
DEFLATE_LEVEL = 2
_ESCAPE_SHIFT = 64  # "=" and the byte plus this
# Windows-1252's characters for the bytes 0x80-0x9F, where they are not U+0080-U+009F.
_CP1252_HIGH = {
    0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86,
    0x2021: 0x87, 0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C,
    0x017D: 0x8E, 0x2018: 0x91, 0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95,
    0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98, 0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B,
    0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
}  # fmt: skip
# Characters as a page's reader may give them, back to the bytes (as Latin-1 characters),
# and the other way.
_TO_LATIN1 = _CP1252_HIGH | {0xFFFD: 0}
_FROM_LATIN1 = {byte: code for code, byte in _CP1252_HIGH.items()}
_ESCAPED = re.compile(rb"=(.)", re.S)


def pack_bytes(data: bytes | bytearray) -> bytes:
    """``data`` as packed text (see :data:`PACKED_ENCODING`), as the page's bytes.

    >>> pack_bytes(b"a=b\\rc</d<!e<f")
    b'a=}b=Mc=|/d=|!e<f'
    >>> unpack_text(pack_bytes(bytes(range(256))).decode("latin-1")) == bytes(range(256))
    True
    """
    # Each replace is one pass in C over the bytes (escapes are a few in a thousand).
    return (
        bytes(data)
        .replace(b"=", b"=}")
        .replace(b"\r", b"=M")
        .replace(b"</", b"=|/")
        .replace(b"<!", b"=|!")
    )


def pack_text(data: bytes | bytearray) -> str:
    """:func:`pack_bytes` as the characters a browser reads from the page.

    >>> pack_text(bytes([0x80, 0x81, 0x41]))
    '€\\x81A'
    """
    return pack_bytes(data).decode("latin-1").translate(_FROM_LATIN1)


def unpack_text(text: str, size: int | None = None) -> bytes:
    """The bytes :func:`pack_bytes` packed into ``text`` (what the page's script does, for
    tests and tools that read a page): the characters as a browser gives them, or the page's
    bytes each read as one character (Latin-1). ``size``, when given, is checked."""
    data = _ESCAPED.sub(
        lambda found: bytes([(found[1][0] - _ESCAPE_SHIFT) % 256]),
        text.translate(_TO_LATIN1).encode("latin-1"),
    )
    if size is not None and len(data) != size:
        raise ValueError(f"packed text of {len(data)} bytes, not {size}")
    return data


def deflate_and_pack(data: bytes) -> tuple[int, bytes]:
    """``data`` deflated (zlib format, :data:`DEFLATE_LEVEL`) and packed: the deflated
    bytes' length (the page's ``data-bytes``) and the packed text, as the page's bytes."""
    # libdeflate's output for given input, level and library version is stable.
    deflated = deflate.zlib_compress(data, DEFLATE_LEVEL)
    return len(deflated), pack_bytes(deflated)


def read_element(attrs: Mapping[str, str | None], text: str) -> bytes:
    """The JSON bytes of a data element, given its attributes and text as the HTML parser
    gives them (for tests and tools that read a page)."""
    if attrs.get("data-encoding") == PACKED_ENCODING:
        return zlib.decompress(unpack_text(text, int(attrs.get("data-bytes") or 0)))
    return text.encode("utf-8")


_ONE_BYTE_META = f'<meta charset="{PACKED_PAGE_CHARSET}">'
_UTF8_META = '<meta charset="utf-8">'


def page_text(page: bytes) -> str:
    """A page's file as text, the same page: a page that holds packed text is read a byte a
    character (Latin-1), and then says it is UTF-8, as text is written. (A browser reads the
    packed text either way: see ``static/js/payload.js``; :func:`read_element` too.)

    >>> page_text(b'<meta charset="windows-1252">\\x9d')
    '<meta charset="utf-8">\\x9d'
    """
    if _ONE_BYTE_META.encode() in page[:1024]:
        return page.decode("latin-1").replace(_ONE_BYTE_META, _UTF8_META, 1)
    return page.decode("utf-8")


def page_bytes(text: str) -> bytes:
    """The file of a page given as text (:func:`page_text`): a page that holds packed text as
    it was made, a byte a character (in UTF-8 each packed byte over 0x7F would take two: the
    page half as large again); any other page, or one whose text was changed beyond Latin-1,
    in UTF-8.

    >>> page = b'<meta charset="windows-1252"> data-encoding="deflate-cp1252">\\x9d'
    >>> page_bytes(page_text(page)) == page
    True
    """
    if f'data-encoding="{PACKED_ENCODING}"' in text and text.find(_UTF8_META, 0, 1024) >= 0:
        try:
            return text.replace(_UTF8_META, _ONE_BYTE_META, 1).encode("latin-1")
        except UnicodeEncodeError:
            pass
    return text.encode("utf-8")
