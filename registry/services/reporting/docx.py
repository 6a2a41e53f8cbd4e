"""A small Word (.docx) writer on the standard library: title, headings, paragraphs, bullet and numbered items,
tables and a page header — what an editable report needs.

Why not python-docx: it depends on lxml, and with lxml installed openpyxl switches its own XML reading and
writing to lxml, which changes how workbooks are parsed (entity handling, carriage returns). The registry's
workbook import relies on openpyxl's standard-library parser, so the report writes its DOCX here instead.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/header1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

PACKAGE_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
 Target="docProps/core.xml"/>
</Relationships>"""

DOCUMENT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
 Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
 Target="header1.xml"/>
</Relationships>"""


def _style(style_id: str, name: str, size: int, bold: bool = False, colour: str = "000000", outline=None) -> str:
    level = f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else ""
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/><w:basedOn w:val="Normal"/>'
        f'<w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/>{level}'
        f'</w:pPr><w:rPr>{"<w:b/>" if bold else ""}<w:color w:val="{colour}"/><w:sz w:val="{size}"/></w:rPr>'
        "</w:style>"
    )


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{W}">'
    '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:cs="Arial"/>'
    '<w:sz w:val="20"/><w:lang w:val="fr-FR"/></w:rPr></w:rPrDefault>'
    '<w:pPrDefault><w:pPr><w:spacing w:after="80"/></w:pPr></w:pPrDefault></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>'
    + _style("Title", "Title", 40, True, "1F3864")
    + _style("Heading1", "heading 1", 28, True, "0072B2", 0)
    + _style("Heading2", "heading 2", 24, True, "333333", 1)
    + '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders>'
    + "".join(f'<w:{side} w:val="single" w:sz="4" w:color="999999"/>' for side in ("top", "left", "bottom", "right"))
    + '<w:insideH w:val="single" w:sz="4" w:color="999999"/><w:insideV w:val="single" w:sz="4" w:color="999999"/>'
    + "</w:tblBorders></w:tblPr></w:style></w:styles>"
)


def _run(text: str, bold: bool = False, italic: bool = False) -> str:
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    return f'<w:r>{f"<w:rPr>{props}</w:rPr>" if props else ""}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


class DocxDocument:
    """Paragraphs and tables added in order; ``save()`` returns the .docx bytes."""

    def __init__(self, title: str, header: str = "") -> None:
        self.title, self.header = title, header
        self.body: list[str] = []

    def paragraph(self, text: str, *, style: str | None = None, bold=False, italic=False, prefix: str = "") -> None:
        props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        self.body.append(f"<w:p>{props}{_run(prefix + text, bold, italic)}</w:p>")

    def heading(self, text: str, level: int = 1) -> None:
        self.paragraph(text, style="Title" if level == 0 else f"Heading{level}")

    def bullet(self, text: str) -> None:
        self.paragraph(text, prefix="• ")

    def table(self, headers: list[str], rows: list[list[str]], numeric: list[bool] | None = None) -> None:
        numeric = numeric or [False] * len(headers)

        def cell(text: str, bold: bool, right: bool) -> str:
            align = '<w:pPr><w:jc w:val="right"/></w:pPr>' if right else ""
            return f"<w:tc><w:p>{align}{_run(text, bold)}</w:p></w:tc>"

        head = "".join(cell(h, True, n) for h, n in zip(headers, numeric, strict=False))
        lines = "".join(
            "<w:tr>" + "".join(cell(t, False, n) for t, n in zip(row, numeric, strict=False)) + "</w:tr>"
            for row in rows
        )
        self.body.append(
            '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/></w:tblPr>'
            f"<w:tr><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>{lines}</w:tbl><w:p/>"
        )

    def save(self) -> bytes:
        document = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}" xmlns:r="{R}">'
            f"<w:body>{''.join(self.body)}"
            '<w:sectPr><w:headerReference w:type="default" r:id="rId2"/>'
            '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1418" w:right="1134" w:bottom="1134" w:left="1134" '
            'w:header="567" w:footer="567" w:gutter="0"/></w:sectPr></w:body></w:document>'
        )
        header = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr xmlns:w="{W}">'
            f"<w:p>{_run(self.header)}</w:p></w:hdr>"
        )
        core = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{escape(self.title)}</dc:title><dc:language>fr-FR</dc:language></cp:coreProperties>"
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", CONTENT_TYPES)
            archive.writestr("_rels/.rels", PACKAGE_RELS)
            archive.writestr("word/_rels/document.xml.rels", DOCUMENT_RELS)
            archive.writestr("word/document.xml", document)
            archive.writestr("word/styles.xml", STYLES)
            archive.writestr("word/header1.xml", header)
            archive.writestr("docProps/core.xml", core)
        return buffer.getvalue()


def paragraphs_of(data: bytes) -> list[str]:
    """The text of every paragraph of a .docx (table cells included), in order — to read one back."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ET.fromstring(archive.read("word/document.xml"))  # noqa: S314 - a document this module wrote
    ns = {"w": W}
    return ["".join(t.text or "" for t in p.iterfind(".//w:t", ns)) for p in root.iterfind(".//w:p", ns)]
