"""HTML and JSON go out gzipped to clients that accept it, padded against BREACH; others get them plain."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/cities/410700/", "/", "/api/v1/progress/?region=410100"])
def test_pages_and_json_are_gzipped_for_clients_that_accept_it(bob_client: Client, url: str) -> None:
    plain = bob_client.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    zipped = bob_client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"] and "Cookie" in zipped["Vary"]
    body = gzip.decompress(zipped.content)
    assert len(zipped.content) < len(body) / 3
    if url.startswith("/api/"):
        assert json.loads(body) == json.loads(plain.content)
    else:
        masked = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
        assert masked.sub(b"", body) == masked.sub(b"", plain.content)


def test_compressed_pages_differ_in_length_and_in_their_csrf_tokens(bob_client: Client) -> None:
    """BREACH guesses a secret from how a response's compressed length changes; Django pads each gzipped
    response with 0–99 random bytes and masks the CSRF token with a new random mask in every response."""
    responses = [bob_client.get("/cities/410100/", headers={"accept-encoding": "gzip"}) for _ in range(8)]
    assert len({len(r.content) for r in responses}) > 1
    tokens = [re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', gzip.decompress(r.content)) for r in responses]
    assert all(tokens) and len({t[0] for t in tokens}) == len(tokens)


def test_the_gzip_level_is_the_setting(bob_client: Client, settings: pytest.FixtureRequest) -> None:
    """The response is the body compressed at GZIP_LEVEL (1 by default, 9 here too), plus the BREACH padding."""
    sizes = {}
    for level in (1, 9):
        settings.GZIP_LEVEL = level  # type: ignore[attr-defined]
        response = bob_client.get("/api/v1/progress/?region=410700", headers={"accept-encoding": "gzip"})
        body = gzip.decompress(response.content)
        sizes[level] = len(response.content) - (len(gzip.compress(body, compresslevel=level, mtime=0)))
        # what is left is the random file name in the header (0–99 bytes and its NUL): the body was compressed at
        # `level`, byte for byte
        assert 1 <= sizes[level] <= 100
        assert json.loads(body)["count"] > 0
