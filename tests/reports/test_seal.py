"""The Ed25519 seal: authentic reports pass; a changed byte, a forged number, a signature
by another key and a removed seal fail, on the platform and offline with the public key
alone (also in a process that has no database); reports sealed with the former HMAC
still verify; the key pair and the PDF files are where the backup takes them."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
import tarfile
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.test import Client

from xinyong.core import backup
from xinyong.core.errors import DomainError
from xinyong.reports import seal, services, storage
from xinyong.reports.models import Report

from .helpers import ORG_USCC, org_with_penalty

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src"


def _issue() -> tuple[Report, bytes]:
    org_with_penalty(2)
    report = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    return report, services.report_pdf(report)


def _split(pdf: bytes) -> tuple[bytes, dict]:
    at = pdf.rfind(seal.MARKER)
    return pdf[:at], json.loads(pdf[at + len(seal.MARKER) :])


def _line(body: bytes, payload: dict) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return body + seal.MARKER + text + b"\n"


def _pem() -> bytes:
    return seal.public_pem()


def test_key_pair_is_generated_under_var_with_private_mode_600(var: Path) -> None:
    report, pdf = _issue()
    private = var / "keys" / "report-seal-ed25519.pem"
    public = var / "keys" / "report-seal-ed25519.pub.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    assert public.read_bytes() == _pem()
    body, payload = _split(pdf)
    assert payload["alg"] == "Ed25519"
    assert payload["kid"] == seal.key_id() == report.key_id
    assert report.seal_alg == "Ed25519"
    assert len(seal.fingerprint()) == 64
    assert payload["sha256"] == hashlib.sha256(body).hexdigest()
    # The signature is over the canonical line without `sig`, as docs/reports.md says.
    sig = bytes.fromhex(payload.pop("sig"))
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    seal.public_key().verify(sig, canonical.encode("utf-8"))


def test_authentic_report_passes_on_the_platform_and_offline() -> None:
    report, pdf = _issue()
    online = services.verify_file(pdf)
    assert online.authentic and online.valid and online.number == report.number
    offline = services.verify_offline(pdf, _pem())
    assert offline.authentic and offline.valid
    assert offline.facts["subject"] == "安阳市北关区某某商贸有限公司"
    assert seal.display_fingerprint() in offline.message
    assert offline.report is None
    # The validity date comes from the signed facts.
    late = services.verify_offline(pdf, _pem(), today=date(2099, 1, 1))
    assert late.authentic and not late.valid and "超过有效期" in late.message


def test_changed_byte_fails() -> None:
    _report, pdf = _issue()
    body, _payload = _split(pdf)
    for at in (10, len(body) // 2, len(body) - 3):
        tampered = bytearray(pdf)
        tampered[at] ^= 0x01
        for result in (
            services.verify_file(bytes(tampered)),
            services.verify_offline(bytes(tampered), _pem()),
        ):
            assert not result.authentic
            assert result.message == "报告内容与签章不符：文件在出具后被修改过。"


def test_forged_number_or_validity_fails() -> None:
    report, pdf = _issue()
    body, payload = _split(pdf)
    forged = dict(payload, number=services.new_number(report.issued_at))
    longer = dict(payload, facts=dict(payload["facts"], valid_until="2099-12-31"))
    for data in (_line(body, forged), _line(body, longer)):
        for result in (services.verify_file(data), services.verify_offline(data, _pem())):
            assert not result.authentic
            assert "电子签章验证失败" in result.message


def test_signature_made_with_another_key_fails() -> None:
    _report, pdf = _issue()
    body, payload = _split(pdf)
    other = Ed25519PrivateKey.generate()
    unsigned = {k: v for k, v in payload.items() if k != "sig"}
    # Signed by another key but claiming this platform's key id.
    claimed = dict(unsigned, sig=other.sign(seal.canonical(unsigned)).hex())
    result = services.verify_file(_line(body, claimed))
    assert not result.authentic and "电子签章验证失败" in result.message
    # Signed by another key under its own key id: not this platform's key.
    own = dict(unsigned, kid=seal.key_id(other.public_key()))
    own["sig"] = other.sign(seal.canonical(own)).hex()
    result = services.verify_file(_line(body, own))
    assert not result.authentic and "不是本平台的密钥" in result.message
    other_pem = seal.public_pem(other.public_key())
    result = services.verify_offline(_line(body, own), _pem())
    assert not result.authentic and "与所提供的公钥不一致" in result.message
    # The genuine report checked with somebody else's public key fails too.
    result = services.verify_offline(pdf, other_pem)
    assert not result.authentic and "与所提供的公钥不一致" in result.message


def test_removed_or_broken_seal_fails() -> None:
    _report, pdf = _issue()
    body, payload = _split(pdf)
    for data in (body, body + b"\n%%EOF\n"):
        for result in (services.verify_file(data), services.verify_offline(data, _pem())):
            assert not result.authentic
            assert "没有本平台的电子签章" in result.message
    no_sig = {k: v for k, v in payload.items() if k != "sig"}
    assert "格式不正确" in services.verify_file(_line(body, no_sig)).message
    bad_hex = dict(payload, sig="zz" * 64)
    assert "电子签章验证失败" in services.verify_file(_line(body, bad_hex)).message
    unknown = dict(payload, alg="RSA")
    assert "算法不受支持" in services.verify_file(_line(body, unknown)).message


def test_a_bad_public_key_is_refused_in_chinese() -> None:
    _report, pdf = _issue()
    with pytest.raises(DomainError, match="公钥文件格式不正确"):
        services.verify_offline(pdf, b"not a key")
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(DomainError, match="不是 Ed25519 公钥"):
        services.verify_offline(pdf, ec_pem)


def test_cli_offline_verification(tmp_path: Path) -> None:
    _report, pdf = _issue()
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    key = tmp_path / "key.pem"
    call_command("reports", "public-key", "--out", str(key))
    assert key.read_bytes() == _pem()
    call_command("reports", "verify", str(good), "--public-key", str(key))
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(pdf.replace(b"/Type", b"/Typf", 1))
    with pytest.raises(CommandError, match="被修改"):
        call_command("reports", "verify", str(bad), "--public-key", str(key))
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("reports", "verify", str(good), "--public-key", str(tmp_path / "none.pem"))


@pytest.mark.own_sqlite
def test_offline_verification_in_a_process_without_a_database(tmp_path: Path) -> None:
    _report, pdf = _issue()
    good = tmp_path / "report.pdf"
    good.write_bytes(pdf)
    bad = tmp_path / "edited.pdf"
    edited = bytearray(pdf)
    edited[len(pdf) // 3] ^= 0x20
    bad.write_bytes(bytes(edited))
    key = tmp_path / "platform.pem"
    key.write_bytes(_pem())
    empty_var = tmp_path / "elsewhere"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "xinyong.settings",
        "XINYONG_VAR": str(empty_var),
        # Any database access fails: the directory does not exist.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "xinyong.cli", "reports", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    ok = run("verify", str(good), "--public-key", str(key), "--json")
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout)
    assert result["authentic"] and result["valid"]
    assert result["facts"]["subject"] == "安阳市北关区某某商贸有限公司"
    failed = run("verify", str(bad), "--public-key", str(key))
    assert failed.returncode == 2
    assert "核验未通过" in failed.stdout and "被修改" in failed.stdout
    # The offline verifier generated no key of its own.
    assert not (empty_var / "keys").exists()
    # And the process really had no database: a command that needs one fails.
    issue = run("issue", "--subject", ORG_USCC, "--purpose", "self_query")
    assert issue.returncode != 0 and "数据库" in issue.stderr


def test_report_sealed_with_hmac_before_the_switch_still_verifies(var: Path) -> None:
    report, pdf = _issue()
    body, payload = _split(pdf)
    secret = bytes.fromhex("ab" * 32)
    (var / "keys" / "report-seal.key").write_text(secret.hex())
    legacy = {k: v for k, v in payload.items() if k != "sig"}
    legacy.update(alg="HMAC-SHA256", kid=hashlib.sha256(secret).hexdigest()[:16])
    canonical = json.dumps(legacy, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    legacy["sig"] = hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
    old = _line(body, legacy)
    # As the report was recorded before the switch.
    Report.objects.filter(pk=report.pk).update(
        pdf_sha256=storage.store(old), seal_alg="HMAC-SHA256"
    )
    result = services.verify_file(old)
    assert result.authentic and result.valid, result.message
    forged = dict(legacy, number=services.new_number(report.issued_at))
    assert "电子签章验证失败" in services.verify_file(_line(body, forged)).message
    offline = services.verify_offline(old, _pem())
    assert not offline.authentic and "只能由本平台核验" in offline.message
    (var / "keys" / "report-seal.key").unlink()
    gone = services.verify_file(old)
    assert not gone.authentic and "已没有对应密钥" in gone.message


def test_public_key_page_api_and_verification_page() -> None:
    client = Client()
    response = client.get("/credit/reports/public-key.pem")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    assert response.content == _pem()
    key = serialization.load_pem_public_key(response.content)
    assert isinstance(key, Ed25519PublicKey)
    assert response["X-Key-Fingerprint-SHA256"] == seal.fingerprint(key)
    page = client.get("/credit/reports/verify/").content.decode()
    assert seal.display_fingerprint() in page
    assert "/credit/reports/public-key.pem" in page and "Ed25519" in page
    api = client.get("/api/v1/reports/public-key/").json()
    assert api["alg"] == "Ed25519"
    assert api["fingerprint"] == seal.fingerprint()
    assert api["pem"].encode() == _pem()


def test_pdf_is_a_content_addressed_file_checked_on_read(settings) -> None:
    report, pdf = _issue()
    path = Path(settings.MEDIA_ROOT) / "reports" / report.pdf_sha256[:2]
    path = path / f"{report.pdf_sha256}.pdf"
    assert path.read_bytes() == pdf
    assert "pdf" not in {f.name for f in Report._meta.get_fields()}
    # The printed report names the key's fingerprint.
    from .helpers import pdf_text

    assert seal.display_fingerprint().split()[0] in pdf_text(pdf)
    # The attached report data are the canonical encoding the content digest is of.
    import io

    from pypdf import PdfReader

    attached = PdfReader(io.BytesIO(pdf)).attachments["report-data.json"][0]
    assert hashlib.sha256(attached).hexdigest() == report.content_sha256
    assert json.loads(attached)["number"] == report.number
    path.write_bytes(pdf[:-10])
    with pytest.raises(DomainError, match="已损坏"):
        services.report_pdf(report)
    path.unlink()
    with pytest.raises(DomainError, match="缺失"):
        services.report_pdf(report)


def test_a_refused_issue_leaves_no_file(settings) -> None:
    org_with_penalty(1)
    services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    with pytest.raises(DomainError, match="免费获取两次"):
        services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    files = sorted((Path(settings.MEDIA_ROOT) / "reports").glob("*/*.pdf"))
    assert [f.stem for f in files] == sorted(Report.objects.values_list("pdf_sha256", flat=True))


def test_backup_archive_holds_the_keys_and_the_report_files(var: Path, tmp_path: Path) -> None:
    report, _pdf = _issue()
    archive = tmp_path / "files.tar.gz"
    backup._archive_files(archive)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert "keys/report-seal-ed25519.pem" in names
    assert "keys/report-seal-ed25519.pub.pem" in names
    assert f"media/reports/{report.pdf_sha256[:2]}/{report.pdf_sha256}.pdf" in names
    assert "keys" not in backup.SKIP_DIRS and "media" not in backup.SKIP_DIRS


def test_key_rotation_keeps_earlier_reports_verifiable(var: Path) -> None:
    """`xinyong reports rotate-key --yes`: the old public key is kept under keys/retired/
    and published; reports it sealed verify on the platform and offline with it; new
    reports carry the new key; the old private key is gone; a kid nobody published fails."""
    before, old_pdf = _issue()
    old_pem = _pem()
    old_kid = seal.key_id()
    with pytest.raises(CommandError, match="确认请加 --yes"):
        call_command("reports", "rotate-key")
    out = StringIO()
    call_command("reports", "rotate-key", "--yes", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["retired"] == old_kid and data["key_id"] == seal.key_id() != old_kid
    retired = var / "keys" / "retired" / f"report-seal-ed25519-{old_kid}.pub.pem"
    assert retired.read_bytes() == old_pem
    private = var / "keys" / "report-seal-ed25519.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (var / "keys" / "report-seal-ed25519.pub.pem").read_bytes() == _pem() != old_pem
    # The report sealed before still verifies: on the platform, and offline with its key.
    assert services.verify_file(old_pdf).authentic
    assert services.verify_offline(old_pdf, old_pem).authentic
    assert not services.verify_offline(old_pdf, _pem()).authentic
    # A new report carries the new key.
    after = services.issue_report(actor=None, subject=ORG_USCC, purpose="self_query")
    new_pdf = services.report_pdf(after)
    assert after.key_id == seal.key_id() and _split(new_pdf)[1]["kid"] == seal.key_id()
    assert services.verify_file(new_pdf).authentic
    # Published: the verification page and the API list the retired key.
    api = Client().get("/api/v1/reports/public-key/").json()
    assert [r["key_id"] for r in api["retired"]] == [old_kid]
    assert api["retired"][0]["pem"].encode() == old_pem
    page = Client().get("/credit/reports/verify/").content.decode()
    assert 'id="retired-keys"' in page and old_kid in page
    # A seal naming an unknown key is refused, retired keys or not.
    body, payload = _split(new_pdf)
    payload["kid"] = "0" * 16
    forged = services.verify_file(_line(body, payload))
    assert not forged.authentic and "不是本平台的密钥" in forged.message
    from xinyong.core.models import Event

    event = Event.objects.get(action="reports.seal_key_rotated")
    assert event.old_values == {"key_id": old_kid}
    assert before.key_id == old_kid
