#!/usr/bin/env python3
"""Writes ingest/tests/fixtures/two-columns.pdf: a two-column page drawn row by row.

The content stream shows a full-width title, then each row's left-column line followed by the
same row's right-column line (as some report generators do), then a centred page number. The
reading order is the title, the whole left column, the whole right column, the page number;
the content-stream order interleaves the columns. The font is Courier with explicit widths
(every glyph 600/1000 em), so no font program is needed. Text written here, no licence issue.
Usage: make-two-column-fixture.py
"""
import pathlib

out = pathlib.Path(__file__).resolve().parents[2] / "ingest" / "tests" / "fixtures" / "two-columns.pdf"

left = ["Mobile health apps help", "patients with diabetes", "record their glucose", "values and share them",
        "with their care team for", "remote tele-", "monitoring of therapy."]
right = ["Telehealth programmes in", "rural regions reduce the", "distance to specialists", "and shorten waiting",
         "times for consultations", "according to the trial", "reports reviewed here."]

ops = ["BT /F1 16 Tf 72 740 Td (Two columns drawn row by row) Tj ET"]
for row, (l, r) in enumerate(zip(left, right)):
    y = 700 - 13 * row
    ops.append(f"BT /F1 10 Tf 72 {y} Td ({l}) Tj ET")
    ops.append(f"BT /F1 10 Tf 316 {y} Td ({r}) Tj ET")
ops.append("BT /F1 9 Tf 303 40 Td (1) Tj ET")
content = ("\n".join(ops) + "\n").encode("ascii")

widths = " ".join(["600"] * 224)
objects = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> >> >>",
    b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
    f"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding"
    f" /FirstChar 32 /LastChar 255 /Widths [{widths}] >>".encode("ascii"),
]
pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for number, body in enumerate(objects, start=1):
    offsets.append(len(pdf))
    pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
xref = len(pdf)
pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
for offset in offsets:
    pdf += b"%010d 00000 n \n" % offset
pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
out.parent.mkdir(parents=True, exist_ok=True)
out.write_bytes(pdf)
print(out, len(pdf), "bytes")
