"""Public downloads of a scorecard page: the verification bundle of a published
version. Served through the page's route, so the page's own privacy settings
(view restrictions) apply."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from ..services import bundle_filename


@require_safe
def bundle_download(request, page, version):
    """The ZIP of a published version; 404 for a version that was never
    published or that was published before bundles existed."""
    snapshot = (
        page.get_snapshot_model()
        .objects.filter(scorecard=page, version=version)
        .exclude(bundle_digest="")
        .first()
    )
    if snapshot is None:
        raise Http404
    response = HttpResponse(bytes(snapshot.bundle), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{bundle_filename(snapshot)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
