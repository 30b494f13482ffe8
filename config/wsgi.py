"""WSGI entry point (gunicorn config.wsgi; runserver loads it too)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Import every view now rather than at the first request, then take everything loaded so far (Django, pandas,
# numpy, openpyxl: ~140 000 long-lived objects) out of the garbage collector's sight. Without this, the full
# collections that the dashboard's many allocations trigger walk them all: 100–150 ms pauses inside requests,
# measured by bench/dashboard_bench.py. Objects created later are collected as usual.
get_resolver().url_patterns  # noqa: B018 — imports the URLconf and with it every view module
gc.freeze()
