"""Upload handlers: refuse oversized uploads while they stream in, and leave no partial files."""

from django.core.files.uploadhandler import (
    FileUploadHandler,
    SkipFile,
    TemporaryFileUploadHandler,
)

from .validators import max_upload_size


class DocumentSizeLimitUploadHandler(FileUploadHandler):
    """Count each file's bytes as they arrive and drop the file past the limit.

    Put first in `request.upload_handlers`, so that the handlers after it
    (memory or temporary file) never receive more than the limit. A dropped
    file is missing from `request.FILES`; its field name is listed in
    `request.oversized_uploads` so the form can say why.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = max_upload_size()
        self.received = 0
        if request is not None:
            request.oversized_uploads = set()

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request.oversized_uploads.add(self.field_name)
            # Django closes (and so deletes) the partial file of the other handlers.
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        # Let the next handler build the uploaded file.
        return None


class PartialFileRemovingUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler, removing its partial file when a write fails.

    On a full disk Django stops parsing but closes only the files it has
    finished; the partial one stays until the request is garbage collected,
    which is late, or never while a traceback holds on to it.
    """

    def receive_data_chunk(self, raw_data, start):
        try:
            return super().receive_data_chunk(raw_data, start)
        except OSError:
            self.upload_interrupted()
            raise
