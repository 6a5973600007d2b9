"""Read an uploaded PDF once, in a child process with limits on time and memory.

pypdf is pure Python: a small hostile file can keep it busy for half an hour
or make it take gigabytes, and a web worker doing that would be killed with
the upload. So documents/pdf_worker.py does all the reading (the checks, the
page count, the text for search, the search for active content) in one pass
in a child process, which the kernel stops past its CPU time and memory and
this module stops past its wall-clock time.
"""

import hashlib
import json
import logging
import signal
import subprocess
import sys
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .pdf_worker import OUT_OF_MEMORY

logger = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("pdf_worker.py")
# Well under gunicorn's 30 second timeout, so the editor gets an answer.
DEFAULT_TIME_LIMIT = 20
DEFAULT_MEMORY_LIMIT = 512

REFUSALS = {
    "unreadable": _("The PDF could not be read. It may be damaged; try saving it again as PDF."),
    "encrypted": _("The PDF is protected by a password. Upload a copy without one."),
    "no_pages": _("The PDF has no pages."),
}
# How a child ended when the kernel stopped it for its CPU time.
CPU_LIMIT_SIGNALS = {-signal.SIGXCPU, -signal.SIGKILL}


@dataclass(frozen=True)
class PdfContents:
    page_count: int
    text: str
    active_content: tuple[str, ...]


def time_limit():
    """Seconds a PDF may take to read before it is refused as too complex."""
    return int(getattr(settings, "DOCUMENT_PDF_TIME_LIMIT", DEFAULT_TIME_LIMIT))


def memory_limit():
    """Megabytes of memory a PDF may take to read before it is refused as too complex."""
    return int(getattr(settings, "DOCUMENT_PDF_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT))


# What the last few files read to: the same file uploaded again (to another
# document, or after a refusal for another reason) is not read twice.
_recently_read = OrderedDict()
RECENTLY_READ_FILES = 16


def read_pdf(uploaded_file):
    """Check a PDF and read its page count, text and active content, or raise ValidationError."""
    key = (_sha256(uploaded_file), time_limit(), memory_limit())
    if key in _recently_read:
        _recently_read.move_to_end(key)
        return _recently_read[key]
    contents = _read_in_child(uploaded_file)
    _recently_read[key] = contents
    while len(_recently_read) > RECENTLY_READ_FILES:
        _recently_read.popitem(last=False)
    return contents


def _sha256(uploaded_file):
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def _read_in_child(uploaded_file):
    seconds, megabytes = time_limit(), memory_limit()
    # -I: only the standard library and the installed packages, whatever the environment says.
    command = [sys.executable, "-I", str(WORKER), str(seconds), str(megabytes * 1024 * 1024)]
    uploaded_file.seek(0)
    try:
        completed = _run(command, uploaded_file, timeout=seconds)
    except subprocess.TimeoutExpired:
        # subprocess.run has killed the child and waited for it.
        raise _too_slow(seconds) from None
    except OSError as error:
        logger.exception("Could not start the PDF reader")
        raise _check_failed() from error
    finally:
        uploaded_file.seek(0)

    if completed.returncode in CPU_LIMIT_SIGNALS:
        raise _too_slow(seconds)
    if completed.returncode == OUT_OF_MEMORY:
        raise ValidationError(
            _(
                "The PDF is too complex to check within %(megabytes)s MB of memory; save it "
                "again as PDF (for example “Save as PDF” / “Print to PDF”) and upload that copy."
            ),
            code="too_complex",
            params={"megabytes": megabytes},
        )
    try:
        if completed.returncode != 0:
            raise ValueError(f"exit status {completed.returncode}")
        result = json.loads(completed.stdout)
    except ValueError as error:
        logger.error(
            "The PDF reader failed (%s): %s",
            error,
            completed.stderr[-2000:].decode(errors="replace"),
        )
        raise _check_failed() from error

    if "refused" in result:
        raise ValidationError(REFUSALS[result["refused"]], code=result["refused"])
    if not result["is_text_complete"]:
        logger.warning("Only part of the text of %s could be read", uploaded_file.name)
    return PdfContents(
        page_count=result["page_count"],
        text=result["text"],
        active_content=tuple(result["active_content"]),
    )


def _run(command, uploaded_file, *, timeout):
    options = {"capture_output": True, "timeout": timeout, "check": False}
    if hasattr(uploaded_file, "temporary_file_path"):
        # A large upload is already on disk: let the child read it from there.
        with open(uploaded_file.temporary_file_path(), "rb") as stdin:
            return subprocess.run(command, stdin=stdin, **options)
    return subprocess.run(command, input=uploaded_file.read(), **options)


def _too_slow(seconds):
    return ValidationError(
        ngettext_lazy(
            "The PDF is too complex to check within %(seconds)s second; save it again as PDF "
            "(for example “Save as PDF” / “Print to PDF”) and upload that copy.",
            "The PDF is too complex to check within %(seconds)s seconds; save it again as PDF "
            "(for example “Save as PDF” / “Print to PDF”) and upload that copy.",
            "seconds",
        ),
        code="too_complex",
        params={"seconds": seconds},
    )


def _check_failed():
    return ValidationError(
        _(
            "The PDF could not be checked because of a fault on the server, so it was not "
            "stored. Try again; if it keeps happening, tell whoever runs the site."
        ),
        code="check_failed",
    )
