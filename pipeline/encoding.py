"""Turning a response body into text: Content-Encoding decompression with a size cap, charset detection."""
from __future__ import annotations

import codecs
import re
import zlib

import brotli

_SINGLE_BYTE = frozenset({"latin-1", "iso8859-1", "ascii", "cp1252", "iso8859-15"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^;\s\"']+)", re.I)


class Refused(Exception):
    """A fetch stops with a named outcome (raised while reading a body, turned into a result)."""

    def __init__(self, outcome: str, error: str) -> None:
        super().__init__(error)
        self.outcome = outcome


def _charset(value: str | None) -> str | None:
    """Return the Python codec name of a charset label, mapping Latin-1/ASCII to windows-1252 (WHATWG)."""
    if not value:
        return None
    try:
        name = codecs.lookup(value.strip().strip("'\"")).name
    except LookupError:
        return None
    return "cp1252" if name in _SINGLE_BYTE and name != "iso8859-15" else name


def decode_body(body: bytes, content_type: str | None) -> str:
    """Decode HTML: BOM, then Content-Type charset, then <meta charset>, then UTF-8, else windows-1252."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    in_header = _HEADER_CHARSET.search(content_type or "")
    header = _charset(in_header.group(1)) if in_header else None
    meta = _META_CHARSET.search(body[:4096])
    declared = [c for c in (header, _charset(meta.group(1).decode("ascii")) if meta else None) if c]
    try:
        utf8 = body.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    for name in declared:
        if name == "utf-8" and utf8 is not None:
            return utf8
        if name in ("cp1252", "iso8859-15") and utf8 is not None and not body.isascii():
            return utf8  # mislabelled: valid multi-byte UTF-8 is never real Norwegian windows-1252 text
        if name != "utf-8":
            try:
                return body.decode(name)
            except (UnicodeDecodeError, LookupError):
                continue
    return utf8 if utf8 is not None else body.decode("cp1252", errors="replace")


class Inflater:
    """Streaming decoder of one Content-Encoding with a cap on the decoded size."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding, self.limit, self.size, self._first = encoding, limit, 0, True
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        elif encoding == "br":
            self._br = brotli.Decompressor()
        elif encoding not in ("", "identity"):
            raise Refused("http-error", f"unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> bytes:
        """Decode one chunk; raise when the decoded total would pass the cap."""
        budget = self.limit - self.size + 1
        try:
            if self.encoding in ("", "identity"):
                out = data
            elif self.encoding == "br":
                out = self._br.process(data, output_buffer_limit=budget)
            elif self.encoding == "deflate" and self._first:
                try:
                    out = self._z.decompress(data, budget)
                except zlib.error:  # servers often send raw deflate without the zlib header
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    out = self._z.decompress(data, budget)
            else:
                out = self._z.decompress(data, budget)
            self._first = False
        except (zlib.error, brotli.error) as exc:
            raise Refused("http-error", f"bad {self.encoding} body: {exc}") from exc
        self.size += len(out)
        if self.size > self.limit:
            outcome = "too-large" if self.encoding in ("", "identity") else "decompression-bomb"
            raise Refused(outcome, f"decoded body over {self.limit} bytes ({self.encoding or 'identity'})")
        return out
