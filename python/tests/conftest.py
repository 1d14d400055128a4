"""conftest.py — makes the in-place build importable and prints the closing count line: <root>/python goes first on sys.path (python setup.py build_ext
--inplace puts brainjit/_core*.so there)."""
import os
import sys

PYTHON_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)


def pytest_terminal_summary(terminalreporter):
    """The suite's closing line, as the C suite prints it: `N passed, N failed` (errors count as failures)."""
    st = terminalreporter.stats
    passed = len(st.get("passed", []))
    failed = len(st.get("failed", [])) + len(st.get("error", []))
    terminalreporter.write_line(f"{passed} passed, {failed} failed")
