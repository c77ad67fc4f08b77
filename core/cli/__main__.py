"""``python -m core.cli`` is the ``jixiao`` command."""

from core.cli import main

main()
