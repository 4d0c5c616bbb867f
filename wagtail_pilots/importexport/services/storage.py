"""Where uploaded files wait between upload and import: a private temporary
folder, one file per batch under a name of ours.
"""

import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from ...conf import pilots_settings
from ..formats import ImportFileError


def temp_dir() -> Path:
    path = Path(
        pilots_settings.IMPORT_TEMP_DIR
        or Path(tempfile.gettempdir()) / "wagtail-pilots-imports"
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def stored_path(batch) -> Path | None:
    if not batch.stored_name:
        return None
    # The name is ours (a UUID), but never trust it blindly.
    return temp_dir() / Path(batch.stored_name).name


def read_batch_file(batch) -> bytes:
    path = stored_path(batch)
    if path is None or not path.exists():
        raise ImportFileError(
            _("The uploaded file is no longer available: upload it again.")
        )
    return path.read_bytes()
