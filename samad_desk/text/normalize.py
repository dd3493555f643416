"""Persian text normalization.

Three forms of a text (design/identity.md §1, design/rtl.md §4 step 1):

* :func:`normalize` — the **storage and display** form. Safe to store and to print on a
  terminal: NFC; ي ى → ی and ك → ک; Arabic presentation forms (pasted visual text) back to
  letters (NFKC on those ranges only, U+FDFC RIAL SIGN kept); ANSI/CSI/OSC/DCS escape
  sequences, C0/C1 controls, bidi embeddings/overrides/isolates, LRM/RLM/ALM, ZWJ, BOM and every
  other format (Cf) character and lone surrogates removed. ZWNJ (U+200C) is kept. Newlines are
  kept (multi-line descriptions): CR LF, CR, NEL, VT, FF, U+2028 and U+2029 become ``\\n``; a
  tab becomes one space. Nothing else is changed (no trimming, no space folding: see
  :func:`normalize_line`). Idempotent.
* :func:`name_key` — the **matching key**: folded letters (ة ۀ → ه, أ إ ٱ آ → ا, ؤ → و,
  ئ → ی), ء/tatweel/harakat dropped, ZWNJ → space, ASCII digits, lower-case Latin, single
  spaces, trimmed.
* :func:`compact_key` — the key without spaces: عبدالله / عبد الله / عبد‌الله are equal.

Everything is ``str.translate`` tables plus a few precompiled regexes (no dependencies).
"""

from __future__ import annotations

import re
import unicodedata

# --------------------------------------------------------------------------------------------
# Character classes (computed once; a test checks them against ``unicodedata``).

ZWNJ = "\u200c"
RIAL_SIGN = "\ufdfc"

# Format characters (general category Cf) in Unicode 14 (Python 3.11). ZWNJ is excluded below.
_CF_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip

_NEWLINES = "\r\x0b\x0c\x85\u2028\u2029"  # all become "\n" ("\r\n" first becomes "\n")


def _removed_codepoints() -> set[int]:
    removed: set[int] = set()
    for lo, hi in _CF_RANGES:
        removed.update(range(lo, hi + 1))
    removed.discard(ord(ZWNJ))
    removed.update(range(0x00, 0x20))  # C0
    removed.update(range(0x7F, 0xA0))  # DEL + C1
    removed.update(range(0xD800, 0xE000))  # lone surrogates (cannot be encoded to UTF-8)
    removed.update((0xFFFE, 0xFFFF))  # noncharacters
    removed.discard(ord("\n"))
    removed.discard(ord("\t"))
    for ch in _NEWLINES:
        removed.discard(ord(ch))
    return removed


_PRESENTATION_RANGES = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFE))
_LETTER_MAP = {0x064A: "\u06cc", 0x0649: "\u06cc", 0x0643: "\u06a9"}  # ي ى → ی, ك → ک


def _build_display_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {cp: None for cp in _removed_codepoints()}
    table[ord("\t")] = " "
    for ch in _NEWLINES:
        table[ord(ch)] = "\n"
    table.update(_LETTER_MAP)
    for lo, hi in _PRESENTATION_RANGES:
        for cp in range(lo, hi + 1):
            if cp == ord(RIAL_SIGN):
                continue
            ch = chr(cp)
            folded = unicodedata.normalize("NFKC", ch)
            if folded != ch:
                table[cp] = folded.translate(_LETTER_MAP)
    return table


_DISPLAY_TABLE = _build_display_table()

# Escape sequences (ECMA-48). Their printable parameters must go too, not only the ESC.
# Unterminated string sequences (OSC/DCS/…) end at a newline so one stray ESC cannot swallow
# a whole description.
_ESCAPE_RE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?                 # CSI … final
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) [^\x07\x1b\x9c\n]* (?:\x07|\x1b\\|\x9c)?  # OSC DCS SOS PM APC … ST/BEL
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                                         # other ESC sequences
    """,
    re.VERBOSE,
)
_HAS_ESCAPE = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")


_CONTROL_TABLE: dict[int, str | None] = {cp: None for cp in _removed_codepoints()}
_CONTROL_TABLE[ord("\t")] = " "
_CONTROL_TABLE.update({ord(ch): "\n" for ch in _NEWLINES})


def strip_controls(text: str) -> str:
    """Remove escape sequences, C0/C1 controls and format (Cf) characters except ZWNJ.

    Keeps ``\\n`` (CR LF / CR / NEL / VT / FF / U+2028 / U+2029 become ``\\n``); a tab becomes
    a space. Letters and digits are untouched (see :func:`normalize` for the full form).
    """
    if not text:
        return ""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if _HAS_ESCAPE.search(text):
        text = _ESCAPE_RE.sub("", text)
    return text.translate(_CONTROL_TABLE)


def normalize(text: str) -> str:
    """The storage/display form of ``text`` (see the module docstring). Never raises on a str."""
    if not text:
        return ""
    if not isinstance(text, str):  # defensive: callers sometimes pass None/int from JSON
        text = str(text)
    if text.isascii() and text.isprintable():
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if _HAS_ESCAPE.search(text):
        text = _ESCAPE_RE.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = text.translate(_DISPLAY_TABLE)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


_WS_RE = re.compile(r"[\s\u200c]*\s[\s\u200c]*")
_ZWNJ_RUN_RE = re.compile("\u200c{2,}")


def normalize_line(text: str) -> str:
    """:func:`normalize` for one-line fields (names, subjects, cities): newlines and runs of
    whitespace become one space, the ends are trimmed, and a ZWNJ that joins nothing (doubled,
    next to a space, at either end) is dropped. Idempotent."""
    text = normalize(text)
    if not text:
        return ""
    text = _WS_RE.sub(" ", text)
    if ZWNJ in text:
        text = _ZWNJ_RUN_RE.sub(ZWNJ, text)
    return text.strip(" " + ZWNJ)


# --------------------------------------------------------------------------------------------
# Matching keys (identity.md §1)


def _build_key_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    fold = {
        "\u0629": "\u0647",  # ة → ه
        "\u06c0": "\u0647",  # ۀ → ه
        "\u06d5": "\u0647",  # ە (AE, Kurdish keyboards) → ه
        "\u06be": "\u0647",  # ھ heh doachashmee → ه
        "\u06c1": "\u0647",  # ہ heh goal → ه
        "\u0623": "\u0627",  # أ → ا
        "\u0625": "\u0627",  # إ → ا
        "\u0671": "\u0627",  # ٱ → ا
        "\u0622": "\u0627",  # آ → ا
        "\u0624": "\u0648",  # ؤ → و
        "\u0626": "\u06cc",  # ئ → ی
        "\u064a": "\u06cc",  # ي → ی (already done by normalize; kept for safety)
        "\u0649": "\u06cc",
        "\u0643": "\u06a9",
        ZWNJ: " ",
    }
    for src, dst in fold.items():
        table[ord(src)] = dst
    dropped = [0x0621, 0x0640, 0x0670, 0x200D, 0x200E, 0x200F, 0xFEFF]
    dropped += range(0x064B, 0x0660)  # harakat, shadda, sukun, hamza above/below, …
    for cp in dropped:
        table[cp] = None
    for i, (p, a) in enumerate(zip("۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩", strict=True)):
        table[ord(p)] = str(i)
        table[ord(a)] = str(i)
    # Apostrophes vanish (Sa'eed = Saeed); other punctuation separates words.
    for ch in "'`\u2018\u2019\u02bc":
        table[ord(ch)] = None
    for ch in '-_.,،؛;:/\\|"«»()[]{}!?؟*+=<>~^&%$#@\u2010\u2011\u2012\u2013\u2014\u2015':
        table[ord(ch)] = " "
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(c)] = c.lower()
    return table


_KEY_TABLE = _build_key_table()


def _fold(text: str) -> str:
    text = normalize(text)
    if not text:
        return ""
    text = text.translate(_KEY_TABLE)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        # dropping a mark can let two neighbours compose (rare, but keys must be stable)
        text = unicodedata.normalize("NFC", text).translate(_KEY_TABLE)
    return text


def name_key(text: str) -> str:
    """Matching key of a name (identity.md §1): folded letters, ASCII digits, single spaces.

    ``name_key("سيد  محمّد‌رضا")`` → ``"سید محمد رضا"``. Titles are not removed (see
    :func:`strip_titles`).
    """
    return " ".join(_fold(text).split())


def compact_key(text: str) -> str:
    """:func:`name_key` without any space or ZWNJ: عبد الله, عبد‌الله, عبدالله → عبدالله."""
    return "".join(_fold(text).split())


_TITLES = frozenset({"سید", "سیده", "سادات"})


def strip_titles(name: str) -> tuple[str, bool]:
    """Split the titles سید / سیده / سادات off a name: ``(name without them, sayyed)``.

    Works on whole words only (separated by space or ZWNJ, any spelling variant: سيد, سیّد):
    «سید محمد» → («محمد», True), «فاطمه سادات» → («فاطمه», True), «سیدی» stays. If the name
    is nothing but titles (a family name «سادات»), it is returned unchanged with ``False``.
    The returned name is :func:`normalize_line`-d.
    """
    clean = normalize_line(name)
    if not clean:
        return "", False
    # Split on spaces and ZWNJ but keep ZWNJ inside non-title words (حسن‌زاده).
    words = clean.split(" ")
    kept: list[str] = []
    found = False
    for word in words:
        parts = word.split(ZWNJ)
        rest = [p for p in parts if compact_key(p) not in _TITLES]
        if len(rest) != len(parts):
            found = True
        if rest:
            kept.append(ZWNJ.join(p for p in rest if p))
    kept = [w for w in kept if w]
    if not found or not kept:
        return clean, False
    return " ".join(kept), True
