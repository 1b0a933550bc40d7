"""The credit record store's rules that every writer shares.

Records are written in bulk by the collection pipeline (`xinyong.collection.services`),
which is the one write path for submitted data; this module holds what defines a record:
its identity and the fingerprint of its content.
"""

from __future__ import annotations

import hashlib
import unicodedata


def normalise_document_number(value: str | None) -> str:
    """A document number as compared: half-width (NFKC), no whitespace. Brackets are kept
    as written: 〔2023〕 and [2023] are not silently made equal."""
    return "".join(unicodedata.normalize("NFKC", value or "").split())


def identity_key(type_code: str, deciding_unit_code: str | None, document_number: str | None) -> str:
    """sha256 of "<type code>|<deciding unit code>|<document number>" (normalised): a
    record's identity (docs/collection.md). Sending the same identity again is a duplicate
    or a correction, never a second record."""
    text = "|".join(
        (
            (type_code or "").strip().upper(),
            (deciding_unit_code or "").strip().upper(),
            normalise_document_number(document_number),
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(payload_json: str) -> str:
    """The fingerprint of a record's payload as serialised by the pipeline."""
    return hashlib.sha256(payload_json.encode("utf-8")).hexdigest()
