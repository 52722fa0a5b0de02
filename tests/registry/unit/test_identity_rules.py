"""National ID numbers, volunteer numbers and the national-ID vault, without a database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from registry.domain.catalogue import DEFAULT_SERVICE_AREAS
from registry.domain.national_id import (
    InvalidNationalId,
    birth_date_of,
    check_character,
    mask,
    normalise,
)
from registry.domain.volunteer_number import format_number, looks_like_number
from registry.identity import NationalIdVault, generate_keys

# GB 11643-1999 (ISO 7064 MOD 11-2): the weights are 2^(17-i) mod 11, and the check is
# (12 - sum mod 11) mod 11, written X for 10. Worked examples: 11010519491231002 sums
# to 167, 167 mod 11 = 2, check 10 = "X"; 11010519800101001 sums to 116, check "6".
VALID = "11010519491231002X"


@pytest.mark.parametrize(
    ("first_17", "check"),
    [
        ("11010519491231002", "X"),
        ("11010519800101001", "6"),
        ("44030819900307891", "2"),
        ("00000000000000000", "1"),  # a total of 0
        ("10000000000000000", "5"),  # 7: every weight and character in its place
        ("01000000000000000", "3"),  # 9
        ("00000000000000001", "X"),  # 2, the last weight
    ],
)
def test_the_check_character_is_iso_7064_mod_11_2(first_17: str, check: str) -> None:
    assert check_character(first_17) == check


def test_the_check_character_needs_exactly_17_digits() -> None:
    with pytest.raises(ValueError, match=r"shorter|longer"):
        check_character("1101051949123100")


def test_a_valid_number_is_kept_and_a_lower_case_x_or_spaces_are_tidied() -> None:
    assert normalise(VALID) == VALID
    assert normalise(" 110105 19491231 002x ") == VALID
    assert normalise("110105198001010016") == "110105198001010016"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("11010519491231002", "a national ID number has 18 characters"),
        ("11010519491231002X1", "a national ID number has 18 characters"),
        ("1101051949123100XX", "a national ID number is 17 digits and a digit or X"),
        ("11010519491231002Y", "a national ID number is 17 digits and a digit or X"),
        ("a1010519491231002X", "a national ID number is 17 digits and a digit or X"),
        ("110105194902300021", "the birth date inside the national ID number is not a date"),
        ("110105194913010021", "the birth date inside the national ID number is not a date"),
        ("110105194912320021", "the birth date inside the national ID number is not a date"),
        ("110105194912310021", "the national ID number's check digit does not match"),
    ],
)
def test_an_impossible_number_is_refused_saying_why_without_the_number(
    raw: str, reason: str
) -> None:
    with pytest.raises(InvalidNationalId) as refused:
        normalise(raw)
    assert str(refused.value) == reason
    assert raw.strip() not in str(refused.value)
    # What HTTP answers: the message itself, said in the caller's language.
    assert refused.value.message.en == reason
    assert raw.strip() not in refused.value.message.zh


def test_a_leap_day_is_a_birth_date() -> None:
    first_17 = "11010520000229001"
    assert normalise(first_17 + check_character(first_17)) == first_17 + "3"


def test_the_birth_date_is_read_from_the_number() -> None:
    assert birth_date_of(VALID) == date(1949, 12, 31)
    assert birth_date_of("110105198001010016") == date(1980, 1, 1)


def test_a_masked_number_shows_the_first_three_and_last_four_only() -> None:
    assert mask(VALID) == "110***********002X"
    assert mask("110105198001010016") == "110***********0016"


def test_a_volunteer_number_is_district_year_and_a_seven_digit_sequence() -> None:
    assert format_number("110105", 2026, 1234) == "110105260001234"
    assert format_number("110105", 2009, 1) == "110105090000001"
    assert format_number("110105", 2026, 9_999_999) == "110105269999999"
    assert looks_like_number("110105260001234")
    assert not looks_like_number("11010526000123")
    assert not looks_like_number("1101052600012345")
    assert not looks_like_number("11010526000123x")


@pytest.mark.parametrize("code", ["11010", "1101050", "11010a", ""])
def test_a_district_code_has_six_digits(code: str) -> None:
    with pytest.raises(ValueError, match=r"^the district code has six digits$"):
        format_number(code, 2026, 1)


@pytest.mark.parametrize("sequence", [0, -1, 10_000_000])
def test_the_sequence_runs_from_1_to_9_999_999(sequence: int) -> None:
    with pytest.raises(
        ValueError, match=r"^the volunteer number sequence is exhausted for this format$"
    ):
        format_number("110105", 2026, sequence)


def test_the_default_catalogue_has_the_ten_national_service_areas() -> None:
    codes = [area.code for area in DEFAULT_SERVICE_AREAS]
    assert len(codes) == len(set(codes)) == 10
    assert DEFAULT_SERVICE_AREAS[0] == ("poverty_relief", "扶贫", "Poverty relief")


def test_the_vault_decrypts_what_it_encrypted_and_the_hash_is_keyed() -> None:
    old, new, hash_key = (Fernet.generate_key().decode() for _ in range(3))
    vault = NationalIdVault([old], hash_key)
    token = vault.encrypt(VALID)
    assert VALID not in token
    assert vault.decrypt(token) == VALID
    assert vault.lookup_hash(VALID) == vault.lookup_hash(VALID)
    assert len(vault.lookup_hash(VALID)) == 64
    assert vault.lookup_hash(VALID) != NationalIdVault([old], new).lookup_hash(VALID)
    assert vault.lookup_hash(VALID) != vault.lookup_hash("110105198001010016")
    # Rotation: the new key first; old ciphertexts still open, and rotate re-encrypts.
    rotated_vault = NationalIdVault([new, old], hash_key)
    assert rotated_vault.decrypt(token) == VALID
    rotated = rotated_vault.rotate(token)
    assert NationalIdVault([new], hash_key).decrypt(rotated) == VALID
    with pytest.raises(InvalidToken):
        NationalIdVault([new], hash_key).decrypt(token)
    assert NationalIdVault([new], hash_key).decrypt(rotated_vault.encrypt(VALID)) == VALID


@pytest.mark.parametrize(("keys", "hash_key"), [([], "k"), (["k"], ""), ([], "")])
def test_a_vault_without_keys_is_refused(keys: list[str], hash_key: str) -> None:
    with pytest.raises(
        ValueError, match=r"^national ID encryption and hash keys are not configured$"
    ):
        NationalIdVault(keys, hash_key)


def test_generated_keys_are_private_files_kept_unless_asked_to_replace(tmp_path: Path) -> None:
    directory = tmp_path / "deployment" / "keys"  # made with its parents
    keys_path, hash_path = generate_keys(directory)
    assert (keys_path.name, hash_path.name) == ("national-id.keys", "national-id-hash.key")
    first = (keys_path.read_text(), hash_path.read_text())
    for path in (keys_path, hash_path):
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.read_text().endswith("\n")
    vault = NationalIdVault([first[0].strip()], first[1].strip())
    assert vault.decrypt(vault.encrypt(VALID)) == VALID
    assert first[0] != first[1]
    assert generate_keys(directory) == (keys_path, hash_path)
    assert (keys_path.read_text(), hash_path.read_text()) == first
    generate_keys(directory, if_missing=False)
    assert keys_path.read_text() != first[0]
    assert hash_path.read_text() != first[1]
    hash_path.unlink()
    generate_keys(directory)  # one of the two missing: both are made anew
    assert hash_path.exists()
