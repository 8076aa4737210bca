"""The one rule for URLs that are stored, exported or shown: no user name, password or token in them."""

from __future__ import annotations

import pytest

from analysis.urls import is_secret_parameter, redact_url


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://user:secret@host/v.mp4?token=abc", "https://host/v.mp4"),
        ("https://user@host:8443/v.mp4", "https://host:8443/v.mp4"),
        ("https://a:b@c@[::1]:8080/v.mp4", "https://[::1]:8080/v.mp4"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42"),
        (
            "https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F1"
            "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=FwoG&X-Amz-Signature=f00d",
            "https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z"
            "&X-Amz-Expires=3600",
        ),
        ("https://h/v?sv=2022&sig=abc%2Bdef&se=2026", "https://h/v?sv=2022&se=2026"),
        (
            "https://h/v?session=0&api_key=1&apiKey=2&accessToken=3&access_token=4&auth=5&password=6&q=7",
            "https://h/v?q=7",
        ),
        ("https://h/cb#access_token=abc&state=x", "https://h/cb#state=x"),
        ("https://h/talk#intro", "https://h/talk#intro"),
        ("https://h/v.mp4?", "https://h/v.mp4"),
        ("/home/ana/talk.mp4", "/home/ana/talk.mp4"),
        ("", ""),
        ("https://user:pw@[broken/v.mp4", "https://[broken/v.mp4"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted
    assert redact_url(redacted) == redacted  # redacting twice changes nothing


@pytest.mark.parametrize("name", ["v", "t", "list", "lang", "author", "keyframe", "session_start_time"])
def test_ordinary_parameters_are_kept(name: str) -> None:
    assert not is_secret_parameter(name)
