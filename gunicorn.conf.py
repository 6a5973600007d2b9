"""gunicorn settings for `make serve` and production (docs/deploy.md).

Everything here can be overridden from the environment: GUNICORN_BIND,
WEB_CONCURRENCY (gunicorn's own name for the number of workers) and
GUNICORN_CMD_ARGS for anything else.
"""

import multiprocessing
import os

wsgi_app = "hallingdal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the pages are quick and the database is the only wait.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 30
# Restart workers now and then, so a slow leak can never build up; rarely,
# since a restart empties the worker's page cache and costs a Django start-up.
max_requests = 100_000
max_requests_jitter = 10_000
# Only the local reverse proxy may set X-Forwarded-* (gunicorn's default too).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No shared control socket in $HOME: several servers may run on one machine.
control_socket_disable = True

# One line per request on stdout, with the same request id the app logs. It
# starts with the client's address as the app decided it from the proxy's
# X-Forwarded-For (hallingdal/client_address.py); gunicorn's own %(h)s would
# be the proxy's.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%({hallingdal.client_address}e)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
    " request_id=%({x-request-id}o)s"
)
