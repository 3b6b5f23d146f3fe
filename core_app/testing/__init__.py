"""A testing kit for the core and for recipes shipped as their own distributions.

Installed with the core and registered as the pytest plugin ``supertokens_core``
(``core_app.testing.plugin``), so a recipe's test suite gets the fixtures (``database_url``,
``make_app``, ``app``, ``client``, ``running_core``, ``start_core``, ...) with no conftest of
its own. The helpers live in:

- ``core_app.testing.databases``: the database kinds, their admin URLs, a database per run;
- ``core_app.testing.client``: the test client that speaks as an SDK does (cdi-version, key);
- ``core_app.testing.core_process``: the core served by gunicorn on a free port;
- ``core_app.testing.sdk``: the official ``supertokens-python`` SDK pointed at a core;
- ``core_app.testing.apps``: apps, tenants and users made through the HTTP API;
- ``core_app.testing.concurrency``: calls released at once from several threads.
"""
