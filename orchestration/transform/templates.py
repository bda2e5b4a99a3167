"""Jinja templates compiled once per home, not once per process.

dbt compiles the Jinja of every macro and node it renders, into Python code, the first time a
process renders it: about 1,200 templates and 0.8–0.9 s of the first build in a process (a
million-line night with one new file; 0.17 s on later builds in the same process, which still
compile the node templates). A night run as `pcf run` is a process of its own, so it paid them
every night.

`CompiledTemplates` keeps the compiled code of each template in one file of the home's dbt
target folder and gives it back when the same template is compiled again by an environment
configured the same way. The key is the template's text with everything its compilation reads:
the environment's class, code generator, delimiters and options, extensions, the names of its
filters and tests, the template's name and file name, and the versions of Python, Jinja and dbt.
Code compiled from the same text under the same key is the same code, so a build renders the
same SQL with or without the file (`tests/unit/test_compiled_templates.py`). Each build writes
back the templates it used, so entries of a changed project do not pile up.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType
from typing import Any

from orchestration.publish.files import replace_atomically

FILE_NAME = "jinja-code.marshal"
_FORMAT = 1


def _versions() -> str:
    import dbt.version
    import jinja2

    return f"{_FORMAT}|{sys.version}|{jinja2.__version__}|{dbt.version.__version__}"


def _environment_key(environment: Any) -> str:
    """Everything of an environment that its compilation of a template reads."""
    generator = environment.code_generator_class
    return repr((
        f"{type(environment).__module__}.{type(environment).__qualname__}",
        f"{generator.__module__}.{generator.__qualname__}",
        environment.block_start_string, environment.block_end_string,
        environment.variable_start_string, environment.variable_end_string,
        environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix,
        environment.trim_blocks, environment.lstrip_blocks,
        environment.newline_sequence, environment.keep_trailing_newline,
        environment.optimized, repr(environment.autoescape), environment.finalize is not None,
        environment.is_async,
        sorted(environment.extensions), sorted(environment.filters), sorted(environment.tests),
    ))


class CompiledTemplates:
    """The compiled code of the templates a home's dbt builds render, kept in `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.versions = _versions()
        self.kept: dict[bytes, bytes] = {}  # key → marshalled code, as read from `path`
        self.used: dict[bytes, bytes] = {}  # what this build compiled or took
        self.hits = self.misses = 0
        self._lock = threading.Lock()
        try:
            stored = marshal.loads(path.read_bytes())
            if isinstance(stored, dict) and stored.get("versions") == self.versions:
                self.kept = stored["code"]
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            pass  # none yet, or unreadable: compiled again, and written anew

    def key(self, environment: Any, source: str, name: str | None, filename: str | None, defer_init: bool) -> bytes:
        text = "\0".join((self.versions, _environment_key(environment), repr((name, filename, defer_init)), source))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Within the block, every Jinja compilation of a template's text in this process goes
        through the kept code; afterwards the code this build used is written back."""
        import jinja2
        from jinja2.utils import internalcode

        original = jinja2.Environment.compile
        kept, used, lock = self.kept, self.used, self._lock

        @internalcode  # left out of the tracebacks of template errors, as Jinja's own compile is
        def compile(environment, source, name=None, filename=None, raw=False, defer_init=False):  # noqa: A001
            if raw or not isinstance(source, str) or os.environ.get("DBT_MACRO_DEBUGGING"):
                return original(environment, source, name, filename, raw, defer_init)
            key = self.key(environment, source, name, filename, defer_init)
            data = used.get(key) or kept.get(key)
            if data is not None:
                code = marshal.loads(data)
                with lock:
                    used[key] = data
                    self.hits += 1
                return code
            code = original(environment, source, name, filename, raw, defer_init)
            if isinstance(code, CodeType):
                with lock:
                    used[key] = marshal.dumps(code)
                    self.misses += 1
            return code

        jinja2.Environment.compile = compile
        try:
            yield
        finally:
            jinja2.Environment.compile = original
            self.save()

    def save(self) -> None:
        """Write the code this build used (nothing when it compiled nothing new and used all kept)."""
        if not self.used or (not self.misses and self.used.keys() == self.kept.keys()):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            replace_atomically(self.path, marshal.dumps({"versions": self.versions, "code": dict(self.used)}), sync=False)
        except OSError:
            pass  # only time is at stake: the next build compiles again
