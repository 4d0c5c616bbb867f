"""Where uploaded files wait between upload and import: one file per batch,
under a name of ours, in a Django storage.

``IMPORT_STORAGE`` names an alias of Django's ``STORAGES`` (as
django-import-export's ``MediaStorage`` uses its ``import_export`` alias): a
storage every process can reach — S3, a shared volume — so that a background
task on another machine finds the file the web process received. Left at
``None``, a private folder on the local disk is used (``IMPORT_TEMP_DIR``,
files readable by the site's user only), which suits a site whose workers run
on the machine that serves the admin.

Every read, write and delete of an upload goes through this module: the upload
(:func:`store_upload`), the dry run and the import (:func:`read_batch_file`),
discarding a batch and the clean-up (:func:`delete_upload`,
:func:`delete_strays`).
"""

import posixpath
import tempfile
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.translation import gettext as _

from ...conf import pilots_settings
from ..formats import ImportFileError

#: Every upload's name ends so; the clean-up touches no other file.
UPLOAD_SUFFIX = ".upload"


def temp_dir() -> Path:
    """The local folder of the default storage (created, private)."""
    path = Path(
        pilots_settings.IMPORT_TEMP_DIR
        or Path(tempfile.gettempdir()) / "wagtail-pilots-imports"
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def upload_storage() -> Storage:
    """The storage uploads wait in: ``STORAGES[IMPORT_STORAGE]``, or the local
    folder :func:`temp_dir` when that setting is ``None``."""
    alias = pilots_settings.IMPORT_STORAGE
    if alias:
        return storages[alias]
    return FileSystemStorage(
        location=temp_dir(),
        base_url=None,
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )


def _safe_name(name: str) -> str:
    # The name is ours (a UUID), but never trust it blindly: no folders.
    return posixpath.basename(str(name).replace("\\", "/"))


def store_upload(data: bytes) -> str:
    """Keep ``data`` under a new name; returns the name to store on the batch."""
    name = f"{uuid.uuid4().hex}{UPLOAD_SUFFIX}"
    return upload_storage().save(name, ContentFile(data, name=name))


def read_batch_file(batch) -> bytes:
    """The bytes of ``batch``'s upload; :class:`ImportFileError` when it is gone
    (discarded, swept by the clean-up, or the storage lost it)."""
    name = _safe_name(batch.stored_name) if batch.stored_name else ""
    storage = upload_storage()
    if not name or not storage.exists(name):
        raise _gone()
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise _gone() from None


def _gone() -> ImportFileError:
    return ImportFileError(
        _("The uploaded file is no longer available: upload it again.")
    )


def delete_upload(name: str) -> None:
    """Delete an upload by its stored name; nothing happens when it is gone."""
    if name:
        upload_storage().delete(_safe_name(name))


def delete_strays(*, known, older_than) -> int:
    """Delete uploads no batch refers to (a crash between writing the file and
    creating the batch) last modified before ``older_than``; returns how many.

    A storage that cannot list its files or tell their age is left alone.
    """
    storage = upload_storage()
    try:
        _folders, names = storage.listdir("")
    except (NotImplementedError, FileNotFoundError):
        return 0
    count = 0
    for name in names:
        if not name.endswith(UPLOAD_SUFFIX) or name in known:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (NotImplementedError, FileNotFoundError):
            continue
        if modified < older_than:
            storage.delete(name)
            count += 1
    return count
