"""Reading passphrases: from the terminal without echo, or (``--passphrase-stdin``) one line
each from standard input, in the order the command asks for them."""

from __future__ import annotations

import getpass
import sys


class SecretReader:
    def __init__(self, from_stdin: bool) -> None:
        self._from_stdin = from_stdin

    def read(self, prompt: str) -> str:
        if self._from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise EOFError(f"expected a line on standard input for: {prompt.strip(': ')}")
            return line.rstrip("\r\n")
        return getpass.getpass(prompt)

    def read_new(self, prompt: str) -> str:
        first = self.read(prompt)
        if self._from_stdin:
            return first
        again = getpass.getpass("Type it again: ")
        if first != again:
            raise ValueError("The two passphrases do not match.")
        return first
