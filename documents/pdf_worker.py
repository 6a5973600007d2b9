"""Read a PDF from standard input and print, as JSON, what the site needs to know.

documents/pdf.py runs this as a child process, so that a hostile file (one
that keeps pypdf busy for minutes or fills the memory) costs a refused
upload instead of a web worker. The limits are set here, first thing, from
the command line: seconds of CPU time and bytes of address space. It imports
only the standard library and pypdf, so that it starts in a tenth of a
second, and it never writes a file.

    python pdf_worker.py SECONDS BYTES < file.pdf

Prints {"refused": "unreadable" | "encrypted" | "no_pages"} or
{"page_count": ..., "is_encrypted": ..., "text": ..., "is_text_complete": ...,
"active_content": [...]}. Exits with OUT_OF_MEMORY when the memory ran out;
the kernel ends it (SIGXCPU, then SIGKILL) when the CPU time did.
"""

import io
import json
import logging
import os
import resource
import sys
import time

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

OUT_OF_MEMORY = 3
MAX_PAGES = 300
MAX_CHARACTERS = 500_000
# Text is a nice-to-have: stop reading pages once this share of the time is
# spent, so that a long but honest PDF is stored with part of its text rather
# than refused. The checks themselves must finish within the whole limit.
TEXT_SHARE_OF_TIME = 0.5

# What a PDF viewer would run or open: keys and /S (action type) values.
ACTIVE_KEYS = {
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/EmbeddedFiles": "embedded_file",
    "/EF": "embedded_file",
    "/RichMediaContent": "rich_media",
    "/RichMediaSettings": "rich_media",
}
ACTIVE_ACTIONS = {"/JavaScript": "javascript", "/Launch": "launch"}
ACTIVE_TYPES = {
    "/EmbeddedFile": "embedded_file",
    "/FileAttachment": "embedded_file",
    "/RichMedia": "rich_media",
}


def limit_resources(seconds, memory_bytes):
    # SIGXCPU at the soft limit, SIGKILL a second later if it is ignored.
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # A process killed for its CPU time would otherwise leave a core dump.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def read_input():
    stdin = sys.stdin.buffer
    # The parent passes a file on disk as it is; bytes from a pipe are kept in memory.
    return stdin if stdin.seekable() else io.BytesIO(stdin.read())


def active_content(reader):
    """Kinds of active content in the objects reachable from the trailer."""
    found, seen = set(), set()
    # Each indirect object is visited once, so the walk is linear in the file's size.
    pending = [reader.trailer]
    while pending:
        value = pending.pop()
        if isinstance(value, IndirectObject):
            if (value.idnum, value.generation) in seen:
                continue
            seen.add((value.idnum, value.generation))
            try:
                value = value.get_object()
            except Exception:
                # A broken reference leads nowhere a viewer could go either.
                continue
        if isinstance(value, DictionaryObject):
            # Includes streams: their dictionaries, never their decoded contents.
            for key, item in value.items():
                if key in ACTIVE_KEYS:
                    found.add(ACTIVE_KEYS[key])
                if isinstance(item, NameObject):
                    if key == "/S" and item in ACTIVE_ACTIONS:
                        found.add(ACTIVE_ACTIONS[item])
                    elif key in ("/Type", "/Subtype") and item in ACTIVE_TYPES:
                        found.add(ACTIVE_TYPES[item])
                pending.append(item)
        elif isinstance(value, ArrayObject):
            pending.extend(value)
    return sorted(found)


def page_texts(reader, deadline):
    """The text of the first pages, and False if time ran out or a page failed."""
    pieces, length = [], 0
    pages = reader.pages
    for number in range(min(len(pages), MAX_PAGES)):
        if time.monotonic() > deadline:
            return pieces, False
        try:
            piece = pages[number].extract_text() or ""
        except MemoryError:
            raise
        except Exception:
            # pypdf raises many kinds of error on odd pages; search can do without them.
            return pieces, False
        pieces.append(piece)
        length += len(piece)
        if length >= MAX_CHARACTERS:
            break
    return pieces, True


def inspect(stream, deadline):
    try:
        reader = PdfReader(stream)
        is_encrypted = reader.is_encrypted
        if is_encrypted and not reader.decrypt(""):
            return {"refused": "encrypted"}
        page_count = len(reader.pages)
        found = active_content(reader)
    except MemoryError:
        raise
    except Exception:
        # pypdf raises many kinds of error on damaged or hostile files; to the
        # editor they all mean the same thing.
        return {"refused": "unreadable"}
    if page_count < 1:
        return {"refused": "no_pages"}
    pieces, is_text_complete = page_texts(reader, deadline)
    # PostgreSQL refuses NUL characters in text.
    text = "\n".join(pieces)[:MAX_CHARACTERS].replace("\x00", "")
    return {
        "page_count": page_count,
        "is_encrypted": is_encrypted,
        "text": text,
        "is_text_complete": is_text_complete,
        "active_content": found,
    }


def main(arguments):
    started = time.monotonic()
    seconds, memory_bytes = int(arguments[0]), int(arguments[1])
    limit_resources(seconds, memory_bytes)
    # A hostile file can make pypdf warn millions of times; the parent reads
    # standard error only to report a crash.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        result = inspect(read_input(), started + seconds * TEXT_SHARE_OF_TIME)
        output = json.dumps(result)
    except MemoryError:
        # Leave without unwinding further: that could need memory too.
        os._exit(OUT_OF_MEMORY)
    sys.stdout.write(output)
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
