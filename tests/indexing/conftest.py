"""Index tests: the conformance suite is a plain module, so ask pytest to rewrite its asserts."""

import pytest

pytest.register_assert_rewrite("tests.indexing.conformance")
