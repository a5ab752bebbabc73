"""Text that any reader can take: every test output passes through here."""
import re

# What XML 1.0 cannot hold, even escaped: control characters other than tab, newline and
# carriage return, lone surrogates, U+FFFE and U+FFFF. A student's output may hold any of them.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def readable(text):
    """`text` with what XML, strict JSON readers and terminals cannot show (control
    characters such as a terminal escape, lone surrogates) replaced by U+FFFD. Every test
    output passes through here, so feedback in every format is the same."""
    return NOT_XML.sub("\ufffd", str(text))
