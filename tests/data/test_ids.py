"""Document ids (SPEC 5.4): Convex's v6 layout, opaque and unguessable, naming their table;
a mistyped or tampered id fails to decode instead of naming another document."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convexhttp.ids import (
    ALPHABET,
    MAX_TABLE_NUMBER,
    IdError,
    decode_id,
    new_id,
    table_number_of,
)

# Convex's own stability vector (crates/value/src/id_v6.rs, test_document_id_stability):
# table 1017, internal id [251, 251*251 mod 256, ...].
STABLE_ID = "z43zp6c3e75gkmz1kfwj6mbbx5sw281h"


def stable_random() -> bytes:
    out = [251]
    for _ in range(15):
        out.append(out[-1] * 251 % 256)
    return bytes(out)


def test_convex_stability_vector_decodes_to_its_table_and_bytes() -> None:
    decoded = decode_id(STABLE_ID)
    assert decoded.table_number == 1017
    assert decoded.random == stable_random()


def test_new_ids_name_their_table_and_differ() -> None:
    for number in (1, 2, 127, 128, 10001, 2**21, MAX_TABLE_NUMBER):
        made = {new_id(number) for _ in range(50)}
        assert len(made) == 50
        for doc_id in made:
            assert table_number_of(doc_id) == number
            assert set(doc_id) <= set(ALPHABET)
            assert len(decode_id(doc_id).random) == 16


def test_ids_of_one_table_have_one_length() -> None:
    assert len({len(new_id(10001)) for _ in range(100)}) == 1
    assert [len(new_id(n)) for n in (1, 128, 2**14, 2**21, 2**28)] == [31, 32, 34, 36, 37]


@pytest.mark.parametrize("number", [0, -1, MAX_TABLE_NUMBER + 1])
def test_table_numbers_out_of_range_are_refused(number: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        new_id(number)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid id length 0"),
        ("z43zp6c3e75gkmz1kfwj6mbbx5sw281", "non-canonical"),
        ("z43zp6c3e75gkmz1kfwj6mbbx5sw281h" * 2, "invalid id length 64"),
        ("Z43ZP6C3E75GKMZ1KFWJ6MBBX5SW281H", "invalid character 'Z'"),
        ("z43zp6c3e75gkmz1kfwj6mbbx5sw28lh", "invalid character 'l'"),  # ell is not a digit
        ("z43zp6c3e75gkmz1kfwj6mbbx5sw281i", "invalid character 'i'"),
        # 19 bytes whose table number takes 2 of them (Convex's regression), then 5 + 18
        ("g40g00820c20a1g7104gm2rc1m70y40", "invalid id length 31"),
        ("g60r30c1000g40r40m30e209185gr38e1w812", "invalid table number"),
        ("sssswsgggggggggsgcsssfafffsffks", "non-canonical"),
        ("0000000000000000000000000000000", "invalid table number"),  # table 0
    ],
)
def test_strings_that_are_not_ids_raise_id_error(text: str, message: str) -> None:
    with pytest.raises(IdError, match=message):
        decode_id(text)
    assert table_number_of(text) is None


@pytest.mark.parametrize("value", [None, 17, b"z43zp6c3e75gkmz1kfwj6mbbx5sw281h", ["x"]])
def test_non_strings_are_not_ids(value: object) -> None:
    with pytest.raises(IdError, match="expected an id string"):
        decode_id(value)
    assert table_number_of(value) is None


def test_id_error_is_a_value_error() -> None:
    assert issubclass(IdError, ValueError)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, MAX_TABLE_NUMBER), st.data())
def test_changing_any_one_character_is_detected(number: int, data: st.DataObject) -> None:
    doc_id = new_id(number)
    position = data.draw(st.integers(0, len(doc_id) - 1))
    other = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != doc_id[position]))
    tampered = doc_id[:position] + other + doc_id[position + 1 :]
    with pytest.raises(IdError):
        decode_id(tampered)


def test_a_tampered_id_fails_its_checksum() -> None:
    tampered = STABLE_ID[:10] + "a" + STABLE_ID[11:]  # one of the random bytes
    assert tampered != STABLE_ID
    with pytest.raises(IdError, match="checksum mismatch"):
        decode_id(tampered)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, MAX_TABLE_NUMBER), st.sampled_from(ALPHABET))
def test_an_id_with_a_character_added_is_not_the_same_id(number: int, extra: str) -> None:
    """One document has one id string: a longer string never decodes to the same id."""
    doc_id = new_id(number)
    for longer in (doc_id + extra, extra + doc_id):
        try:
            decoded = decode_id(longer)
        except IdError:
            continue
        assert decoded != decode_id(doc_id)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=31, max_size=37))
def test_random_strings_decode_or_raise_id_error(text: str) -> None:
    try:
        decoded = decode_id(text)
    except IdError:
        return
    assert 1 <= decoded.table_number <= MAX_TABLE_NUMBER
