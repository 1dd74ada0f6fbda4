"""The coalition's pledge registry: the shared system of record behind ``forceplan serve``.

Rooms inside: ``db`` (tables, engines, the per-transaction actor for row-level security), ``store`` (every rule:
lifecycle, audit, versions, import/export), ``auth`` (passwords, sessions, tokens), ``api`` (FastAPI routes),
``jobs`` (plan runs in a worker process), ``throwaway`` (a temporary PostgreSQL cluster for tests and benchmarks).
The analysis core never imports this package; the registry calls the core.
"""
