"""Outpost core services: everything the desktop app and the command line do, without Qt."""

__version__ = "0.1.0"
