"""A request id on every request, its response and every log line it causes.

The id comes from the reverse proxy's X-Request-ID when that looks sane, so one
id follows a request from the proxy's log to ours; otherwise it is a new uuid.
Log lines also carry the client's address (hallingdal/client_address.py).
"""

import contextvars
import logging
import re
import uuid

from .client_address import current_client_address

HEADER = "X-Request-ID"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

current_request_id = contextvars.ContextVar("current_request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request.id = incoming if VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[HEADER] = request.id
        return response


class RequestIdFilter(logging.Filter):
    """Give every record a request_id and a client_address: the current request's, or "-"."""

    def filter(self, record):
        # django.request logs 4xx/5xx after the middleware has finished, but
        # hands over the request itself.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "id", None) or current_request_id.get()
        record.client_address = (
            getattr(request, "client_address", None) or current_client_address.get()
        )
        return True


class OneLineFormatter(logging.Formatter):
    """Keep each event on one line: tracebacks and control characters escaped."""

    def format(self, record):
        text = super().format(record)
        return CONTROL_CHARACTERS.sub(lambda match: repr(match.group())[1:-1], text)
