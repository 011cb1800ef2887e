"""The one error the engine raises for bad input: it names the file (or argument) and the
problem, so a person can fix it."""

from __future__ import annotations


class EngineInputError(ValueError):
    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
