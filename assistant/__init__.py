"""Kompass: Swedish search and cited answers over KommunKompassen evaluation reports.

The library API is `assistant.kompass.Kompass`; the CLI, API and UI are thin skins over it.
"""

__version__ = "0.1.0"
