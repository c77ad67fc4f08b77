"""jixiao core: app factory, models, ledger, plugin host, assessment services, API, CLI."""
