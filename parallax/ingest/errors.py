from __future__ import annotations


class InputError(Exception):
    """An input that cannot be used, with the file (and line, when known) it came from."""

    def __init__(self, source: str, problem: str, line: int | None = None):
        self.source = source
        self.problem = problem
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}")

    def as_dict(self) -> dict:
        out = {"file": self.source, "error": self.problem}
        if self.line is not None:
            out["line"] = self.line
        return out
