"""The web server's settings, from the one settings table (assistant/config.py)."""
from __future__ import annotations

import os
from dataclasses import dataclass

from assistant.config import SETTINGS
from corpus.errors import KompassError

KEY_HEADER = "X-Kompass-Key"  # the API key of a request
KEY_COOKIE = "kompass_key"  # the same key, set by the UI's login (a browser sends no header itself)


def _env(name: str) -> str:
    setting = next(s for s in SETTINGS if s.name == name)
    return os.environ.get(setting.env, setting.default).strip()


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 7860
    admin_key: str = ""  # empty: uploads and deletions are refused
    read_key: str = ""  # empty: reading is open
    max_upload_bytes: int = 50 * 2**20

    @classmethod
    def from_env(cls, **overrides: object) -> ServerSettings:
        try:
            port = int(_env("port"))
            megabytes = float(_env("max_upload_mb"))
        except ValueError as exc:
            raise KompassError(f"ogiltig serverinställning ({exc}): KOMPASS_PORT och "
                               "KOMPASS_MAX_UPLOAD_MB ska vara tal") from None
        values: dict[str, object] = {
            "host": _env("host"), "port": port, "admin_key": _env("admin_key"),
            "read_key": _env("read_key"), "max_upload_bytes": int(megabytes * 2**20)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("admin_key", "read_key"):
            key = str(values[name])
            if key and not (key.isascii() and key.isprintable() and " " not in key):
                # an HTTP header carries ASCII: a key with other characters could never match
                raise KompassError(f"ogiltig KOMPASS_{name.upper()}: använd bara tecken a–z, A–Z, 0–9 "
                                   "och skiljetecken (inga mellanslag eller å, ä, ö)")
        return cls(**values)  # type: ignore[arg-type]

    @property
    def changes_allowed(self) -> bool:
        return bool(self.admin_key)
