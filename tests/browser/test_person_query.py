"""A person looks themselves up on the portal, as on a service hall's shared PC: the ID
number and the name go in the form's POST body and never into an address — not the
page's, not any request's, not a Referer — so neither the browser history nor nginx's
access log holds them (个人信息保护法 art. 51)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone

from tests.publicity.helpers import PERSON_ID, person_penalty

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("next_year_calendar"),
]

NAME = "李四"
SECRETS = (PERSON_ID, PERSON_ID.lower(), NAME, quote(NAME))


def test_person_query_keeps_id_and_name_out_of_every_address(
    open_page: Any, reference_data: None
) -> None:
    decided = (timezone.localdate() - timedelta(days=30)).isoformat()
    record = person_penalty(911, decided=decided)
    watch = open_page()
    page = watch.page
    addresses: list[str] = []
    page.on("framenavigated", lambda frame: addresses.append(frame.url))
    page.on(
        "request",
        lambda request: addresses.extend([request.url, request.headers.get("referer", "")]),
    )

    page.goto("/credit/")
    page.locator("summary", has_text="查询自然人本人信息").click()
    form = page.locator("#person-form")

    # A wrong name: the form comes back as typed, with the answer, at the bare address.
    form.get_by_label("身份证号码").fill(PERSON_ID)
    form.get_by_label("姓名").fill("李五")
    form.get_by_role("button", name="查 询").click()
    page.get_by_text("未找到与所填身份证号码和姓名相符的自然人信用信息").wait_for()
    assert page.url.endswith("/credit/")
    assert form.get_by_label("身份证号码").input_value() == PERSON_ID
    assert form.get_by_label("姓名").input_value() == "李五"

    form.get_by_label("姓名").fill(NAME)
    form.get_by_role("button", name="查 询").click()
    page.wait_for_url(re.compile(rf"/credit/subject/{record.subject_id}/\?t="))
    identity = page.locator("#subject-identity").inner_text()
    assert "李*" in identity and "110105********002X" in identity
    assert page.get_by_text(record.document_number).first.is_visible()
    watch.artefact("person-query")

    # The person opens the record, then goes back: still no address carries them.
    page.get_by_role("link", name=record.document_number).first.click()
    page.wait_for_url(re.compile(rf"/credit/record/{record.pk}/\?t="))
    page.go_back()
    page.wait_for_url(re.compile(rf"/credit/subject/{record.subject_id}/\?t="))

    # An old bookmark of the GET form: a note, an empty form, nothing echoed, no result.
    page.goto(f"/credit/?id_number={PERSON_ID}&name={quote(NAME)}")
    assert page.locator("#person-note").inner_text().startswith("为保护个人信息")
    assert form.get_by_label("身份证号码").input_value() == ""
    assert form.get_by_label("姓名").input_value() == ""
    html = page.content()
    assert "李*" not in html and PERSON_ID not in html and NAME not in html

    seen = [a for a in addresses if a]
    assert any("/credit/subject/" in a for a in seen)
    # Only the bookmark typed in above carries them (it is the old address under test).
    bookmark = f"/credit/?id_number={PERSON_ID}"
    leaked = [a for a in seen if any(s in a for s in SECRETS) and bookmark not in a]
    assert leaked == []
    watch.assert_clean()
