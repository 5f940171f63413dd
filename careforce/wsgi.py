import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careforce.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Loads at start what Django and its libraries otherwise load on a process's first request: the URLconf
    with every API schema, the translation catalogue, pypinyin's dictionaries. Under gunicorn with
    `preload_app` (deploy/gunicorn.conf.py) this runs once in the master and every worker, including each one
    replaced after `max_requests`, starts by fork with it done, instead of spending seconds of CPU importing
    while the other workers carry its share of the load. No database connection is opened here; any that a
    library opened is closed so that no worker inherits the master's socket."""
    from django.db import connections
    from django.urls import get_resolver
    from django.utils import translation

    from careforce.registry.pinyin import search_keys

    get_resolver().url_patterns  # noqa: B018 - imports careforce.urls and builds the API's schemas
    with translation.override("zh-hans"):
        translation.gettext("Workers")
    search_keys("张三")
    connections.close_all()


_warm_up()
