"""The one exception tree of kg: every error kg raises on purpose derives from KgError.

The CLI turns a ``KgError`` into a one-line message and a non-zero exit status;
anything else is a bug and is shown with its traceback.

>>> err = RecordError("bad value", source="a.json", record_id="NCT01", field="phases")
>>> str(err)
'a.json [NCT01] field phases: bad value'
>>> isinstance(err, InputError) and isinstance(err, KgError)
True
"""

from __future__ import annotations


class KgError(Exception):
    """Root of every error kg raises on purpose."""

    exit_code = 1


class InputError(KgError):
    """A source file or record could not be read."""


class UnknownFormatError(InputError):
    """The content of a file matches none of the supported input formats."""


class RecordError(InputError):
    """One record is malformed: names the source, the record and the field."""

    def __init__(
        self,
        reason: str,
        *,
        source: str = "",
        record_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.record_id = record_id
        self.field = field
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [self.source or "<input>"]
        if self.record_id:
            parts.append(f"[{self.record_id}]")
        if self.field:
            parts.append(f"field {self.field}:")
        else:
            parts[-1] += ":"
        return " ".join(parts) + " " + self.reason


class CrosswalkError(InputError):
    """The crosswalk file is malformed."""


class StoreError(KgError):
    """The graph store cannot be opened, read or written."""


class StoreBusyError(StoreError):
    """Another process (a ``kg build``) holds the on-disk store for writing."""


class QueryError(KgError):
    """A query is unknown, malformed, refused or failed."""


class QueryTimeoutError(QueryError):
    """A query ran longer than its time limit and was stopped."""


class ParameterError(QueryError):
    """A query parameter is missing, unknown, ambiguous or malformed."""


class ValidationError(KgError):
    """A built graph violates the SHACL shapes."""


class PartialBuildError(KgError):
    """Some records were quarantined; the rest were stored. Distinct exit status."""

    exit_code = 3


class NoRecordsError(InputError):
    """A build was given sources holding no readable record: nothing was written. Distinct exit status.

    ``left_out`` holds (file, why) for each file or record read but not usable.

    >>> str(NoRecordsError(["in"], [("in/a.bin", "content matches no supported input format")]))
    'no readable record in in (1 left out: in/a.bin: content matches no supported input format); nothing was written'
    """

    exit_code = 4

    def __init__(self, sources: list, left_out: list[tuple[str, str]]) -> None:  # type: ignore[type-arg]
        self.sources, self.left_out = sources, left_out
        what = f"no readable record in {', '.join(map(str, sources))}"
        if left_out:
            first = "; ".join(f"{path}: {why}" for path, why in left_out[:3])
            what += f" ({len(left_out)} left out: {first}{'; …' if len(left_out) > 3 else ''})"
        super().__init__(what + "; nothing was written")


class UnknownPrefixError(InputError):
    """A CURIE or IRI whose prefix is not in kg's pinned prefix map (kg/data/prefixes.json)."""


class ExportError(KgError):
    """A view cannot be exported: unknown format, missing renderer, unwritable target."""


class QueryRefusedError(QueryError):
    """A query was refused before it ran: an update, or SERVICE/FROM to an IRI not on the allow-list."""
