"""Personal data on the public side (issue 11 §3).

With the demo installation loaded, an anonymous visitor crawls the portal — the home page,
every public page of the URL conf, the public queries, and every link they lead to (up to
a bound) — and opens every export reachable that way (CSV, XLSX, PDF) and the public
API. No response may show an 18-digit resident ID number (a valid 统一社会信用代码 is an
enterprise's public code and is not counted) or a mobile number in clear.

Object-level checks of the public side follow: records that are not published, have
ended their publicity, or were withdrawn are not shown anywhere.
"""

from __future__ import annotations

import io
import json
import re
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlsplit

import openpyxl
import pypdf
import pytest
from django.core.cache import cache
from django.test import Client

from xinyong.core import identifiers
from xinyong.publicity import selectors
from xinyong.records.models import CreditRecord

from .conftest import Actors
from .test_access_matrix import allowed_urls

pytestmark = pytest.mark.django_db

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
MAX_PAGES = 600
# Not public content, or not pages: never followed.
SKIP = ("/static/", "/admin", "/workspace", "/login", "/logout", "/api/docs", "/favicon")
QUERIES = ["安阳", "公司", "北关", "商贸", "食品", "91410503"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("/"):
                self.links.append(urldefrag(href)[0])


def text_of(response: Any) -> tuple[str, str]:
    """(kind, text) of a response, exports opened the way a reader opens them."""
    ctype = response.get("Content-Type", "")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if "pdf" in ctype:
        reader = pypdf.PdfReader(io.BytesIO(data))
        return "pdf", "\n".join(page.extract_text() or "" for page in reader.pages)
    if "spreadsheet" in ctype or data[:2] == b"PK":
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        cells = [
            str(v)
            for ws in book.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v is not None
        ]
        return "xlsx", "\n".join(cells)
    kind = "csv" if "csv" in ctype else ("json" if "json" in ctype else "html")
    return kind, data.decode("utf-8-sig", "replace")


def clear_identifiers(text: str, public_numbers: frozenset[str] = frozenset()) -> list[str]:
    """18-digit numbers and mobile numbers in clear. Not counted: valid 统一社会信用代码
    (an enterprise's public code) and decision document numbers, which are published as
    they are (双公示) and can look like an ID number (e.g. 410503202609150102, a licence
    number made of the district code, the date and a serial)."""
    found = []
    for match in ID_NUMBER.finditer(text):
        value = match.group(0)
        if value in public_numbers or identifiers.check(value, hint="uscc").valid:
            continue
        found.append(value)
    return found + MOBILE.findall(text)


def _published_key_material() -> list[str]:
    """The seal's public key as the portal publishes it (PEM, fingerprint, key id): random
    hex and base64 that can hold a run shaped like a mobile number, and public by design."""
    from xinyong.reports import services as report_services

    info = report_services.public_key_info()
    texts = [info["pem"], info["fingerprint"], info["fingerprint_display"], info["key_id"]]
    for old in info["retired"]:
        texts += [old["pem"], old["fingerprint_display"], old["key_id"]]
    pems = [t for t in texts if "BEGIN" in t]
    # JSON escapes the PEM's line breaks: remove it in that form too.
    texts += [json.dumps(p)[1:-1] for p in pems]
    return sorted(set(texts), key=len, reverse=True)


def crawl(client: Client, start: list[str]) -> tuple[dict[str, int], list[str]]:
    public_numbers = frozenset(CreditRecord.objects.values_list("document_number", flat=True))
    key_material = _published_key_material()
    seen: set[str] = set()
    queue = deque(start)
    counts: dict[str, int] = {}
    problems: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        seen.add(url)
        cache.clear()  # the anonymous rate limit is not under test here
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200:
            continue
        kind, text = text_of(response)
        counts[kind] = counts.get(kind, 0) + 1
        scanned = text
        for published in key_material:
            scanned = scanned.replace(published, " ")
        for value in clear_identifiers(scanned, public_numbers):
            problems.append(f"{url}（{kind}）: {value[:6]}…")
        if kind == "html":
            parser = _Links()
            parser.feed(text)
            queue.extend(link for link in parser.links if link not in seen)
        if kind == "json":
            queue.extend(_api_links(url, text))
    counts["pages"] = len(seen)
    return counts, problems


def _api_links(url: str, text: str) -> list[str]:
    """Detail addresses of the public subject API's results."""
    if not urlsplit(url).path.startswith("/api/v1/public/subjects"):
        return []
    data = json.loads(text)
    rows = data.get("results", []) if isinstance(data, dict) else []
    return [f"/api/v1/public/subjects/{row['id']}" for row in rows if "id" in row]


def test_no_id_or_mobile_number_in_clear_on_the_public_side(actors: Actors):
    start = ["/", "/credit/", *allowed_urls("anonymous", api=True)]
    start += [f"/credit/?q={q}" for q in QUERIES]
    start += [f"/api/v1/public/subjects?q={q}" for q in QUERIES]
    counts, problems = crawl(Client(), start)
    print(f"\npii scan: {counts}")
    assert not problems, "\n".join(problems)
    # The crawl reached the subject pages and their CSV exports and the public API, not
    # just the home page. (No XLSX or PDF is reachable anonymously: the self-service
    # report is downloaded through a signed one-time link after identity confirmation.)
    assert counts["pages"] >= 60 and counts.get("csv", 0) >= 5 and counts.get("json", 0) >= 5


def test_the_scanner_finds_what_it_looks_for():
    sample = (
        "身份证 410503199001011234，电话 13812345678，代码 91410503MA45B8Q06A，尾号 138****5678"
    )
    assert clear_identifiers(sample) == ["410503199001011234", "13812345678"]


def test_public_never_shows_unpublished_ended_or_withdrawn_records(actors: Actors):
    client = Client()
    visible = selectors.public_records()
    hidden = CreditRecord.objects.exclude(pk__in=visible.values("pk")).select_related("subject")
    assert visible.exists() and hidden.exists()
    for record in hidden:
        cache.clear()
        assert client.get(f"/credit/record/{record.pk}/").status_code == 404, record.pk
        cache.clear()
        page = client.get(f"/credit/subject/{record.subject_id}/")
        if page.status_code == 200 and record.document_number:
            assert record.document_number not in page.content.decode(), record.pk
        cache.clear()
        api = client.get(f"/api/v1/public/subjects/{record.subject_id}")
        if api.status_code == 200 and record.document_number:
            assert record.document_number not in api.content.decode(), record.pk
    for record in visible[:5]:
        cache.clear()
        assert client.get(f"/credit/record/{record.pk}/").status_code == 200
