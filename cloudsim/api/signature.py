"""Request signatures (API-PROTOCOL.md 2.2–2.5).

The server's canonical form: every parameter but `signature`, names sorted case-sensitively and
emitted raw, values encoded as Java's URLEncoder does (then `+` -> `%20`), the whole string
lower-cased, HMAC-SHA1, Base64. Real clients differ in small ways (names sorted lower-cased,
`~` or `[` `]` left unescaped, names percent-encoded); a request is authentic if its signature
matches any of those forms. HMAC-SHA512 signatures (88 characters) are accepted as well.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, quote_plus


def java_encode(value: str) -> str:
    """URLEncoder.encode(value, "UTF-8").replace("+", "%20")."""
    return quote_plus(value, safe="*").replace("~", "%7E").replace("+", "%20")


def _encode_keep_tilde(value: str) -> str:
    return quote(value, safe="*~")


def _encode_keep_brackets(value: str) -> str:
    return quote(value, safe="*~[]")


_ENCODERS = (java_encode, _encode_keep_tilde, _encode_keep_brackets)


def canonical(params: dict[str, str], encode=java_encode, lower_sort: bool = False,
              encode_names: bool = False) -> str:
    items = [(k, v) for k, v in params.items() if k.lower() != "signature"]
    items.sort(key=(lambda kv: kv[0].lower()) if lower_sort else (lambda kv: kv[0]))
    parts = [(quote(k, safe="") if encode_names else k) + "=" + encode(v) for k, v in items]
    return "&".join(parts).lower()


def sign(params: dict[str, str], secret: str, digest=hashlib.sha1) -> str:
    """The signature a client should send (the server's own canonical form)."""
    mac = hmac.new(secret.encode(), canonical(params).encode(), digest).digest()
    return base64.b64encode(mac).decode()


def candidate_strings(params: dict[str, str]):
    """The distinct canonical strings the clients in the wild produce, the server's own first."""
    seen: set[str] = set()
    for encode in _ENCODERS:
        for lower_sort in (False, True):
            for encode_names in (False, True):
                text = canonical(params, encode, lower_sort, encode_names)
                if text not in seen:
                    seen.add(text)
                    yield text


def verify(params: dict[str, str], secret: str, signature: str) -> bool:
    """Constant-time comparison against every accepted form."""
    digest = hashlib.sha512 if len(signature.strip()) > 60 else hashlib.sha1
    wanted = [signature.strip()]
    if " " in wanted[0]:
        wanted.append(wanted[0].replace(" ", "+"))   # an unescaped '+' arrives as a space
    key = secret.encode()
    for text in candidate_strings(params):
        mac = base64.b64encode(hmac.new(key, text.encode(), digest).digest()).decode()
        if any(hmac.compare_digest(mac, candidate) for candidate in wanted):
            return True
    return False
