# heat.tests.common selects oslo.service's threading backend; it must be
# imported before any other heat module, so it is imported with the package.
from heat.tests import common  # noqa: F401
