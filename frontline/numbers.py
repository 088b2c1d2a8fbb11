"""Chinese number formatting for figures: 10000000 -> 1000万, with qualifier and unit."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal

from .models import PREFIX_QUALIFIERS, FigureMeta

# A Locale object, not the string: Babel would parse "zh_CN" again on every call (~0.5 ms each).
LOCALE = Locale.parse("zh_CN")


def format_number(value: Decimal | int) -> str:
    """万/亿 where the value is a round multiple (as Chinese newspapers write it), digits otherwise."""
    if type(value) in (Decimal, int):  # Babel takes ~40 us a number; a site repeats its figures
        return _format_exactly(str(value))  # str() of a Decimal or int gives back the same Decimal
    return _format(Decimal(value))


@functools.lru_cache(maxsize=8192)
def _format_exactly(text: str) -> str:
    return _format(Decimal(text))


def _format(value: Decimal) -> str:
    if value >= 10000:
        compact = format_compact_decimal(value, locale=LOCALE, fraction_digits=2)
        if _compact_is_exact(compact, value):
            return compact
    # Chinese prose writes 1000 and 282 without group separators.
    return format_decimal(value, format="0.##", locale=LOCALE)


def format_figure(meta: FigureMeta) -> str:
    number = format_number(meta.value)
    qualifier = meta.qualifier or ""
    if qualifier in PREFIX_QUALIFIERS:
        return f"{qualifier}{number}{meta.unit}"
    return f"{number}{qualifier}{meta.unit}"


def _compact_is_exact(compact: str, value: Decimal) -> bool:
    scale = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8, "万亿": Decimal(10) ** 12}
    for suffix in ("万亿", "亿", "万"):
        if compact.endswith(suffix):
            try:
                return Decimal(compact[: -len(suffix)].replace(",", "")) * scale[suffix] == value
            except ArithmeticError:
                return False
    return False
