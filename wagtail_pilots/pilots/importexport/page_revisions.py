"""Pages an import changes: the revisions it saves, and its rollback.

Rolling back a ``pilots`` or ``pilot-phases`` batch deletes the pages it
created and puts every page it changed back to the revision it had before the
import (:class:`~wagtail_pilots.pilots.models.PilotPageImport` remembers both
revisions); it is refused, naming the page, when a page was changed since the
import.
"""

from django.utils.translation import gettext as _

from wagtail_pilots.pages import specific_page_using

from ..models import (
    PilotPageImport,
    PilotProgramPageMixin,
)


def pilot_page(page_id):
    """The specific pilot page ``page_id`` (of any pilot page type), or None."""
    return specific_page_using(PilotProgramPageMixin, page_id)


def revision_before(page_id, user):
    """The revision to go back to on rollback: the page's latest one.

    A page made without revisions (by code or a fixture) first gets one of its
    current state, so there is something to go back to.
    """
    page = pilot_page(page_id)
    if page.latest_revision_id is None:
        return page.save_revision(user=user, changed=False, clean=False)
    return page.latest_revision


def save_page_revision(page, *, user):
    """Save ``page`` (changed in memory) as a new revision, as the editor would.

    A live page is published; a page that is not live is also written to the
    database, as Wagtail's editor does for drafts of unpublished pages.
    """
    if page.live:
        revision = page.save_revision(user=user, log_action=True, clean=False)
        revision.publish(user=user)
    else:
        page.save(clean=False)
        revision = page.save_revision(user=user, log_action=True, clean=False)
    return revision


def page_records(batch):
    return list(
        PilotPageImport.objects.filter(batch=batch)
        .select_related("revision_before")
        .order_by("pk")
    )


def locked(page, user):
    """Locked against ``user`` (by another editor, or by a workflow), where
    Wagtail's editor would refuse to save; without a user (the command line)
    any lock counts."""
    if user is None:
        return page.locked
    return page.permissions_for_user(user).page_locked()


def locked_message(page_title):
    return _("“%(page)s” is locked: it must be unlocked first.") % {"page": page_title}


def check_rollback(records, *, user):
    """Raise ``RollbackError`` naming every page the rollback would harm."""
    from wagtail_pilots.importexport.services import RollbackError

    problems = []
    for record in records:
        page = pilot_page(record.page_id)
        if page is None:
            continue  # deleted since: nothing to remove or restore
        title = page.get_admin_display_title()
        perms = page.permissions_for_user(user) if user is not None else None
        if page.latest_revision_id != record.revision_after_id:
            problems.append(
                _("“%(page)s” was changed after this import (it has a newer version).")
                % {"page": title}
            )
        elif locked(page, user):
            problems.append(locked_message(title))
        elif record.created:
            if page.live:
                problems.append(
                    _("“%(page)s” was published after this import.") % {"page": title}
                )
            elif page.get_children().exists():
                problems.append(
                    _("“%(page)s” now has pages under it.") % {"page": title}
                )
            elif perms is not None and not perms.can_delete():
                problems.append(_("You may not delete “%(page)s”.") % {"page": title})
        elif record.revision_before is None:
            problems.append(
                _("The version of “%(page)s” from before this import no longer exists.")
                % {"page": title}
            )
        elif perms is not None and not (
            perms.can_edit() and (perms.can_publish() or not page.live)
        ):
            problems.append(
                _("You may not edit and publish “%(page)s”.") % {"page": title}
            )
    if problems:
        raise RollbackError(
            _("This batch cannot be rolled back: %(problems)s")
            % {"problems": " ".join(problems)}
        )


def restore_pages(records, *, user):
    """Delete the pages the batch created; put the pages it changed back to
    their revision from before the import (a new revision, published when the
    page is live — Wagtail's own "revert"). Returns how many of each, as the
    rollback hooks report them."""
    counts = {"deleted": 0, "restored": 0}
    for record in records:
        page = pilot_page(record.page_id)
        if page is None:
            continue
        if record.created:
            # Wagtail's DeletePageAction: tree (numchild) kept right, logged.
            page.delete(user=user)
            counts["deleted"] += 1
            continue
        counts["restored"] += 1
        before = record.revision_before
        restored = before.as_object()
        if page.live:
            revision = restored.save_revision(
                user=user, previous_revision=before, log_action=True, clean=False
            )
            revision.publish(user=user, previous_revision=before)
        else:
            restored.save(clean=False)
            revision = restored.save_revision(
                user=user, previous_revision=before, log_action=True, clean=False
            )
        if before is not None:
            # The page is again as an earlier batch left it: that batch's
            # "changed since?" check must compare with this new revision, or
            # rolling back newest first would block the older batch for good.
            PilotPageImport.objects.filter(
                page_id=page.pk, revision_after=before
            ).exclude(pk=record.pk).update(revision_after=revision)
    return counts


def publish_phases(batch, *, user=None):
    """Bring the page's revisions in line with the phases now in the database."""
    page = pilot_page(batch.page_id)
    user = user or batch.user
    revision = page.save_revision(user=user, clean=False)
    if page.live:
        revision.publish(user=user)
    return revision
