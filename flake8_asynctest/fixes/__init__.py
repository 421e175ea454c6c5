"""The ``--fix`` path: libcst lives here and in the rules' fix functions, never on the check path."""
