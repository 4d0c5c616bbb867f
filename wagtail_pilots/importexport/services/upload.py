"""Upload: store the file and create its batch, refusing a file already
imported for the same kind and page.
"""

import hashlib
import os

from ..formats import check_file_size
from ..models import ImportBatch
from .storage import store_upload


class DuplicateImportError(Exception):
    """The same file was already imported for the same kind and page."""

    def __init__(self, existing):
        super().__init__(str(existing))
        self.existing = existing


def find_duplicate(*, kind, sha256, page=None):
    return (
        ImportBatch.objects.imported()
        .filter(kind=kind.name, sha256=sha256, page=page)
        .order_by("-created_at")
        .first()
    )


def batch_upload(
    *,
    kind,
    file_name: str,
    data: bytes,
    user=None,
    page=None,
    file_format: str = "",
    encoding: str = "",
    skip_invalid: bool = False,
    force: bool = False,
) -> ImportBatch:
    """Store an uploaded file and create its batch.

    Raises :class:`DuplicateImportError` when the same file was already imported
    (same SHA-256, kind and page) and ``force`` is false, ``ValueError`` when
    ``page`` does not suit the kind, and :class:`ImportFileError` when the file
    is over ``IMPORT_MAX_FILE_SIZE``; nothing is stored then.
    """
    kind.check_page(page)
    check_file_size(len(data))
    sha256 = hashlib.sha256(data).hexdigest()
    if not force:
        existing = find_duplicate(kind=kind, sha256=sha256, page=page)
        if existing is not None:
            raise DuplicateImportError(existing)
    stored_name = store_upload(data)
    return ImportBatch.objects.create(
        kind=kind.name,
        file_name=os.path.basename(file_name)[:255] or "upload",
        file_size=len(data),
        sha256=sha256,
        file_format=file_format or "",
        encoding=encoding or "",
        stored_name=stored_name,
        page=page,
        user=user,
        skip_invalid=skip_invalid,
        forced=force,
    )
