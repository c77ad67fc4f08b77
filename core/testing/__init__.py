"""The testing kit for plugin authors: a real platform on a real (SQLite) database,
a bureau with your plugin installed, and a driver that records inputs and reads results
through the same services every channel uses.

It is a pytest plugin, loaded automatically wherever jixiao is installed (entry point
``pytest11``). Fixtures, all prefixed ``jixiao_``:

* ``jixiao_platform``: a migrated platform in a temporary instance folder;
* ``jixiao_office``: an :class:`Office` for bureau ``test``, with the plugins named by
  ``@pytest.mark.jixiao_plugins("mine", "rules")`` (default: ``rules`` only) installed;
* ``jixiao_client``: a Flask test client and the bureau admin's headers.

See docs/plugin-authors.md, "Testing your plugin".
"""

from core.testing.office import Office

__all__ = ["Office"]
