"""Which import batches a user may see: the rights on their kind, and on
their page for page-scoped kinds.
"""

from ..models import ImportBatch


def batches_visible_to(user):
    """The batches ``user`` may see, as a queryset (newest first).

    A batch is visible to whoever may import its kind — into its page, for
    page-scoped kinds: an editor of survey A does not see the file names and
    operators of survey B's imports. The rights are checked once per kind and
    once per page that has batches (few), never once per batch.
    """
    from django.db.models import Q

    from ..registry import PERMISSION_IMPORT, get_kinds

    if not (user.is_active and user.has_perm(PERMISSION_IMPORT)):
        return ImportBatch.objects.none()
    from wagtail.models import Page

    kinds = get_kinds()
    visible = Q(pk__in=[])
    for kind in kinds.values():
        if kind.page_model is None and kind.has_import_permission(user):
            visible |= Q(kind=kind.name, page__isnull=True)
    pairs = list(
        ImportBatch.objects.filter(kind__in=kinds, page__isnull=False)
        .order_by()
        .values_list("kind", "page_id")
        .distinct()
    )
    pages = Page.objects.filter(pk__in={page_id for _k, page_id in pairs}).specific()
    pages = {page.pk: page for page in pages}
    allowed = {}
    for name, page_id in pairs:
        page = pages.get(page_id)
        if page is not None and kinds[name].has_import_permission(user, page=page):
            allowed.setdefault(name, []).append(page_id)
    for name, page_ids in allowed.items():
        visible |= Q(kind=name, page_id__in=page_ids)
    return ImportBatch.objects.filter(visible)


def user_can_see_batch(user, batch) -> bool:
    """Whether ``user`` may see and act on one batch: import rights on its
    kind, into its page for page-scoped kinds (the rule of
    :func:`batches_visible_to`, for one batch: a few queries, not a scan)."""
    from ..registry import get_kind

    kind = get_kind(batch.kind)
    if kind is None:
        return False
    # specific_deferred: the page's class without another query (the rights
    # need its type and tree position, not its fields).
    page = batch.page.specific_deferred if batch.page_id else None
    return kind.has_import_permission(user, page=page)
