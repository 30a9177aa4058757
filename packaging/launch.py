"""Entry point for the PyInstaller bundle."""

from ld_desktop.ui.app import main

raise SystemExit(main())
