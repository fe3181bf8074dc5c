"""Hostile files for the bad-input tests, generated into a temp folder (never committed).

`make_hostile(folder, shared)` writes them and returns {name: (path, content type)}. Real
documents from ../shared are the base of the truncated PDF; everything else is built here.
"""
from __future__ import annotations

import io
import random
import zlib
from pathlib import Path

GOOD_TEXT = (
    "Article 1. This Regulation lays down harmonised rules for artificial intelligence systems placed on the "
    "market. Providers of high-risk artificial intelligence systems shall establish a risk management system, "
    "keep technical documentation and ensure human oversight of the system during its use."
)


def pdf(objects: list[bytes], *, broken_xref: bool = False) -> bytes:
    """A PDF from object bodies (object 1 is the catalog) with a correct xref table, or a wrong one."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{(off * 7 + 13) if broken_xref else off:010d} 00000 n \n".encode()
    start = xref + 5 if broken_xref else xref
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
    return bytes(out)


def stream(data: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + b"\nendstream"


def text_page_objects(text: str = GOOD_TEXT, page_extra: str = "", contents: bytes | None = None) -> list[bytes]:
    words = text.split()
    lines = [" ".join(words[i:i + 10]) for i in range(0, len(words), 10)]
    ops = "BT /F1 11 Tf 14 TL 72 720 Td " + " ".join(f"({ln}) Tj T*" for ln in lines) + " ET"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
         f"/Contents 5 0 R {page_extra}>>").encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        contents if contents is not None else stream(ops.encode("latin-1")),
    ]


def flate_bomb(size: int = 1 << 30) -> bytes:
    """`size` bytes of zeros, deflated (1 GiB → about 1 MB)."""
    comp = zlib.compressobj(9)
    block = bytes(16 << 20)
    out = [comp.compress(block) for _ in range(size // len(block))]
    out.append(comp.flush())
    return b"".join(out)


def slow_pdf() -> bytes:
    """A 44 KB PDF whose one page holds 1.5 million text operators (22 MB inflated): pypdf needs
    ~20 s and ~350 MB to give up on it. For the time and memory limits, on a real parser."""
    ops = b"BT /F1 11 Tf 72 720 Td " + b"(ai) Tj 1 0 Td " * 1_500_000 + b"ET"
    return pdf(text_page_objects(contents=stream(zlib.compress(ops, 9), "/Filter /FlateDecode ")))


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf(text_page_objects())))
    writer = PdfWriter()
    writer.add_page(reader.pages[0])
    writer.encrypt(user_password="s3cret-user", owner_password="owner-pass", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz><p>&lol9;</p></lolz>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE doc [
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
 <!ENTITY % remote SYSTEM "file:///etc/hostname">
 %remote;
]>
<doc><p>&xxe;</p><p>""" + GOOD_TEXT.encode() + b"""</p></doc>
"""

XXE_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE doc SYSTEM "file:///etc/passwd">
<doc><p>""" + GOOD_TEXT.encode() + b"""</p></doc>
"""

CP1252_HTML = ("<html><head><title>Loi</title></head><body><main><h1>Article 1</h1><p>"
               + "Données à caractère personnel et l’intelligence artificielle — les systèmes d’IA à haut risque "
               "doivent être conçus de manière à garantir une surveillance humaine effective. " * 3
               + "</p></main></body></html>").encode("cp1252")


def make_hostile(folder: Path, shared: Path) -> dict[str, tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    real_pdf = (shared / "corpus" / "us-tn" / "ELVIS_Act_HB2091_SB2096.pdf").read_bytes()
    nested = "[" * 50_000 + "]" * 50_000
    files: dict[str, tuple[bytes | None, str, str]] = {
        "truncated_pdf": (real_pdf[: len(real_pdf) // 3], "application/pdf", "truncated.pdf"),
        "truncated_header_only_pdf": (real_pdf[:400], "application/pdf", "stub.pdf"),
        "broken_xref_pdf": (pdf(text_page_objects(), broken_xref=True), "application/pdf", "broken_xref.pdf"),
        "encrypted_pdf": (encrypted_pdf(), "application/pdf", "encrypted.pdf"),
        "nested_arrays_pdf": (pdf(text_page_objects(page_extra=f"/Junk {nested} ")), "application/pdf", "nested.pdf"),
        "flate_bomb_pdf": (pdf(text_page_objects(contents=stream(flate_bomb(), "/Filter /FlateDecode "))),
                           "application/pdf", "bomb.pdf"),
        "page_cycle_pdf": (pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                                b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1000000 >>",
                                b"<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1000000 >>"]),
                           "application/pdf", "cycle.pdf"),
        "huge_file_pdf": (None, "application/pdf", "huge.pdf"),  # sparse: 500 MB that cost no disk
        "html_cp1252_declared_utf8": (CP1252_HTML, "text/html; charset=utf-8", "wrong_charset.html"),
        "html_cp1252_no_charset": (CP1252_HTML, "text/html", "no_charset.html"),
        "xml_billion_laughs": (BILLION_LAUGHS, "application/xml", "lolz.xml"),
        "xml_xxe": (XXE, "application/xml", "xxe.xml"),
        "xml_xxe_dtd": (XXE_DTD, "application/xml", "xxe_dtd.xml"),
        "binary_as_html": (random.Random(7).randbytes(300_000), "text/html", "binary.html"),
        "empty_pdf": (b"", "application/pdf", "empty.pdf"),
        "empty_html": (b"", "text/html", "empty.html"),
        "whitespace_txt": (b" \n\t\n ", "text/plain", "blank.txt"),
    }
    out = {}
    for name, (data, ctype, filename) in files.items():
        path = folder / filename
        if data is None:
            with open(path, "wb") as f:
                f.truncate(500 * 1024 * 1024)
        else:
            path.write_bytes(data)
        out[name] = (path, ctype)
    return out
