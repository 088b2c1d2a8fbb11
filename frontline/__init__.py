"""Frontline: a static newsletter site generator for union reports."""

__version__ = "0.1.0"
