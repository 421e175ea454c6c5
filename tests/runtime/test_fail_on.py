"""asynctest's documented fail_on / strict / lenient behaviours, on Python 3.11+.

From asynctest's docs: fail_on(**checks) enables or disables checks with boolean keyword
arguments on a class or a method; the method's decorator wins over the class's; subclasses
inherit the checks of a decorated parent and can extend them; strict turns every check on
and lenient every check off, both usable with or without parentheses.
"""

from __future__ import annotations

import asyncio

import pytest

from flake8_asynctest.runtime import DEFAULT_CHECKS, TestCase, fail_on, lenient, strict
from flake8_asynctest.runtime.decorators import resolve_checks


def leak_timer(case) -> None:
    case.loop.call_later(60, print)


def checks_of(case_class, name="test_it"):
    return resolve_checks(case_class, getattr(case_class, name))


def test_defaults():
    assert {name for name, on in DEFAULT_CHECKS.items() if on} == {
        "pending_tasks",
        "active_handles",
        "active_selector_callbacks",
        "unawaited_coroutines",
        "lost_exceptions",
        "unclosed_resources",
    }
    assert DEFAULT_CHECKS["slow_callbacks"] is False and DEFAULT_CHECKS["unused_loop"] is False


def test_fail_on_class_disables_a_check(run):
    @fail_on(active_handles=False)
    class Case(TestCase):
        async def test_it(self):
            leak_timer(self)

    outcome = run(Case)
    assert outcome.text == "" and outcome.successes == 1


def test_fail_on_method_enables_a_check(run):
    class Case(TestCase):
        @fail_on(unused_loop=True)
        def test_it(self):
            pass

        def test_other(self):
            pass

    assert "unused_loop: 1 found" in run(Case).failures[0]
    assert run(Case, "test_other").successes == 1


def test_method_decorator_overrides_the_class_decorator(run):
    @fail_on(active_handles=False)
    class Case(TestCase):
        @fail_on(active_handles=True)
        async def test_it(self):
            leak_timer(self)

        async def test_other(self):
            leak_timer(self)

    assert "active_handles: 1 found" in run(Case).failures[0]
    assert run(Case, "test_other").successes == 1


def test_subclasses_inherit_and_extend_the_parent_checks():
    @fail_on(unused_loop=True)
    class Parent(TestCase):
        async def test_it(self):
            pass

    class Child(Parent):
        pass

    @fail_on(active_handles=False)
    class Extended(Parent):
        pass

    assert checks_of(Child)["unused_loop"] is True
    assert checks_of(Extended)["unused_loop"] is True
    assert checks_of(Extended)["active_handles"] is False
    assert checks_of(Parent)["active_handles"] is True  # the parent is not changed


def test_inherited_checks_apply_when_running(run):
    @lenient
    class Parent(TestCase):
        pass

    class Child(Parent):
        async def test_it(self):
            leak_timer(self)

    assert run(Child).successes == 1


def test_strict_turns_every_check_on_and_lenient_every_check_off():
    class Case(TestCase):
        @strict
        async def test_strict(self):
            pass

        @strict()
        async def test_strict_called(self):
            pass

        @lenient
        async def test_lenient(self):
            pass

        @lenient()
        async def test_lenient_called(self):
            pass

    for name in ("test_strict", "test_strict_called"):
        assert set(checks_of(Case, name).values()) == {True}
    for name in ("test_lenient", "test_lenient_called"):
        assert set(checks_of(Case, name).values()) == {False}


def test_strict_class_with_lenient_method(run):
    @strict
    class Case(TestCase):
        @lenient
        def test_it(self):
            pass

        def test_sync(self):
            pass

    assert run(Case).successes == 1
    assert "unused_loop: 1 found" in run(Case, "test_sync").failures[0]


def test_lenient_silences_every_leak(run):
    async def boom():
        raise ValueError

    class Case(TestCase):
        @lenient
        async def test_it(self):
            asyncio.create_task(asyncio.sleep(60))
            self.task = asyncio.create_task(boom())
            leak_timer(self)
            await asyncio.sleep(0)
            self.task.exception()

    assert run(Case).successes == 1


def test_stacked_decorators_combine():
    class Case(TestCase):
        @fail_on(unused_loop=True)
        @fail_on(pending_tasks=False)
        async def test_it(self):
            pass

    checks = checks_of(Case)
    assert checks["unused_loop"] is True and checks["pending_tasks"] is False


def test_asynctest_check_name_is_accepted():
    class Case(TestCase):
        @fail_on(unhandled_exceptions=False)
        async def test_it(self):
            pass

    assert checks_of(Case)["lost_exceptions"] is False


def test_unknown_check_or_non_boolean_is_rejected():
    with pytest.raises(TypeError, match="unknown check 'pending_task'"):
        fail_on(pending_task=False)
    with pytest.raises(TypeError, match="must be True or False"):
        fail_on(pending_tasks="no")
