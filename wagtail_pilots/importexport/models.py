"""Import batches: one row per uploaded file, from preview to rollback."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..compat import get_page_model_string


class ImportBatchQuerySet(models.QuerySet):
    def imported(self):
        """Batches whose rows are (still) in the database."""
        return self.filter(status__in=ImportBatch.OCCUPYING_STATUSES)


class ImportBatch(models.Model):
    """One uploaded file, checked (dry run), then imported, maybe rolled back.

    The uploaded file waits in the upload storage (``IMPORT_STORAGE``, by
    default a private local folder) under ``stored_name``, a name chosen by the
    server, never by the client, between the preview and the confirmation; it
    is deleted once imported, discarded or abandoned.
    """

    # Records, not content: kept out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked, waiting for confirmation")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")
        ROLLED_BACK = "rolled_back", _("rolled back")
        CANCELLED = "cancelled", _("cancelled")

    # A file in one of these states is refused a second time unless forced.
    OCCUPYING_STATUSES = (Status.QUEUED, Status.RUNNING, Status.DONE)
    # Still waiting for a user: the temporary file is kept.
    OPEN_STATUSES = (Status.UPLOADED, Status.CHECKING, Status.CHECKED)

    kind = models.CharField(_("kind"), max_length=50, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    stored_name = models.CharField(max_length=100, blank=True, editable=False)
    page = models.ForeignKey(
        get_page_model_string(),
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("rolled back at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    forced = models.BooleanField(_("imported again on purpose"), default=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_new = models.PositiveIntegerField(_("new"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_skipped = models.PositiveIntegerField(_("skipped"), default=0)
    rows_invalid = models.PositiveIntegerField(_("invalid"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    message = models.TextField(_("message"), blank=True)
    # [{"row": 7, "column": "名称/name", "message": "..."}, ...]
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # {"headers": [...], "rows": [[...], ...]} — the first rows, as read.
    preview = models.JSONField(default=dict, blank=True, editable=False)
    # {"headers": [...], "rows": [[row number, cell, ...], ...]} — rows left out.
    rejected = models.JSONField(default=dict, blank=True, editable=False)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("import_data", _("Can import data")),
            ("export_data", _("Can export data")),
        ]
        indexes = [models.Index(fields=["kind", "sha256"])]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def is_busy(self):
        return self.status in (
            self.Status.UPLOADED,
            self.Status.CHECKING,
            self.Status.QUEUED,
            self.Status.RUNNING,
        )

    @property
    def can_roll_back(self):
        return self.status == self.Status.DONE

    @property
    def progress_percent(self):
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)


class ImportedObject(models.Model):
    """An object a batch created or updated, so that a rollback can undo it.

    - *created*: rollback deletes the object. Only for models without an
      ``import_batch`` foreign key; models created in bulk (responses, ballots)
      rather carry that key, which is cheaper.
    - *updated*: rollback puts back the ``previous`` values of the fields the
      import changed, after checking that they still hold what the import
      ``written`` (otherwise a later edit would be overwritten). Both are
      ``{field name: value}`` with values as the model field's
      ``value_to_string`` gives them (``None``, booleans, integers and text as
      they are), read back with its ``to_python``; see :mod:`.snapshots`.

    Updates are kept in this table rather than in a sibling model: a batch's
    records are written, read and deleted together, and the rollback of a
    kind that only updates needs no second table to look in.
    """

    # Records, not content: kept out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="imported_objects"
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=64)
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.CREATED
    )
    # Only for updates: the changed fields before and after the import.
    previous = models.JSONField(_("previous values"), default=dict, blank=True)
    written = models.JSONField(_("imported values"), default=dict, blank=True)

    class Meta:
        verbose_name = _("imported object")
        verbose_name_plural = _("imported objects")
        indexes = [models.Index(fields=["batch", "content_type"])]

    def __str__(self):
        return f"{self.action} {self.content_type_id}:{self.object_id}"
