"""Strategies for the values a blueprint holds, as hostile as the language allows.

Each field gets the hardest strings its own syntax permits: free text (images, header
values, certificate ARNs) gets quotes, colons, '#', newlines, control characters, lone
surrogates, unicode and YAML keywords; DNS names and label values get the words and
numbers a YAML parser reads as something else (`yes`, `null`, `on`, `1e3`, `0x1F`,
`2026-11-22`); paths and header names get the punctuation their grammar allows.
"""

from __future__ import annotations

import functools
import ipaddress
import re

from hypothesis import strategies as st

# Words some YAML parser reads as a bool, null, number, date or special float.
YAML_WORDS = (
    "yes", "no", "on", "off", "y", "n", "true", "false", "null", "nan", "inf", "Yes", "NO",
    "On", "OFF", "True", "FALSE", "Null", "NULL", "NaN", "Y", "N",
)
NUMERIC = ("0", "1", "012", "0x1F", "0o17", "0b101", "1e3", "1E3", "1_000", "1.5", "1.0",
           "12e3", "2026-11-22", "12-30", "0777", "123456789012345678901234567890")
LEADING = ("*", "&", "!", "%", "@", "#", "|", ">", "?", "-", ":", "'", '"', "`", "{", "[",
           ",", " ", "\t", "~", "=", "<<")
NASTY_TEXT = (
    *YAML_WORDS, *NUMERIC, "~", "", " ", "a: b", "a:b", "a #b", "#c", "- x", "? k", "*alias",
    "&anchor", "!tag", "!!str", "%YAML 1.2", "@at", "`tick`", "'single'", '"double"',
    "{a: 1}", "[1, 2]", "|", ">", "|-\n x", "back\\slash", "tab\there", "new\nline",
    "trailing\n", "\nleading", "cr\rlf", "nul\0", "\x85", "\u2028", "\u2029", "\ufeffbom",
    "\x1b[31mred", "日本語", "😀", "é", "--- ", "...", "a\n---\nkind: Secret",
    "key: value\nkind: Secret", "{{ name }}", "{% raw %}", "${HOME}", "$(id)", "\\n",
    ".inf", "-.nan", ".NaN", "<<: *x", "a\u00a0b", "x" * 300,
)
# Not characters at all: a str can hold them, YAML cannot (netgen reports them).
SURROGATES = ("\ud800", "\udfff x", "a\udc80b")

# Every character, controls and private use included; lone surrogates only in `junk`.
_ANY_CHAR = st.characters(exclude_categories=["Cs"])


@functools.cache
def text(min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Free text, for fields that accept any string."""
    plain = st.text(_ANY_CHAR, min_size=min_size, max_size=max_size)
    led = st.builds(lambda a, b: a + b, st.sampled_from(LEADING), plain)
    chosen = st.sampled_from(NASTY_TEXT).filter(lambda s: min_size <= len(s))
    joined = st.builds(lambda a, b: a + b, chosen, plain)
    out = st.one_of(chosen, plain, led, joined)
    return out.filter(lambda s: min_size <= len(s)) if min_size else out


_DNS_LABEL_RANDOM = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?", fullmatch=True)


def _is_dns_label(s: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", s)) and len(s) <= 63


DNS_WORDS = tuple(sorted({w.lower() for w in (*YAML_WORDS, *NUMERIC)
                          if _is_dns_label(w.lower()) and len(w) < 20}))


@functools.cache
def dns_label(max_size: int = 12) -> st.SearchStrategy[str]:
    """A DNS-1123 label (namespaces, host name parts): YAML words and numbers first."""
    return st.one_of(st.sampled_from(DNS_WORDS), _DNS_LABEL_RANDOM).filter(
        lambda s: len(s) <= max_size)


@functools.cache
def dns1035(max_size: int = 10) -> st.SearchStrategy[str]:
    """A DNS-1035 label (service, external and version names): starts with a letter."""
    words = tuple(w for w in DNS_WORDS if w[0].isalpha())
    random = st.from_regex(r"[a-z]([-a-z0-9]{0,6}[a-z0-9])?", fullmatch=True)
    return st.one_of(st.sampled_from(words), random).filter(lambda s: len(s) <= max_size)


@functools.cache
def host(wildcard: bool = True) -> st.SearchStrategy[str]:
    """A DNS name of 1-3 labels, sometimes a wildcard (a leading '*')."""
    name = st.lists(dns_label(10), min_size=1, max_size=3).map(".".join)
    if not wildcard:
        return name
    return st.one_of(name, name.map(lambda n: "*." + n))


@functools.cache
def subdomain() -> st.SearchStrategy[str]:
    """A DNS-1123 subdomain (Secret names): '1.5' and 'yes' included."""
    return st.lists(dns_label(10), min_size=1, max_size=2).map(".".join)


@functools.cache
def ip_address() -> st.SearchStrategy[str]:
    return st.one_of(st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str))


@functools.cache
def cidr() -> st.SearchStrategy[str]:
    def network(address: object, bits: int) -> str:
        return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))

    v4 = st.builds(network, st.ip_addresses(v=4), st.integers(8, 32))
    v6 = st.builds(network, st.ip_addresses(v=6), st.integers(16, 128))
    return st.one_of(v4, v6)


# RFC 3986 pchar minus '%' (escapes are added separately), as Gateway API allows in paths.
PATH_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@"
_ESCAPES = ("%20", "%41", "%C3%A9", "%25", "%3A")


@functools.cache
def path_segment(chars: str) -> st.SearchStrategy[str]:
    """'%' in `chars` allows %XX escapes; a bare '%' is never a valid path character."""
    plain = st.text(st.sampled_from(chars.replace("%", "")), min_size=1, max_size=8)
    if "%" in chars:
        plain = st.one_of(plain, st.builds(lambda a, e: a + e, plain, st.sampled_from(_ESCAPES)))
    words = tuple(w for w in (*YAML_WORDS, *NUMERIC, "*x", "&a", "!b", "@c", ":d", "'q'")
                  if all(c in chars for c in w))
    return st.one_of(plain, st.sampled_from(words)) if words else plain


@functools.cache
def url_path(chars: str = PATH_CHARS + "%", excludes: str = "") -> st.SearchStrategy[str]:
    """An absolute URL path whose characters every HTTP backend reads the same way: no
    '//', no dot segments, no encoded '/'."""
    allowed = "".join(c for c in chars if c not in excludes)
    segments = st.lists(path_segment(allowed).filter(lambda s: s not in (".", "..")),
                        min_size=0, max_size=3)
    path = st.builds(lambda segs, slash: "/" + "/".join(segs) + ("/" if slash and segs else ""),
                     segments, st.booleans())
    return path.filter(lambda p: "%2f" not in p.lower())


TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@functools.cache
def header_name() -> st.SearchStrategy[str]:
    """An HTTP header name (an RFC 9110 token): '#', '%', '*', '!' and quotes are legal."""
    words = ("X-Version", "x-canary", "yes", "On", "null", "*", "#x", "%p", "&a", "!b", "'q'",
             "`t`", "a|b", "~", "^", "+1", "1e3", "0x1F")
    return st.one_of(st.sampled_from(words),
                     st.text(st.sampled_from(TOKEN_CHARS), min_size=1, max_size=12))


LABEL_VALUE_WORDS = (*YAML_WORDS, "0", "1", "012", "0x1F", "0o17", "1e3", "1E3", "1_000",
                     "1.5", "1.0", "12e3", "2026-11-22", "12-30", "0777", "a.b_c-d", "")


@functools.cache
def label_value() -> st.SearchStrategy[str]:
    """A Kubernetes label value: at most 63 of [-A-Za-z0-9_.], alphanumeric at both ends,
    or empty; YAML's favourite misreadings are all legal."""
    random = st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?", fullmatch=True)
    return st.one_of(st.sampled_from(LABEL_VALUE_WORDS), random)


# Keys netgen sets itself; a blueprint may not set them (see resolve/validate.py).
RESERVED_LABELS = frozenset({"app", "version", "tier", "app.kubernetes.io/part-of",
                             "app.kubernetes.io/managed-by"})


@functools.cache
def label_key() -> st.SearchStrategy[str]:
    name = st.one_of(
        st.sampled_from(("team", "yes", "null", "on", "1e3", "0x1F", "a.b_c-d", "Y", "x")),
        st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?", fullmatch=True),
    )
    prefixed = st.builds(lambda p, n: f"{p}/{n}", subdomain(), name)
    return st.one_of(name, prefixed).filter(lambda k: k not in RESERVED_LABELS)


@functools.cache
def labels(max_size: int = 3) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(label_key(), label_value(), max_size=max_size)
