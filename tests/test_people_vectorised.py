"""The column-wise (Arrow) phone normaliser equals the scalar one, value by value."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vetline.people import house_number, normalise_address, normalise_phone
from vetline.people.addresses import number_and_key
from vetline.people.phones import normalise_phones

_PHONES = st.one_of(
    st.text(alphabet="0123456789 +()-./", max_size=18),
    st.builds(
        lambda p, d: p + d,
        st.sampled_from(["", "+44 ", "+44", "0044", "44", "(0)", "+44 (0)", " 0", "00"]),
        st.text(alphabet="0123456789 ", max_size=13),
    ),
    st.text(alphabet="0123456789 +\t\u0663x", max_size=12),
    st.text(max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PHONES, max_size=30))
def test_phones_column_wise_equal_the_scalar_normaliser(values: list[str]) -> None:
    assert normalise_phones(values) == [normalise_phone(v) for v in values]


def test_column_wise_phone_normaliser_on_typical_values() -> None:
    assert normalise_phones(["+44 (0)114 496 0000", "0044 7700 900123", "123"]) == [
        "01144960000",
        "07700900123",
        "",
    ]


def _key_as_first_written(normalised: str) -> str:
    tokens = normalised.split()
    number = house_number(normalised)
    if not number:
        return ""
    at = len(tokens) - 1 - tokens[::-1].index(number)
    return " ".join(tokens[at : at + 2])


@given(st.text(alphabet="0123456789abc flat,.-/", max_size=30))
def test_number_and_key_in_one_pass(text: str) -> None:
    a = normalise_address(text)
    assert number_and_key(a) == (house_number(a), _key_as_first_written(a))
