"""The ``skact`` command line (installed as the import package ``skact_cli``).

Run ``skact --help``; the app is :mod:`skact_cli.main`, each command a module of its own.
"""
