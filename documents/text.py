"""The text of uploaded files, for search.

Only PDFs are read (pypdf); office files are searched by their title and
description. Extraction is bounded so that a huge or hostile file cannot
hold up an upload, and a file that cannot be read simply has no text.
"""

import logging

from pypdf import PdfReader

logger = logging.getLogger(__name__)

MAX_PAGES = 300
MAX_CHARACTERS = 500_000


def extract_text(uploaded_file, *, content_type):
    if content_type != "application/pdf":
        return ""
    uploaded_file.seek(0)
    pieces, length = [], 0
    try:
        reader = PdfReader(uploaded_file)
        for page in reader.pages[:MAX_PAGES]:
            piece = page.extract_text() or ""
            pieces.append(piece)
            length += len(piece)
            if length >= MAX_CHARACTERS:
                break
    except Exception:
        # pypdf raises many kinds of error on odd files; search can do without.
        logger.warning("Could not extract text from %s", getattr(uploaded_file, "name", "a file"))
    finally:
        uploaded_file.seek(0)
    # PostgreSQL refuses NUL characters in text.
    return "\n".join(pieces)[:MAX_CHARACTERS].replace("\x00", "")
