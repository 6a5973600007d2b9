"""HTTP responses that send a stored document file.

Django's FileResponse streams well but sends no ASCII fallback file name and
ignores Range, so this module adds what a document archive needs: both
filename forms, validators for conditional requests, single byte ranges and
headers that keep a browser from running anything in the file.
"""

import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from storages.backends.s3 import S3File

from .validators import clean_filename

CHUNK_SIZE = 64 * 1024
RANGE_HEADER = re.compile(r"^bytes=(\d*)-(\d*)$")
# Letters that Unicode does not decompose into an ASCII base letter.
ASCII_SPELLINGS = str.maketrans(
    {
        "æ": "ae",
        "Æ": "Ae",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "–": "-",
        "—": "-",
        "«": "(",
        "»": ")",
    }
)
# RFC 5987 attr-char: what may stand unescaped in filename*=.
ATTR_CHARS = "!#$&+-.^_`|~"


def ascii_filename(filename):
    """The nearest plain-ASCII spelling of a name, for filename=."""
    spelled = unicodedata.normalize("NFKD", filename.translate(ASCII_SPELLINGS))
    text = spelled.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9 ._()\[\],+-]", "_", text)
    text = " ".join(text.split())
    stem, dot, extension = text.rpartition(".")
    if dot and not stem.strip(" ._"):
        text = f"document.{extension}"
    return text.strip() or "document"


def content_disposition(filename, *, inline=False):
    """`attachment; filename="plan.pdf"; filename*=UTF-8''pl%C3%A5n.pdf`."""
    name = clean_filename(filename)
    disposition = "inline" if inline else "attachment"
    return (
        f'{disposition}; filename="{ascii_filename(name)}"; '
        f"filename*=UTF-8''{quote(name, safe=ATTR_CHARS)}"
    )


def parse_range(header, size):
    """Return (start, end) for one satisfiable byte range, "unsatisfiable", or None.

    None means: no usable Range header, so send the whole file (RFC 9110
    lets a server ignore Range, which is what it does for several ranges).
    """
    match = RANGE_HEADER.match(header.replace(" ", "")) if header else None
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix_length = int(last)
        if suffix_length == 0:
            return "unsatisfiable"
        return max(size - suffix_length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, end


def range_applies(request, etag, last_modified):
    """If-Range: use the range only if the client's copy is still this one."""
    if_range = request.headers.get("If-Range")
    if not if_range:
        return True
    if if_range.startswith(('"', "W/")):
        return if_range == etag
    date = parse_http_date_safe(if_range)
    return date is not None and date == int(last_modified.timestamp())


def open_from(storage, name, start=0):
    """The stored file for reading from byte `start` on, without fetching what comes before.

    An S3 storage's own file downloads the whole object before the first
    read (and again for every range a PDF viewer asks for), so from a bucket
    the bytes are streamed straight from S3's answer to a ranged GET.
    """
    stored = storage.open(name, "rb")
    if isinstance(stored, S3File):
        return stored.obj.get(Range=f"bytes={start}-")["Body"]
    stored.seek(start)
    return stored


def file_response(request, *, version, storage, name, size, last_modified, inline=False):
    """Send a version's file, whole or one range, or 304/412/416 as the request asks.

    The file `name` in `storage` is opened only when bytes are to be sent
    (not for HEAD, 304 or 416). Returns (response, counts_as_download).
    """
    etag = quote_etag(version.sha256)
    headers = {
        "Content-Type": version.content_type,
        "Content-Disposition": content_disposition(version.original_filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
        "ETag": etag,
        "Last-Modified": http_date(last_modified.timestamp()),
        "Accept-Ranges": "bytes",
        # Public, but ask again each time: the stable address may serve a newer
        # version, and an unpublished one must stop being served at once.
        "Cache-Control": "public, no-cache",
    }
    validators_only = HttpResponse(headers=headers)
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp()), response=validators_only
    )
    if conditional is not validators_only:
        return conditional, False

    byte_range = None
    if range_applies(request, etag, last_modified):
        byte_range = parse_range(request.headers.get("Range", ""), size)
    if byte_range == "unsatisfiable":
        response = HttpResponse(status=416, headers=headers)
        response["Content-Range"] = f"bytes */{size}"
        del response["Content-Disposition"]
        return response, False

    start, end = byte_range or (0, size - 1)
    length = end - start + 1
    status = 206 if byte_range else 200
    # A browser's PDF viewer fetches many ranges; count the reads that start at the top.
    counts = request.method == "GET" and start == 0

    if request.method == "HEAD":
        response = HttpResponse(status=status, headers=headers)
    elif byte_range is None:
        # FileResponse lets the WSGI server use sendfile for a whole file on disk.
        response = FileResponse(open_from(storage, name), content_type=version.content_type)
        response.block_size = CHUNK_SIZE
        for header, value in headers.items():
            response[header] = value
    else:
        response = StreamingHttpResponse(
            _read_range(open_from(storage, name, start), length), status=206, headers=headers
        )
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response, counts


def _read_range(stored_file, length):
    with stored_file:
        remaining = length
        while remaining > 0:
            chunk = stored_file.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def signed_redirect(storage, name, *, version, seconds, inline=False):
    """A 302 to a signed address of the stored file that expires after `seconds`.

    The storage answers with the file name and type our own response would
    give, so the browser saves the same file. The redirect itself is never
    cached: it would outlive its address, and must stop when the file is
    unpublished.
    """
    address = storage.url(
        name,
        parameters={
            "ResponseContentDisposition": content_disposition(
                version.original_filename, inline=inline
            ),
            "ResponseContentType": version.content_type,
        },
        expire=seconds,
    )
    response = HttpResponseRedirect(address)
    response["Cache-Control"] = "private, no-store"
    return response
