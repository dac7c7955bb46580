"""Broken and hostile scan files, crafted in memory: no stored fixtures, nothing big allocated.

Other tests (flows, CLI) may use these to exercise quarantine.
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib

__all__ = [
    "corrupt_pdf",
    "encrypted_pdf",
    "pdf_with_pages",
    "png_header_only",
    "simple_pdf",
]

# Padding string of the PDF standard security handler (ISO 32000-1, 7.6.3.3).
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def simple_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A well-formed PDF from object bodies (object 1 must be the catalog), xref computed."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def pdf_with_pages(sizes_pt: list[tuple[float, float]]) -> list[bytes]:
    """Objects of a PDF with blank pages of the given sizes in points (0 pages allowed)."""
    first_page = 3
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(len(sizes_pt)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(sizes_pt)),
    ]
    for width, height in sizes_pt:
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] >>" % (width, height))
    return objects


def encrypted_pdf(user_password: bytes = b"secret", owner_password: bytes = b"owner") -> bytes:
    """A one-page PDF that needs `user_password` to open (RC4 40-bit, standard handler R2)."""
    objects = pdf_with_pages([(595, 842)])
    file_id = hashlib.md5(b"sohoa test").digest()
    permissions = -44
    owner = _rc4(hashlib.md5(_padded(owner_password)).digest()[:5], _padded(user_password))
    key = hashlib.md5(_padded(user_password) + owner + struct.pack("<i", permissions) + file_id).digest()[:5]
    user = _rc4(key, _PAD)
    objects.append(
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner.hex().encode(), user.hex().encode(), permissions)
    )
    trailer = b"/Encrypt %d 0 R /ID [<%s> <%s>] " % (
        len(objects),
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    return simple_pdf(objects, trailer)


def corrupt_pdf() -> bytes:
    """A PDF header followed by noise."""
    return b"%PDF-1.4\n" + random.Random(0).randbytes(3000)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with (almost) no pixel data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def _padded(password: bytes) -> bytes:
    return (password + _PAD)[:32]


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)
