"""Upload bounds. Django reads a multipart body in full (to disk above FILE_UPLOAD_MAX_MEMORY_SIZE) as soon as
anything — the CSRF check included — touches request.POST; this handler stops reading a file past the limit."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class BoundedUploadHandler(FileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.IMPORT_MAX_UPLOAD_BYTES:
            # connection_reset: do not read the rest of the body either. The view sees no file and the
            # request's Content-Length, and answers 413.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
