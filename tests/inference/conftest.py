# tests/training still imports these from here; the other tests take them from tests.conftest.
from tests.conftest import SHIPPED_BUNDLE, SHIPPED_VERSION

__all__ = ["SHIPPED_BUNDLE", "SHIPPED_VERSION"]
