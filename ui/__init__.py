"""The Outpost desktop app: PySide6 widgets and models on top of the ``app`` services."""
