"""conftest.py — makes the in-place build importable: <root>/python goes first on sys.path (python setup.py build_ext
--inplace puts brainjit/_core*.so there)."""
import os
import sys

PYTHON_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)
