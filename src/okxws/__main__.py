"""``python -m okxws``: the same as the ``okxws`` command."""

from .cli import main

raise SystemExit(main())
