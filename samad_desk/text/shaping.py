"""Arabic-script shaping with a shaped-to-logical index map (design/rtl.md §3, §4 step 2).

arabic-reshaper picks the joined presentation form of every letter but keeps no map back
to the input. We rebuild one by walking its output: the NFKC form of a presentation form is
the letter(s) it came from (U+FEFB gives lam + alef), other characters map 1:1, and input
characters the reshaper consumed (ZWJ) are skipped. Pure; no Textual.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from arabic_reshaper import ArabicReshaper

# Marks are data (delete_harakat off); the ALLAH ligature is drawn wider than one cell by
# most fonts, so it is never emitted; lam-alef is mandatory; ZWJ is consumed by the shaper.
RESHAPER_CONFIG = {
    "language": "Arabic",
    "delete_harakat": False,
    "support_ligatures": True,
    "ARABIC LIGATURE ALLAH": False,
    "support_zwj": True,
    "shift_harakat_position": False,
}

_RESHAPER = ArabicReshaper(configuration=RESHAPER_CONFIG)


def _is_arabic(ch: str) -> bool:
    o = ord(ch)
    return (
        0x0600 <= o <= 0x06FF
        or 0x0750 <= o <= 0x077F
        or 0x08A0 <= o <= 0x08FF
        or 0xFB50 <= o <= 0xFDFF
        or 0xFE70 <= o <= 0xFEFF
    )


def is_presentation_form(ch: str) -> bool:
    o = ord(ch)
    return 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFC


_SPACES = re.compile(r"( +)")


@lru_cache(maxsize=8192)
def shape(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """Shape ``text``; return ``(shaped, src, span)``.

    ``src[k]`` is the logical index of the first input character behind shaped character
    ``k`` and ``span[k]`` how many input characters it stands for (2 for lam-alef). Input
    characters covered by no shaped character (a consumed ZWJ) are simply absent.

    Joining and ligatures never cross a space, so long texts (> 120 characters: inputs,
    descriptions) are shaped word by word
    through a cache: typing in a long field reshapes only the word being typed.
    """
    if " " in text and len(text) > 120:
        out: list[str] = []
        src: list[int] = []
        span: list[int] = []
        offset = 0
        for part in _SPACES.split(text):
            if not part:
                continue
            if part[0] == " ":
                out.append(part)
                src.extend(range(offset, offset + len(part)))
                span.extend([1] * len(part))
            else:
                s, p_src, p_span = _shape_word(part)
                out.append(s)
                src.extend(i + offset for i in p_src)
                span.extend(p_span)
            offset += len(part)
        return "".join(out), tuple(src), tuple(span)
    return _shape_word(text)


ZWJ = "\u200d"


@lru_cache(maxsize=16384)
def _shape_word(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    if not any(_is_arabic(ch) for ch in text):
        ident = tuple(range(len(text)))
        return text, ident, (1,) * len(text)
    shaped = _RESHAPER.reshape(text)
    walked = _walk(text, shaped)
    if walked is not None:
        return shaped, *walked
    # arabic-reshaper moved or dropped something other than a ZWJ (e.g. an orphan mark
    # after a consumed ZWJ is moved behind the next character): shape without the ZWJs,
    # and if that still cannot be followed, show the letters unshaped. Either way every
    # visible character keeps exactly one, ordered, logical index.
    if ZWJ in text:
        keep = [i for i, ch in enumerate(text) if ch != ZWJ]
        bare = "".join(text[i] for i in keep)
        shaped = _RESHAPER.reshape(bare)
        walked = _walk(bare, shaped)
        if walked is not None:
            src, span = walked
            out_src = tuple(keep[j] for j in src)
            out_span = tuple(keep[j + n - 1] - keep[j] + 1 for j, n in zip(src, span, strict=True))
            return shaped, out_src, out_span
    ident = tuple(range(len(text)))
    return text, ident, (1,) * len(text)


def _walk(text: str, shaped: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Follow the shaper's output back to ``text``: ``(src, span)``, or ``None`` when the
    output is not the input in order with only ZWJs dropped and ligatures joined."""
    src: list[int] = []
    span: list[int] = []
    i = 0
    n = len(text)
    for ch in shaped:
        j = i
        if ch != ZWJ:
            while j < n and text[j] == ZWJ:
                j += 1
        if j < n and text[j] == ch:  # passed through unchanged (digits, marks, U+FDFC …)
            src.append(j)
            span.append(1)
            i = j + 1
            continue
        letters = unicodedata.normalize("NFKC", ch) if is_presentation_form(ch) else ch
        if not letters:
            letters = ch
        # skip input characters the shaper dropped (ZWJ only) up to the source letter
        while j < n and text[j] != letters[0]:
            if text[j] != ZWJ:
                return None
            j += 1
        if j >= n:
            return None
        src.append(j)
        # a ligature consumes its letters (possibly with dropped ZWJs between)
        k = j + 1
        for letter in letters[1:]:
            while k < n and text[k] != letter:
                if text[k] != ZWJ:
                    return None
                k += 1
            if k >= n:
                return None
            k += 1
        span.append(k - j)
        i = k
    if any(ch != ZWJ for ch in text[i:]):
        return None
    return tuple(src), tuple(span)


def shaped_text(text: str) -> str:
    """Just the shaped string (presentation forms), for callers that need no map."""
    return shape(text)[0]
