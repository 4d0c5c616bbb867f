"""The audit-log entries of imports and rollbacks (Wagtail's log actions)."""

ACTION_IMPORT = "wagtail_pilots.import"
ACTION_ROLLBACK = "wagtail_pilots.import_rollback"


def log_data(batch):
    return {
        "kind": batch.kind,
        "file_name": batch.file_name,
        "sha256": batch.sha256,
        "page_id": batch.page_id,
        "rows_new": batch.rows_new,
        "rows_updated": batch.rows_updated,
        "rows_skipped": batch.rows_skipped,
        "rows_invalid": batch.rows_invalid,
    }
