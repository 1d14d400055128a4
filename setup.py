"""setup.py — builds brainjit._core: first the C library (make lib into build/py), then the extension linked to it."""
import glob
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
# BJ_PY_SANITIZE=1: the library and the extension built with ASan + UBSan (make py-test-san) into build/py-san, and
# the package assembled there (build/py-san/pkg/brainjit: the .py files and that _core*.so), so the in-place build in
# python/brainjit stays as it is. The tests import that copy when BJ_PYTHON_DIR names it (python/tests/conftest.py).
SANITIZE = os.environ.get("BJ_PY_SANITIZE", "") not in ("", "0")
SAN_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]
LIB_BUILD = os.path.join("build", "py-san" if SANITIZE else "py")
SAN_PKG = os.path.join(LIB_BUILD, "pkg")
LIB = os.path.join(LIB_BUILD, "libbrainjit.a")
# Python loads the extension with dlopen, and a dlopen'ed library cannot count on glibc's small static TLS reserve:
# -DBJ_TLS_DYNAMIC makes the library's hot-path thread-locals, otherwise initial-exec, take the default model
# (src/core/core.h), and the import cannot fail with "cannot allocate memory in static TLS block".
LIB_CFLAGS = " ".join(["-DBJ_TLS_DYNAMIC"] + (SAN_FLAGS if SANITIZE else []))


def version():
    text = open(os.path.join(ROOT, "include", "brainjit.h"), encoding="utf-8").read()
    parts = [re.search(r"#define BJ_VERSION_%s (\d+)" % k, text).group(1) for k in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class BuildExt(build_ext):
    """Runs the Makefile's `lib` target (the -fPIC static library) before compiling the extension."""

    def run(self):
        if SANITIZE and self.inplace:
            sys.exit("brainjit: BJ_PY_SANITIZE=1 builds into %s (python setup.py build), never in place" % SAN_PKG)
        jobs = os.environ.get("BJ_MAKE_JOBS", "2")
        stamp = os.path.join(ROOT, LIB_BUILD, "cflags.stamp")
        old = open(stamp).read() if os.path.exists(stamp) else None
        if old != LIB_CFLAGS:  # objects built with other flags: rebuild them all
            shutil.rmtree(os.path.join(ROOT, LIB_BUILD, "obj"), ignore_errors=True)
            os.makedirs(os.path.join(ROOT, LIB_BUILD), exist_ok=True)
            with open(stamp, "w") as f:
                f.write(LIB_CFLAGS)
        # The sanitized build needs only the static library (the shared one would not be linked with the runtimes).
        target = LIB if SANITIZE else "lib"
        cmd = ["make", "--no-print-directory", "-C", ROOT, "BUILD=" + LIB_BUILD, "CFLAGS=" + LIB_CFLAGS, "-j" + jobs,
               target]
        if subprocess.call(cmd) != 0:
            sys.exit("brainjit: building the C library failed: " + " ".join(cmd))
        super().run()

    def copy_file(self, infile, outfile, *args, **kwargs):
        """In-place copies replace the module with a rename: writing over a loaded .so would crash its users."""
        if not outfile.endswith(".so") or kwargs.get("dry_run"):
            return super().copy_file(infile, outfile, *args, **kwargs)
        tmp = outfile + ".tmp%d" % os.getpid()
        shutil.copyfile(infile, tmp)
        shutil.copymode(infile, tmp)
        os.replace(tmp, outfile)
        return outfile, 1


sources = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "python", "brainjit", "_core*.c")))
headers = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "python", "brainjit", "_core*.h")))

core = Extension(
    "brainjit._core",
    sources=sources,
    depends=headers + [os.path.join("include", "brainjit.h"), LIB],
    include_dirs=["include"],
    extra_objects=[LIB],
    libraries=["xxhash", "dl", "m", "pthread"],
    extra_compile_args=["-std=c17", "-Wall", "-Wextra", "-Werror", "-O2"] + (SAN_FLAGS + ["-g"] if SANITIZE else []),
    extra_link_args=SAN_FLAGS if SANITIZE else [],
)


def clear_san_pkg():
    """Empties the copy but for the extension before `build` fills it again: a file removed from python/ must not
    linger there."""
    for d, _, files in os.walk(os.path.join(ROOT, SAN_PKG)):
        for name in files:
            if not name.endswith(".so"):
                os.remove(os.path.join(d, name))


if __name__ == "__main__":
    os.chdir(ROOT)
    build_opts = {"build_base": os.path.join(LIB_BUILD, "setuptools")}
    if SANITIZE:  # `BJ_PY_SANITIZE=1 python setup.py build`: the whole package into build/py-san/pkg
        build_opts["build_lib"] = SAN_PKG
        clear_san_pkg()
    setup(
        version=version(),
        package_dir={"": "python"},
        packages=find_packages("python", include=["brainjit", "brainjit.*"]),
        ext_modules=[core],
        cmdclass={"build_ext": BuildExt},
        options={"build": build_opts},
    )
