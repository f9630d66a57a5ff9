#!/usr/bin/env python3
"""pdf-furniture.py OUT: writes a PDF of six pages whose only lines are the
same two at the top of every page (a running header), which quarry-pdf
drops as furniture (tests/messages.test)."""
import sys
def pdf(pages, out):
    objs = []
    def add(b): objs.append(b); return len(objs)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    pages_id = len(objs) + 1 + 2*len(pages)  # placeholder computed later
    contents = []
    for lines in pages:
        stream = b"".join(b"BT /F1 11 Tf 72 %d Td (%s) Tj ET\n" % (y, t.encode()) for y, t in lines)
        cid = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        contents.append(cid)
    pages_id = len(objs) + len(pages) + 1
    for cid in contents:
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_id, font, cid)))
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))) == pages_id
    cat = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    data = b"%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(data))
        data += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs: data += b"%010d 00000 n \n" % o
    data += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, cat, x)
    open(out, "wb").write(data)
n = 6
pdf([[(750, "ACME Corporation Annual Report 2024"), (736, "Confidential - do not distribute")] for i in range(n)], sys.argv[1])
