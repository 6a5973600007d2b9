"""The address of the client behind our reverse proxies, decided in one place.

`client_address()` is the only code that reads REMOTE_ADDR or X-Forwarded-For.
django-axes counts failed log-ins by it (AXES_CLIENT_IP_CALLABLE), so its
lockouts and its AccessAttempt and AccessLog rows hold it; the middleware puts
it on every app log line and in gunicorn's access line (gunicorn.conf.py).

With DJANGO_PROXY_COUNT=0 X-Forwarded-For is never read, since any client can
send one. With N proxies in front, each appends the address it received from
to X-Forwarded-For, so the client is the N-th entry from the right; entries to
the left of it came from the client and prove nothing. A value that is not a
plain IP address gives the connection's own address instead, so what reaches
the database and the logs is always an address or "-", never client text.
"""

import contextvars
import ipaddress

from django.conf import settings

# Where gunicorn's access log finds it: the WSGI environ is request.META.
ENVIRON_KEY = "hallingdal.client_address"
UNKNOWN = "-"

current_client_address = contextvars.ContextVar("current_client_address", default=UNKNOWN)


def plain_address(text):
    """Return `text` as a normalised IP address, or None if it is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 6:
        if address.scope_id:
            # A zone ("fe80::1%eth0") names an interface of the sender's
            # machine: no proxy of ours writes one.
            return None
        address = address.ipv4_mapped or address
    return str(address)


def client_address(request):
    """Return the address of the client that sent `request`, or None if unknown."""
    proxy_count = settings.PROXY_COUNT
    if proxy_count > 0:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(hops) >= proxy_count:
            address = plain_address(hops[-proxy_count])
            if address:
                return address
    return plain_address(request.META.get("REMOTE_ADDR", ""))


class ClientAddressMiddleware:
    """Give the request, its log lines and its access line the client's address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_address = client_address(request)
        shown = request.client_address or UNKNOWN
        request.META[ENVIRON_KEY] = shown
        token = current_client_address.set(shown)
        try:
            return self.get_response(request)
        finally:
            current_client_address.reset(token)
