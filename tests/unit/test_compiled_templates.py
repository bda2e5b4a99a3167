"""Jinja code kept for a home's dbt builds renders exactly what compiling the template again does."""

from __future__ import annotations

import marshal

import jinja2
from dbt_common.clients import jinja as dbt_jinja

from orchestration.transform.templates import FILE_NAME, CompiledTemplates

TEMPLATES = [
    "select {{ columns | join(', ') }} from {{ relation }}{% if limit %} limit {{ limit }}{% endif %}",
    "{% macro greet(name) %}hello {{ name }}{% endmacro %}{% set x = who ~ '!' %}{{ x }} and {{ 1 + 2 }}",
    "{% for row in rows %}{{ loop.index }}:{{ row }}{% if not loop.last %},{% endif %}{% endfor %}",
]
CONTEXT = {"columns": ["a", "b"], "relation": "main.t", "limit": 3, "who": "dbt", "rows": [1, "x", None]}


def render_all(native: bool) -> list[str]:
    return [dbt_jinja.get_template(text, {}, native=native).render(CONTEXT) for text in TEMPLATES]


def test_kept_code_renders_as_compiled_code(tmp_path) -> None:
    path = tmp_path / FILE_NAME
    expected = {native: render_all(native) for native in (False, True)}

    first = CompiledTemplates(path)
    with first.installed():
        assert {native: render_all(native) for native in (False, True)} == expected
    assert first.misses == 2 * len(TEMPLATES) and first.hits == 0
    assert jinja2.Environment.compile.__name__ == "compile" and "templates" not in jinja2.Environment.compile.__module__

    again = CompiledTemplates(path)  # as the next night's process finds the file
    compiled: list[str] = []
    original = jinja2.Environment.compile
    try:
        jinja2.Environment.compile = lambda *args, **kwargs: compiled.append("compiled") or original(*args, **kwargs)
        with again.installed():
            assert {native: render_all(native) for native in (False, True)} == expected
    finally:
        jinja2.Environment.compile = original
    assert again.hits == 2 * len(TEMPLATES) and again.misses == 0 and not compiled


def test_the_key_follows_what_compiling_reads(tmp_path) -> None:
    kept = CompiledTemplates(tmp_path / FILE_NAME)
    text_env, native_env = dbt_jinja.get_environment(), dbt_jinja.get_environment(native=True)
    key = kept.key(text_env, TEMPLATES[0], None, None, False)
    assert key == kept.key(dbt_jinja.get_environment(), TEMPLATES[0], None, None, False)
    assert key != kept.key(native_env, TEMPLATES[0], None, None, False)  # another code generator
    assert key != kept.key(text_env, TEMPLATES[0] + " ", None, None, False)
    assert key != kept.key(text_env, TEMPLATES[0], "name", None, False)
    text_env.filters["extra"] = str
    assert key != kept.key(text_env, TEMPLATES[0], None, None, False)  # a filter more
    plain = jinja2.Environment()
    plain.trim_blocks = True
    assert kept.key(plain, TEMPLATES[0], None, None, False) != kept.key(jinja2.Environment(), TEMPLATES[0], None, None, False)


def test_an_unreadable_or_foreign_file_is_compiled_again(tmp_path) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(b"not marshal data")
    broken = CompiledTemplates(path)
    with broken.installed():
        assert render_all(False)
    assert broken.misses == len(TEMPLATES)
    stored = marshal.loads(path.read_bytes())
    stored["versions"] = "another python"
    path.write_bytes(marshal.dumps(stored))
    assert CompiledTemplates(path).kept == {}


def test_a_template_error_is_raised_as_without_the_file(tmp_path) -> None:
    with CompiledTemplates(tmp_path / FILE_NAME).installed():
        try:
            dbt_jinja.get_template("{% if %}", {})
        except Exception as error:  # noqa: BLE001 - the same error as without the file, checked below
            raised = type(error)
    try:
        dbt_jinja.get_template("{% if %}", {})
    except Exception as error:  # noqa: BLE001
        assert type(error) is raised
