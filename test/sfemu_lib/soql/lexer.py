"""SOQL tokenizer and string-literal decoding.

_tokenize() splits SOQL text into Tokens (no keywords: words are "ident",
the parser decides); _decode_string() gives a quoted literal's value with
Salesforce's escape set, any other backslash sequence being an error.
"""

import re

from .errors import _fail, _no_viable


_TOKEN_RE = re.compile(r"""
   (?P<ws>\s+)
  |(?P<datetime>(?P<dt_d>\d{4}-\d{2}-\d{2})T(?P<dt_t>\d{2}:\d{2}:\d{2})(?:\.(?P<dt_f>\d+))?
       (?P<dt_z>Z|[+-]\d{2}:\d{2}))
  |(?P<baddatetime>\d{4}-\d{2}-\d{2}T[0-9:.]*)
  |(?P<date>\d{4}-\d{2}-\d{2})
  |(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z)
  |(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))
  |(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  |(?P<string>'(?:[^'\\]|\\.)*')
  |(?P<op>!=|<>|<=|>=|=|<|>|\(|\)|,|:)
""", re.X | re.S)


class Token:
    __slots__ = ("kind", "text", "pos", "upper")

    def __init__(self, kind, text, pos):
        self.kind = kind
        self.text = text
        self.pos = pos
        self.upper = text.upper()

    def __repr__(self):
        return "Token(%s,%r,%d)" % (self.kind, self.text, self.pos)


def _tokenize(text):
    tokens = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch == "'":
                # an unterminated string runs to the end of the query
                _no_viable(text, n, "<EOF>")
            _no_viable(text, pos, ch)
        kind = m.lastgroup
        if kind in ("dt_d", "dt_t", "dt_f", "dt_z"):
            kind = "datetime"
        if kind == "baddatetime":
            # a dateTime needs its zone (reference 4.4)
            end = m.end()
            _no_viable(text, end, text[end] if end < n else "<EOF>")
        if kind != "ws":
            tokens.append(Token(kind, m.group(0), pos))
        pos = m.end()
    tokens.append(Token("eof", "<EOF>", n))
    return tokens


_SIMPLE_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "N": "\n", "r": "\r", "R": "\r",
                   "t": "\t", "T": "\t", "b": "\b", "B": "\b", "f": "\f", "F": "\f"}


def _decode_string(lit, text, like=False):
    """The value of a quoted literal.  With like=True the result is a list of
    pieces: str for literal text, None for '%', Ellipsis for '_' (so escaped
    wildcards stay literal).  Any escape outside the documented set is an error."""
    raw = lit.value
    if "\\" not in raw and not like:
        return raw
    out = []
    buf = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            nxt = raw[i + 1] if i + 1 < n else ""
            if nxt in _SIMPLE_ESCAPES:
                buf.append(_SIMPLE_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and re.match(r"[0-9A-Fa-f]{4}", raw[i + 2:i + 6]) and len(raw[i + 2:i + 6]) == 4:
                buf.append(chr(int(raw[i + 2:i + 6], 16)))
                i += 6
                continue
            if like and nxt in ("%", "_"):
                buf.append(nxt)
                i += 2
                continue
            _fail("MALFORMED_QUERY", text, lit.pos,
                  "Invalid string literal '%s'. Illegal character sequence '\\%s' in string literal."
                  % (raw, nxt))
        if like and ch in ("%", "_"):
            if buf:
                out.append("".join(buf))
                buf = []
            out.append(None if ch == "%" else Ellipsis)
            i += 1
            continue
        buf.append(ch)
        i += 1
    if not like:
        return "".join(buf)
    if buf:
        out.append("".join(buf))
    return out

