"""pytest's own ``pytester`` fixture runs the runtime plugin's tests in throwaway pytest sessions."""

pytest_plugins = ["pytester"]
