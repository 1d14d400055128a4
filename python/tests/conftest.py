"""conftest.py — makes the package importable and prints the closing count line: <root>/python goes first on sys.path
(python setup.py build_ext --inplace puts brainjit/_core*.so there), or the directory BJ_PYTHON_DIR names (make
py-test-san: the sanitized copy in build/py-san/pkg)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.abspath(os.environ.get("BJ_PYTHON_DIR") or os.path.dirname(HERE))
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)
if os.environ.get("BJ_PYTHON_DIR"):
    # Imported now, before test modules put <root>/python on sys.path themselves: every test then gets this copy.
    import brainjit

    if os.path.dirname(os.path.dirname(os.path.abspath(brainjit.__file__))) != PYTHON_DIR:
        raise ImportError(f"BJ_PYTHON_DIR={PYTHON_DIR}, but brainjit was imported from {brainjit.__file__}")
if "libasan" in os.environ.get("LD_PRELOAD", ""):
    # make py-test-san preloads the sanitizer runtimes; this process has them now. The compilers brainjit starts
    # (cc, cc1, as, ld) would inherit them and gain nothing (they are not instrumented) but a slow start each (ASan
    # maps its shadow memory): three times the suite's time on a cold kernel cache. The interpreters some tests start
    # import the in-place build (<root>/python, named by those tests), which is not instrumented either.
    del os.environ["LD_PRELOAD"]


def pytest_terminal_summary(terminalreporter):
    """The suite's closing line, as the C suite prints it: `N passed, N failed` (errors count as failures)."""
    st = terminalreporter.stats
    passed = len(st.get("passed", []))
    failed = len(st.get("failed", [])) + len(st.get("error", []))
    terminalreporter.write_line(f"{passed} passed, {failed} failed")
