"""Write small text-only PDF files without a PDF library.

Not used to serve anything: it makes the clearly labelled sample project plan
that `load_hallingdal` installs, the made-up files of `generate_bulk_data`,
and test files of a known size and page count. Text is set in Helvetica with
WinAnsiEncoding, which covers Norwegian letters.
"""


def _escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _page_stream(lines):
    commands = ["BT", "/F1 12 Tf", "15 TL", "56 780 Td"]
    for number, line in enumerate(lines):
        if number == 0:
            commands.append("/F1 18 Tf")
        commands.append(f"({_escape(line)}) '")
        if number == 0:
            commands.append("/F1 12 Tf")
    commands.append("ET")
    return "\n".join(commands).encode("cp1252")


def text_pdf(pages, *, padding=0):
    """Return the bytes of a PDF with one page per list of lines in `pages`.

    `padding` adds that many bytes of comment at the end of the first page's
    content stream, to make a file of a given size for tests and benchmarks.
    """
    objects = []

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree's number is known
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids = []
    for index, lines in enumerate(pages):
        stream = _page_stream(lines)
        if index == 0 and padding:
            stream += b"\n%" + b"x" * max(padding - 2, 0)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_id, font, content)
            )
        )
    kids = b" ".join(b"%d 0 R" % page_id for page_id in page_ids)
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))

    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(output))
        output += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        output += b"%010d 00000 n \n" % offset
    output += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref_at,
    )
    return bytes(output)
