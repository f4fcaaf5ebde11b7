"""Writes stdlib/src/format_cases.txt: format(value, spec) as this CPython
computes it, for the format-spec test of stdlib/src/format.rs.

Each line: kind, value (a float as its bits in hex), spec, and the result
as "=text" or the exception as "!Type: message", tab-separated, with tab,
newline and backslash escaped.

    python3 tests/tools/format_cases.py > stdlib/src/format_cases.txt
"""
import struct
import sys

INTS = [0, 1, -1, 5, 42, -42, 255, 1234, -12345, 1234567, 2**31, -2**63, 2**63 - 1,
        10**15, 65, 0x10FFFF, 0x110000]
BOOLS = [True, False]
FLOATS = [0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 2.5, 0.125, 0.375, 1 / 3, 2 / 3, 100.0,
          1234.5, 12345.678, 1e-5, 1.5e-7, 0.0001, 1e16, 1e15, 1e22, 1.7976931348623157e308,
          5e-324, 2.2250738585072014e-308, 123456789.125, 9.995, 0.05, 1e100,
          float("inf"), float("-inf"), float("nan"), 3.14159, -2.675, 999999.5, 0.000123456,
          -0.001, 1e-9, 123.456, 0.9999996, 99.5, 1e-4]
STRS = ["", "a", "abc", "hello world", "\u00e9\u20ac", "tab\tx"]
SPECS = ["", "d", "5", "05", "<5", ">5", "^5", "=5", "*^7", "+", "-", " ", "+5", "+05",
         "x", "X", "#x", "#X", "o", "#o", "b", "#b", "#010b", "c", "+c", "#c", ",", "_",
         ",d", "_x", "_b", "#_b", "010,", "012_", ",x", ",c", "_n", "n", "10n", ".2", "z",
         "s", ".3s", "10.3s", "e", ".0e", ".3e", "#.0e", "E", "f", ".0f", ".1f", ".2f",
         ".10f", "#.0f", "F", "g", ".0g", ".1g", ".3g", ".10g", "#g", "#.3g", "G", "%",
         ".1%", ".0%", ",.2f", "_.3f", "012,.2f", "+.3e", " .2f", "=+10.2f", "^+12,",
         "0=12", "z.1f", "z.0f", "z.3e", "z.3g", ".3", "#.3", ".17", ".20", ".30f", ".25e",
         "10", "-10", "+010", "x<10", "\u00e9^5", ".2fx", "..2", ",_", "_,", ".", "#",
         "=", "#=", "0", "00", "030", "1x", "3.2%", "+z#=", "=^", " =8", "0>8", "0<8",
         "0^9", "_^15", "020_.3e", "#,.0f", "+#15,.4g", "<+z010.2f", "\x01", "zs"]


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def case(kind, text, v, spec):
    try:
        r = "=" + esc(format(v, spec))
    except Exception as e:
        r = "!" + esc(f"{type(e).__name__}: {e}")
    print(kind, esc(text), esc(spec), r, sep="\t")


for spec in SPECS:
    for v in INTS:
        case("int", str(v), v, spec)
    for v in BOOLS:
        case("bool", str(v), v, spec)
    for v in FLOATS:
        case("float", "%016x" % struct.unpack("<Q", struct.pack("<d", v))[0], v, spec)
    for v in STRS:
        case("str", v, v, spec)
