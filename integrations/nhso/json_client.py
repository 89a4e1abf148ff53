"""What every NHSO API client bound to one host shares: where it points, whether our
sandbox answered it, and closing its connection pool (also as a context manager)."""

from __future__ import annotations

from typing import Self

from integrations.nhso.transport import JsonHttp


class OneHostClient:
    """Base of a client that talks to one :class:`JsonHttp` (set as ``_http``)."""

    _http: JsonHttp

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def sandbox_seen(self) -> bool:
        """True once an answer came from our sandbox, not NHSO."""
        return self._http.sandbox_seen

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
