"""Whether the stored document files are where the database says, and whole.

Reading the storage is disk (or object storage) I/O for every file, so
this runs from `manage.py check_files` and, at most every few minutes, for
the admin's overview; never on a public page.
"""

from .models import DocumentVersion

FOLDER = "documents"
MISSING = "missing"
WRONG_SIZE = "wrong_size"


def file_storage():
    return DocumentVersion._meta.get_field("file").storage


def stored_names(storage, folder=FOLDER):
    """Every file name under `folder` in the storage, walking sub-folders."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return set()
    names = {f"{folder}/{name}" for name in files}
    for directory in directories:
        names |= stored_names(storage, f"{folder}/{directory}")
    return names


def file_problems(sizes, storage, on_disk=None):
    """{file name: MISSING or WRONG_SIZE} for the files named in `sizes` ({name: bytes}).

    One listing of the folder tells which files exist; only those are asked
    for their size.
    """
    on_disk = stored_names(storage) if on_disk is None else on_disk
    problems = {}
    for name, size in sizes.items():
        if name not in on_disk:
            problems[name] = MISSING
        elif storage.size(name) != size:
            problems[name] = WRONG_SIZE
    return problems
