"""URLs as Salient keeps and shows them: without the credentials a URL can carry.

A URL can hold a password (``https://user:secret@host/…``) or a token in its query (``?token=…``,
``?X-Amz-Signature=…``) or fragment (``#access_token=…``). The download uses the URL as given; everything
that is stored (the project), exported (report, dataset, tables) or printed gets :func:`redact_url` of it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

_SECRET_WORDS = frozenset(
    {
        "auth",
        "authorization",
        "apikey",
        "bearer",
        "code",
        "credential",
        "credentials",
        "jwt",
        "key",
        "pass",
        "passwd",
        "password",
        "pwd",
        "secret",
        "sessionid",
        "sid",
        "sig",
        "signature",
        "token",
    }
)
_SECRET_ENDINGS = ("token", "secret", "password", "signature", "apikey", "sessionid")
_SECRET_NAMES = frozenset({"session"})
_USERINFO = re.compile(r"(?<=//)[^/?#@]*@")


def is_secret_parameter(name: str) -> bool:
    """Whether a query parameter called ``name`` carries a credential (``token``, ``api_key``,
    ``X-Amz-Signature``, ``accessToken``, ``sig``, …)."""
    words = [word for word in re.split(r"[^a-z0-9]+", unquote_plus(name).lower()) if word]
    joined = "".join(words)
    return joined in _SECRET_NAMES or any(word in _SECRET_WORDS for word in words) or joined.endswith(_SECRET_ENDINGS)


def _without_secrets(query: str) -> str:
    kept = [part for part in query.split("&") if part and not is_secret_parameter(part.partition("=")[0])]
    return "&".join(kept)


def redact_url(url: str) -> str:
    """``url`` without its user name and password and without the query (or fragment) parameters that carry a
    credential; anything that is not a URL with a host is returned as is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub("", url)
    if not parts.scheme or not parts.netloc:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    fragment = _without_secrets(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, _without_secrets(parts.query), fragment))
