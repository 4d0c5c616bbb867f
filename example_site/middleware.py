"""The example site's Content-Security-Policy.

Public pages, including every page the suite renders, get a strict policy: no
inline scripts, no inline styles, nothing from other origins. Wagtail's admin
ships inline styles and scripts of its own, so it gets the same policy with
those allowed.
"""

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings

ADMIN_RELAXATIONS = {
    "script-src": [UNSAFE_INLINE],
    "style-src": [UNSAFE_INLINE],
    "img-src": ["blob:"],
    "frame-src": ["'self'"],
}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        prefixes = getattr(settings, "CSP_RELAXED_URL_PREFIXES", ("/admin/",))
        if request.path.startswith(tuple(prefixes)) and not hasattr(
            response, "_csp_update"
        ):
            response._csp_update = ADMIN_RELAXATIONS
        return super().process_response(request, response)
