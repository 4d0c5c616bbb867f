"""Refusing an over-limit upload while it streams, before anything keeps it.

Django hands an uploaded file to its upload handlers chunk by chunk (64 KB):
small files are kept in memory, large ones written to a temporary file, and only
then does a view see them. :class:`SizeLimitUploadHandler` goes first in that
chain for the import form and refuses a file over ``IMPORT_MAX_FILE_SIZE``:

- at once, when the request announces a body larger than the limit plus
  :data:`FORM_ALLOWANCE` (the import form's other fields are a few hundred
  bytes): the file's bytes are read from the connection and dropped, so that the
  browser gets the form back with the message rather than a reset connection,
  but none of them reaches memory or disk;
- otherwise as soon as the bytes counted pass the limit (a body without a
  length, several files): the part already handed on to Django's temporary file
  is deleted with it.

Either way the form then shows the size message, and no batch, temporary file
or upload is left behind.
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from ..conf import pilots_settings
from .formats import file_too_large

# Room for the import form's other fields and the multipart boundaries.
FORM_ALLOWANCE = 64 * 1024


class SizeLimitUploadHandler(FileUploadHandler):
    """First upload handler of the import view (see the module's docstring).

    After the request's files are read, :attr:`refused` is None or the
    :class:`~.formats.ImportFileError` to show on the form.
    """

    def __init__(self, request=None, limit=None):
        super().__init__(request)
        self.limit = pilots_settings.IMPORT_MAX_FILE_SIZE if limit is None else limit
        self.body_length = None
        self.refused = None

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        self.body_length = content_length
        return None  # the normal parser goes on, with this handler first

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        # A part's own length, when the client sends one, is exact.
        if self.content_length is not None and self.content_length > self.limit:
            self._refuse(self.content_length)
        if self.body_length and self.body_length > self.limit + FORM_ALLOWANCE:
            self._refuse(self.body_length)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self._refuse(None)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) keeps it

    def _refuse(self, size):
        # SkipFile: Django drops this file (closing and deleting whatever the
        # handlers after this one started) and reads on to the form's fields.
        self.refused = file_too_large(size)
        raise SkipFile


def install(request) -> SizeLimitUploadHandler | None:
    """Put a :class:`SizeLimitUploadHandler` first for ``request``; None when
    its body was already read (then only the check after the upload holds)."""
    if hasattr(request, "_files"):
        return None
    handler = SizeLimitUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    return handler
