"""Secrets at rest: API secret keys encrypted with Fernet, passwords hashed with PBKDF2."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

PBKDF2_ITERATIONS = 120_000


def load_or_create_key(data_dir: Path, configured: str = "") -> bytes:
    """The Fernet key: from configuration, else DATA_DIR/secret.key (created 0600 on first use)."""
    if configured:
        return configured.encode()
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


class SecretBox:
    def __init__(self, key: bytes):
        self._fernet = Fernet(key)
        self._plain: dict[str, str] = {}   # token -> secret; tokens are immutable, so this never goes stale

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, token: str) -> str | None:
        cached = self._plain.get(token)
        if cached is not None:
            return cached
        try:
            plain = self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None
        if len(self._plain) > 10_000:
            self._plain.clear()
        self._plain[token] = plain
        return plain


def new_api_key() -> str:
    # CloudStack's keys are 86 characters of URL-safe base64 (64 random bytes).
    return base64.urlsafe_b64encode(secrets.token_bytes(64)).decode().rstrip("=")


def hash_password(password: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PBKDF2_ITERATIONS).hex()
    return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations)).hex()
    return hmac.compare_digest(candidate, digest)
