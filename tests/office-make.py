#!/usr/bin/env python3
"""office-make.py KIND OUT: writes a test document for quarry-office.

KIND is docx, odt, epub (documents with headings, lists, a table, a
footnote, a page break and metadata), bomb (a DOCX whose document.xml
expands 1000-fold), liar (the same, its headers claiming 1000
bytes), traversal (an EPUB with an entry ../evil), refpath (an
EPUB whose spine leaves the archive), ods (an OpenDocument spreadsheet),
xlsx (an Office Open XML workbook), many (an ODT of 30 entries), truncated
(a DOCX cut in half) or badxml (a DOCX whose document.xml is not XML).
Only the standard library (zipfile) is used.
"""
import struct
import sys
import zipfile

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""

DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.org/" TargetMode="External"/>
</Relationships>"""

CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>Quarterly  Report</dc:title>
<dc:creator>Ada Lovelace; Charles Babbage</dc:creator>
<cp:lastModifiedBy>Someone Else</cp:lastModifiedBy>
<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-01T09:30:00Z</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-02T10:00:00+01:00</dcterms:modified>
<dc:language>en-GB</dc:language>
<dc:subject>Finance</dc:subject>
<cp:keywords>revenue, costs</cp:keywords>
</cp:coreProperties>"""

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles %s>
<w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="fr-FR"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Kapitel"><w:name w:val="Kapitel"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/></w:style>
</w:styles>""" % W

NUMBERING = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering %s>
<w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="&#8226;"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="bullet"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%%1."/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>""" % W

FOOTNOTES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes %s>
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> Audited by  the board.</w:t></w:r></w:p></w:footnote>
</w:footnotes>""" % W


def p(text, style=None, extra=""):
    ppr = ""
    if style or extra:
        ppr = "<w:pPr>%s%s</w:pPr>" % (
            '<w:pStyle w:val="%s"/>' % style if style else "", extra)
    return "<w:p>%s<w:r><w:t xml:space=\"preserve\">%s</w:t></w:r></w:p>" % (
        ppr, text)


def li(text, num, lvl=0):
    return p(text, extra='<w:numPr><w:ilvl w:val="%d"/><w:numId w:val="%d"/>'
             '</w:numPr>' % (lvl, num))


def cell(text, extra=""):
    return "<w:tc><w:tcPr>%s</w:tcPr>%s</w:tc>" % (extra, p(text))


DOCUMENT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document %s xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>
%s
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Sales</w:t></w:r><w:r><w:t xml:space="preserve"> and costs</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Revenue grew by  12%%</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>.</w:t></w:r><w:del><w:r><w:delText>Deleted words.</w:delText></w:r></w:del><w:ins><w:r><w:t xml:space="preserve"> Inserted words.</w:t></w:r></w:ins></w:p>
<w:p><w:r><w:t>Line one</w:t></w:r><w:r><w:br/></w:r><w:r><w:t>line two</w:t></w:r><w:r><w:tab/><w:t>tabbed</w:t></w:r></w:p>
%s%s%s%s%s%s
<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>
<w:tr>%s%s%s</w:tr>
<w:tr>%s%s%s</w:tr>
<w:tr>%s%s</w:tr>
</w:tbl>
<w:p><w:r><w:t>Before the break.</w:t></w:r><w:r><w:br w:type="page"/></w:r><w:r><w:t>After the break.</w:t></w:r></w:p>
%s
<w:p><w:pPr><w:pStyle w:val="Kapitel"/></w:pPr><w:hyperlink r:id="rId4" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:r><w:t>Outline level three</w:t></w:r></w:hyperlink></w:p>
<w:sdt><w:sdtContent>%s</w:sdtContent></w:sdt>
<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
<w:sectPr/>
</w:body></w:document>""" % (
    W,
    p("Quarterly Report", "Title"),
    p("First bullet", "ListBullet"),
    li("Nested bullet", 1, 1),
    li("Second bullet", 1),
    li("Step one", 2),
    li("Step one a", 2, 1),
    li("Step two", 2),
    cell("Region"), cell("Q1"), cell("Q2"),
    cell("North | East"), cell("10"), cell("12"),
    cell("Total", '<w:gridSpan w:val="2"/>'), cell("22"),
    p("New page heading", "Heading2", '<w:pageBreakBefore/>'),
    p("Inside a content control."),
)


def docx(out, document=DOCUMENT, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(out, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/_rels/document.xml.rels", DOC_RELS)
        z.writestr("word/document.xml", document)
        z.writestr("word/styles.xml", STYLES)
        z.writestr("word/numbering.xml", NUMBERING)
        z.writestr("word/footnotes.xml", FOOTNOTES)
        z.writestr("docProps/core.xml", CORE)


ODF = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
       'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" '
       'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"')

ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content %s office:version="1.3">
<office:automatic-styles>
<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:break-before="page"/></style:style>
<text:list-style style:name="L1"><text:list-level-style-bullet text:level="1" text:bullet-char="*"/><text:list-level-style-bullet text:level="2" text:bullet-char="-"/></text:list-style>
<text:list-style style:name="L2"><text:list-level-style-number text:level="1" style:num-format="1" text:start-value="3"/></text:list-style>
</office:automatic-styles>
<office:body><office:text>
<text:sequence-decls/>
<text:p text:style-name="Title">Field  Notes</text:p>
<text:table-of-content><text:index-body><text:p>Contents 1</text:p></text:index-body></text:table-of-content>
<text:h text:outline-level="1">Birds</text:h>
<text:p>Seen<text:s text:c="3"/>today<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Near the river.</text:p></text:note-body></text:note>: a <text:span>heron</text:span>.<office:annotation><text:p>private remark</text:p></office:annotation></text:p>
<text:list text:style-name="L1">
<text:list-item><text:p>Heron</text:p><text:list><text:list-item><text:p>Grey heron</text:p></text:list-item></text:list></text:list-item>
<text:list-item><text:p>Kingfisher</text:p></text:list-item>
</text:list>
<text:list text:style-name="L2">
<text:list-item><text:p>Third</text:p></text:list-item>
<text:list-item><text:p>Fourth</text:p></text:list-item>
</text:list>
<table:table table:name="T1"><table:table-column table:number-columns-repeated="2"/>
<table:table-header-rows><table:table-row><table:table-cell><text:p>Bird</text:p></table:table-cell><table:table-cell><text:p>Count</text:p></table:table-cell></table:table-row></table:table-header-rows>
<table:table-row><table:table-cell><text:p>Heron</text:p></table:table-cell><table:table-cell><text:p>2</text:p></table:table-cell></table:table-row>
</table:table>
<text:h text:outline-level="2" text:style-name="P1">Second<text:line-break/>page</text:h>
<text:section text:name="S1"><text:p>In a section.</text:p></text:section>
</office:text></office:body></office:document-content>""" % ODF

ODT_META = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta %s office:version="1.3"><office:meta>
<dc:title>Field Notes</dc:title>
<meta:initial-creator>Gilbert White</meta:initial-creator>
<dc:creator>Last Editor</dc:creator>
<meta:creation-date>2023-05-04T08:00:00</meta:creation-date>
<dc:date>2023-05-06T18:30:00.123</dc:date>
<dc:language>en-GB</dc:language>
<meta:keyword>birds</meta:keyword><meta:keyword>river</meta:keyword>
</office:meta></office:document-meta>""" % ODF

ODT_STYLES = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles %s><office:styles>
<style:default-style style:family="paragraph"><style:text-properties fo:language="de" fo:country="DE"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph"/>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard"/>
</office:styles></office:document-styles>""" % ODF


def odt(out, mimetype="application/vnd.oasis.opendocument.text",
        content=ODT_CONTENT, extra=0):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype,
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", "<manifest/>")
        z.writestr("content.xml", content)
        z.writestr("meta.xml", ODT_META)
        z.writestr("styles.xml", ODT_STYLES)
        for i in range(extra):
            z.writestr("Pictures/%d.txt" % i, "x")


CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

OPF = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:uuid:1</dc:identifier>
<dc:title>A Small Book</dc:title>
<dc:creator>Jane Austen</dc:creator>
<dc:creator>Mary Shelley</dc:creator>
<dc:language>en</dc:language>
<dc:date>1818-01-01</dc:date>
<dc:publisher>Lackington</dc:publisher>
<dc:subject>Fiction</dc:subject><dc:subject>Gothic</dc:subject>
<meta property="dcterms:modified">2020-02-03T04:05:06Z</meta>
</metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="c1" href="text/chapter%%201.xhtml" media-type="application/xhtml+xml"/>
<item id="c2" href="text/../text/ch2.xhtml" media-type="application/xhtml+xml"/>
<item id="css" href="style.css" media-type="text/css"/>
</manifest>
<spine><itemref idref="nav"/><itemref idref="c1"/><itemref idref="c2"/>%s</spine>
</package>"""

XHTML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>%s</title><style>p{}</style></head>
<body>%s</body></html>"""


def epub(out, extra_spine="", extra_entries=()):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", CONTAINER)
        z.writestr("OEBPS/content.opf", OPF % extra_spine)
        z.writestr("OEBPS/nav.xhtml", XHTML % ("Contents",
                   "<nav epub:type=\"toc\"><ol><li>Chapter One</li></ol></nav>"))
        z.writestr("OEBPS/text/chapter 1.xhtml", XHTML % ("One",
                   "<h1>Chapter One</h1><p>It was a <em>dark</em> night.</p>"
                   "<ul><li>candles</li><li>wind</li></ul>"))
        z.writestr("OEBPS/text/ch2.xhtml", XHTML % ("Two",
                   "<h2>Chapter Two</h2><table><tr><th>Name</th><th>Age</th></tr>"
                   "<tr><td>Victor</td><td>25</td></tr></table>"
                   "<ol><li>first</li><li>second</li></ol>"))
        z.writestr("OEBPS/style.css", "p { margin: 0 }")
        for name, data in extra_entries:
            z.writestr(name, data)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "docx":
        docx(out)
    elif kind == "odt":
        odt(out)
    elif kind == "epub":
        epub(out)
    elif kind == "bomb":
        # 40 MB of one repeated paragraph compresses about 1000-fold.
        body = "<w:p><w:r><w:t>" + "a" * 1000 + "</w:t></w:r></w:p>"
        docx(out, '<w:document %s><w:body>%s</w:body></w:document>' % (
            W, body * 40000))
    elif kind == "liar":
        # The bomb, with headers claiming document.xml holds 1000 bytes.
        body = "<w:p><w:r><w:t>" + "a" * 1000 + "</w:t></w:r></w:p>"
        docx(out, '<w:document %s><w:body>%s</w:body></w:document>' % (
            W, body * 40000))
        d = bytearray(open(out, "rb").read())
        name = b"word/document.xml"
        for sig, size_at, name_at, len_at in ((b"PK\x03\x04", 22, 30, 26),
                                              (b"PK\x01\x02", 24, 46, 28)):
            i = d.find(sig)
            while i >= 0:
                n = struct.unpack_from("<H", d, i + len_at)[0]
                if d[i + name_at:i + name_at + n] == name:
                    struct.pack_into("<I", d, i + size_at, 1000)
                i = d.find(sig, i + 4)
        open(out, "wb").write(d)
    elif kind == "traversal":
        epub(out, extra_entries=[("../evil.xhtml", "<p>evil</p>")])
    elif kind == "refpath":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip",
                       compress_type=zipfile.ZIP_STORED)
            z.writestr("META-INF/container.xml", CONTAINER)
            z.writestr("OEBPS/content.opf", (OPF % "").replace(
                "text/chapter%201.xhtml", "../../etc/passwd"))
    elif kind == "ods":
        odt(out, mimetype="application/vnd.oasis.opendocument.spreadsheet")
    elif kind == "xlsx":
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("[Content_Types].xml", CONTENT_TYPES.replace(
                "wordprocessingml.document.main", "spreadsheetml.sheet.main"))
    elif kind == "many":
        odt(out, extra=30)
    elif kind == "truncated":
        docx(out)
        data = open(out, "rb").read()
        open(out, "wb").write(data[:len(data) // 2])
    elif kind == "badxml":
        docx(out, document="<w:document><w:body><w:p></w:body>")
    else:
        sys.exit("office-make.py: unknown kind " + kind)


if __name__ == "__main__":
    main()
