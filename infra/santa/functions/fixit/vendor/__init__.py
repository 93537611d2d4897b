"""Generated copies of the modules in infra/shared/ (by infra/shared/vendor.py): do not edit here.

Every Lambda package carries its own copy, so it deploys alone; tests/test_trigger_naming.py
fails when a copy differs from infra/shared/.
"""
