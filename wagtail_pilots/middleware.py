"""Answer a clean 503 page when the database is unavailable.

``DatabaseUnavailableMiddleware`` turns an ``OperationalError`` (SQLite "database
is locked", PostgreSQL refusing connections) or an ``InterfaceError`` (a dropped
PostgreSQL connection) raised by a view into a short "try again" page with status
503 and a ``Retry-After`` header, instead of a server error. The view's
transaction has already been rolled back by then, so nothing half-written stays.
The page is rendered from a standalone template that needs neither the database
nor the session, and it is never cached.

Add it to ``MIDDLEWARE`` (anywhere after ``SecurityMiddleware``)::

    "wagtail_pilots.middleware.DatabaseUnavailableMiddleware",
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
TEMPLATE = "wagtail_pilots/503.html"


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error(
            "Database unavailable for %s %s: %s",
            request.method,
            request.path,
            exception,
        )
        # Django closes an unusable connection when the request finishes, so the
        # next request opens a new one.
        response = HttpResponse(
            render_to_string(TEMPLATE, {"retry_after": RETRY_AFTER_SECONDS}),
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
