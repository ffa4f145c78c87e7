"""Packing an export's largest table into its ZIP while the rows are being made.

A ZIP takes one entry at a time, and an export's tables grow side by side, so the
smaller tables (repeat groups) go to temporary files and are packed at the end; the
root table, most of the rows, streams straight into its entry through ``PackedText``,
whose own thread deflates it (zlib lets go of the GIL) while the next rows are made.
"""

from __future__ import annotations

import io
import queue
import threading
from typing import IO
from typing import Protocol

#: zlib level of export files: 1 is several times faster than the default 6 on this
#: repetitive text, for a file about a fifth larger.
COMPRESSION = 1


class TextOut(Protocol):
    """Where rows of text go: a text file, or ``PackedText``."""

    def write(self, text: str, /) -> int:
        """Write ``text``."""

    def close(self) -> None:
        """Finish."""


class PackedText(io.TextIOBase):
    """A text stream into a ZIP entry (opened for writing), deflated by a thread of
    its own: rows are gathered into chunks of about ``CHUNK`` characters, and the
    thread encodes and writes each while the next is being made."""

    CHUNK = 1 << 20

    def __init__(self, entry: IO[bytes]) -> None:
        self._entry = entry
        self._parts: list[str] = []
        self._size = 0
        self._chunks: queue.Queue[str | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._pack, daemon=True)
        self._thread.start()

    def _pack(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if self._error is None:
                try:
                    self._entry.write(chunk.encode("utf-8"))
                except BaseException as error:  # raised again by close()
                    self._error = error

    def write(self, text: str) -> int:
        """Add ``text``; a full chunk goes to the packing thread."""
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.CHUNK:
            self._chunks.put("".join(self._parts))
            self._parts, self._size = [], 0
        return len(text)

    def close(self) -> None:
        """Pack what is left, wait for the thread, and close the entry."""
        if self.closed:
            return
        if self._parts:
            self._chunks.put("".join(self._parts))
        self._chunks.put(None)
        self._thread.join()
        self._entry.close()
        super().close()
        if self._error is not None:
            raise self._error
