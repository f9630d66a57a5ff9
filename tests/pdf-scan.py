#!/usr/bin/env python3
"""pdf-scan.py [--lang=TAG] IN.pgm... OUT.pdf DPI: wraps 8-bit grey PGM page images
(as pdftoppm -gray writes them) into an image-only PDF, one page each, of
the size the images have at DPI: a scan without a text layer, made with the
standard library only (zlib).  --lang puts /Lang (TAG) in the catalog."""
import sys
import zlib


def read_pgm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P5" or fields[3] != b"255":
        sys.exit("pdf-scan.py: %s: not an 8-bit binary PGM" % path)
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1:pos + 1 + w * h]


def main():
    args = sys.argv[1:]
    lang = b""
    if args and args[0].startswith("--lang="):
        lang = b" /Lang (%s)" % args.pop(0)[7:].encode()
    *ins, out, dpi = args
    dpi = float(dpi)
    objs = [None, None]          # 1: catalog, 2: pages
    kids = []
    for path in ins:
        w, h, px = read_pgm(path)
        img = zlib.compress(px, 6)
        objs.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                    b"/ColorSpace /DeviceGray /BitsPerComponent 8 "
                    b"/Filter /FlateDecode /Length %d >>\nstream\n" % (w, h, len(img))
                    + img + b"\nendstream")
        im = len(objs)
        pw, ph = w * 72 / dpi, h * 72 / dpi
        cs = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (pw, ph)
        objs.append(b"<< /Length %d >>\nstream\n" % len(cs) + cs + b"\nendstream")
        content = len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
                    b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                    % (pw, ph, im, content))
        kids.append(len(objs))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R%s >>" % lang
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        pdf += b"%010d 00000 n \n" % off
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, xref)
    open(out, "wb").write(pdf)


if __name__ == "__main__":
    main()
