"""FD1 license keys: what verifies, and every way a key is refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk import Edition, License, LicenseRefusal, licensing
from frontdesk.i18n.messages import plain
from frontdesk.licensing import edition_in_force
from frontdesk.licensing.tokens import (
    PREFIX,
    generate_keypair,
    issue,
    key_id,
    public_bytes,
    read_private_key,
    verify,
    write_keypair,
)

ISSUED = dt.date(2026, 1, 1)
EXPIRES = dt.date(2030, 12, 31)


@pytest.fixture(scope="module")
def vendor():
    private, public = generate_keypair()
    return Ed25519PrivateKey.from_private_bytes(private), {"vendor:test": public}


def sign(private, **kw):
    args = {
        "licensee": "Acme Ltd",
        "edition": Edition.PROFESSIONAL,
        "seats": 5,
        "expires": EXPIRES,
        "issued": ISSUED,
        "license_id": "lic-1",
        **kw,
    }
    return issue(private, **args)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def edit_payload(key: str, **changes) -> str:
    prefix, payload, signature = key.split(".")
    data = json.loads(unb64(payload))
    data.update(changes)
    return f"{prefix}.{b64(json.dumps(data, separators=(',', ':')).encode())}.{signature}"


def test_round_trip(vendor):
    private, trusted = vendor
    license = verify(sign(private), trusted)
    assert license == License(
        license_id="lic-1",
        licensee="Acme Ltd",
        edition=Edition.PROFESSIONAL,
        seats=5,
        issued=ISSUED,
        expires=EXPIRES,
        signed_by="vendor:test",
    )
    assert not license.is_expired(dt.date(2030, 12, 31)), "valid through its last day"


def test_the_signer_is_named_among_several_trusted_keys(vendor):
    private, trusted = vendor
    _, other = generate_keypair()
    license = verify(sign(private), {"vendor:other": other, **trusted})
    assert license.signed_by == "vendor:test"


def test_the_payload_names_its_signing_key(vendor):
    private, trusted = vendor
    payload = json.loads(unb64(sign(private).split(".")[1]))
    assert payload["kid"] == key_id(trusted["vendor:test"]) == key_id(public_bytes(private))


def test_a_new_id_by_default(vendor):
    private, trusted = vendor
    first = verify(sign(private, license_id=None), trusted)
    second = verify(sign(private, license_id=None), trusted)
    assert first.license_id != second.license_id


@pytest.mark.parametrize(
    "changes",
    [
        {"edition": "enterprise"},
        {"seats": 500},
        {"expires": "2999-12-31"},
        {"licensee": "Someone Else"},
    ],
)
def test_an_edited_payload_is_refused_as_altered(vendor, changes):
    private, trusted = vendor
    verdict = verify(edit_payload(sign(private), **changes), trusted)
    assert isinstance(verdict, LicenseRefusal)
    assert "altered after it was signed" in plain(verdict.reason)
    assert "vendor:test" in plain(verdict.reason)


def test_an_edited_payload_without_key_id_is_refused_too(vendor):
    private, trusted = vendor
    key = edit_payload(sign(private), edition="enterprise")
    prefix, payload, signature = key.split(".")
    data = json.loads(unb64(payload))
    del data["kid"]
    stripped = f"{prefix}.{b64(json.dumps(data).encode())}.{signature}"
    verdict = verify(stripped, trusted)
    assert isinstance(verdict, LicenseRefusal)
    assert "does not match any trusted key" in plain(verdict.reason)


def test_a_key_signed_by_another_key_is_refused_as_untrusted(vendor):
    _, trusted = vendor
    forger = Ed25519PrivateKey.generate()
    verdict = verify(sign(forger, edition=Edition.ENTERPRISE), trusted)
    assert isinstance(verdict, LicenseRefusal)
    assert "signed by a key this installation does not trust" in plain(verdict.reason)
    assert key_id(public_bytes(forger)) in plain(verdict.reason)


def test_a_forger_claiming_the_vendors_key_id_is_still_refused(vendor):
    _, trusted = vendor
    forger = Ed25519PrivateKey.generate()
    # The forger signs a payload that claims the vendor's key id: the signature decides.
    body = {
        "id": "x",
        "licensee": "Forger",
        "edition": "enterprise",
        "seats": 999,
        "issued": "2026-01-01",
        "expires": "2999-01-01",
        "kid": key_id(trusted["vendor:test"]),
    }
    signed = f"{PREFIX}.{b64(json.dumps(body).encode())}"
    key = f"{signed}.{b64(forger.sign(signed.encode()))}"
    assert isinstance(verify(key, trusted), LicenseRefusal)


def test_a_signature_swapped_in_from_another_key_is_refused(vendor):
    private, trusted = vendor
    genuine = sign(private, edition=Edition.FREE)
    upgraded = sign(private, edition=Edition.ENTERPRISE)
    franken = ".".join([*upgraded.split(".")[:2], genuine.split(".")[2]])
    assert isinstance(verify(franken, trusted), LicenseRefusal)


def test_no_trusted_keys_means_nothing_verifies(vendor):
    private, _ = vendor
    verdict = verify(sign(private), {})
    assert isinstance(verdict, LicenseRefusal)
    assert "does not trust" in plain(verdict.reason)


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("FD1.", "incomplete or malformed"),
        ("FD1.abc", "incomplete or malformed"),
        ("FD1.a.b.c", "incomplete or malformed"),
        ("FD1..sig", "incomplete or malformed"),
        ("FD1.!!!!.????", "malformed"),
        ("FD1.bm90IGpzb24." + "A" * 86, "malformed"),  # "not json", a zero signature
        ("FD1.bm90IGpzb24.c2ln", "incomplete"),
        (f"FD1.{b64(b'[1, 2]')}.{b64(bytes(64))}", "not a record"),
        ("FD1." + "A" * 9000, "too long"),
    ],
)
def test_garbage_in_the_fd1_format_is_refused_with_a_reason(key, words, vendor):
    verdict = verify(key, vendor[1])
    assert isinstance(verdict, LicenseRefusal)
    assert words in plain(verdict.reason)


@pytest.mark.parametrize("cut", [1, 10, 40])
def test_a_truncated_key_is_refused(vendor, cut):
    private, trusted = vendor
    verdict = verify(sign(private)[:-cut], trusted)
    assert isinstance(verdict, LicenseRefusal)
    assert "incomplete" in plain(verdict.reason) or "malformed" in plain(verdict.reason)


@pytest.mark.parametrize("junk", ["!", "=", "+", "/", "%"])
def test_a_key_with_characters_slipped_in_is_refused(vendor, junk):
    # base64 decoders skip unknown characters: the key must not verify all the same.
    private, trusted = vendor
    prefix, payload, signature = sign(private).split(".")
    for tampered in (
        f"{prefix}.{payload}.{signature[:20]}{junk}{signature[20:]}",
        f"{prefix}.{payload[:20]}{junk}{payload[20:]}.{signature}",
    ):
        verdict = verify(tampered, trusted)
        assert isinstance(verdict, LicenseRefusal) and "malformed" in plain(verdict.reason)


def test_a_key_has_one_spelling(vendor):
    # The last base64 character carries unused bits a lenient decoder ignores.
    private, trusted = vendor
    prefix, payload, signature = sign(private).split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    respelled = f"{prefix}.{payload}.{signature[:-1]}{alphabet[last ^ 1]}"
    assert unb64(respelled.split(".")[2]) == unb64(signature), "same bytes, other spelling"
    assert isinstance(verify(respelled, trusted), LicenseRefusal)


def test_a_key_cut_inside_its_payload_is_refused(vendor):
    private, trusted = vendor
    key = sign(private)
    assert isinstance(verify(key[:30], trusted), LicenseRefusal)


@pytest.mark.parametrize("key", ["", "   ", "hello", "FD2.abc.def", "fd1.abc.def", "ACME-1234"])
def test_other_formats_are_left_to_other_verifiers(key, vendor):
    assert verify(key, vendor[1]) is None


def test_signed_but_nonsensical_contents_are_refused(vendor):
    private, trusted = vendor
    body = {"id": "x", "licensee": "X", "edition": "platinum", "seats": 1}
    signed = f"{PREFIX}.{b64(json.dumps(body).encode())}"
    key = f"{signed}.{b64(private.sign(signed.encode()))}"
    verdict = verify(key, trusted)
    assert isinstance(verdict, LicenseRefusal) and "contents are invalid" in plain(verdict.reason)
    zero = sign(private, seats=0)
    assert isinstance(verify(zero, trusted), LicenseRefusal)


def test_a_signed_payload_naming_a_field_twice_is_refused(vendor):
    """JSON parsers disagree on which of two equal names wins (Python takes the last): a
    signer's tool showing "professional" must not install as Enterprise."""
    private, trusted = vendor
    body = (
        '{"id":"lic-1","licensee":"Acme Ltd","edition":"professional","seats":5,'
        '"issued":"2026-01-01","expires":"2030-12-31","edition":"enterprise"}'
    )
    signed = f"{PREFIX}.{b64(body.encode())}"
    key = f"{signed}.{b64(private.sign(signed.encode()))}"
    verdict = verify(key, trusted)
    assert verdict == LicenseRefusal(
        reason="The license key is malformed (it names a field twice)."
    )


def test_a_key_issued_on_a_later_day_is_not_valid_yet(vendor):
    private, trusted = vendor
    license = verify(sign(private, issued=dt.date(2027, 3, 1)), trusted)
    assert license.is_premature(dt.date(2027, 2, 28)) and not license.in_force(dt.date(2027, 2, 28))
    assert not license.is_premature(dt.date(2027, 3, 1)) and license.in_force(dt.date(2027, 3, 1))
    assert edition_in_force(license, dt.date(2027, 2, 28)) == Edition.FREE
    assert edition_in_force(license, dt.date(2027, 3, 1)) == Edition.PROFESSIONAL


def test_not_valid_before_allows_a_few_minutes_of_clock_difference(vendor, monkeypatch):
    """A key issued "today" by a vendor whose clock runs a little ahead (just past
    midnight there, just before here) installs; one issued for tomorrow does not."""
    private, trusted = vendor
    before_midnight = dt.datetime(2027, 2, 28, 23, 58)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return before_midnight

    monkeypatch.setattr(licensing, "dt", SimpleNamespace(datetime=Clock, date=dt.date))
    assert not verify(sign(private, issued=dt.date(2027, 3, 1)), trusted).is_premature()
    assert verify(sign(private, issued=dt.date(2027, 3, 2)), trusted).is_premature()
    before_midnight = dt.datetime(2027, 2, 28, 23, 50)
    assert verify(sign(private, issued=dt.date(2027, 3, 1)), trusted).is_premature()


def test_an_expired_key_still_names_itself(vendor):
    private, trusted = vendor
    license = verify(
        sign(private, issued=dt.date(2020, 1, 1), expires=dt.date(2020, 12, 31)), trusted
    )
    assert isinstance(license, License)
    assert license.is_expired() and license.is_expired(dt.date(2021, 1, 1))
    assert not license.is_expired(dt.date(2020, 12, 31))


def test_a_wrapped_pasted_key_is_accepted(vendor):
    private, trusted = vendor
    key = sign(private)
    wrapped = "\n  " + "\n".join(key[i : i + 40] for i in range(0, len(key), 40)) + " \r\n"
    assert verify(wrapped, trusted) == verify(key, trusted)


def test_keypair_files(tmp_path):
    private_path = tmp_path / "keys" / "acme.key"
    public_path = write_keypair(private_path)
    assert public_path == tmp_path / "keys" / "acme.pub"
    assert private_path.stat().st_mode & 0o077 == 0, "the private key is private"
    private = read_private_key(private_path)
    public = base64.b64decode(public_path.read_text())
    assert isinstance(verify(sign(private), {"local:acme": public}), License)
    with pytest.raises(FileExistsError):
        write_keypair(private_path)
