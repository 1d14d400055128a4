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
LIB_BUILD = os.path.join("build", "py")
LIB = os.path.join(LIB_BUILD, "libbrainjit.a")
# The library keeps a few per-thread caches in the initial-exec TLS model (src/core/handles.c, src/backend/exec.c):
# a module loaded with dlopen, as Python loads extensions, then needs its whole TLS block (some 5 KB: the error
# message buffers) in glibc's small static TLS surplus, and the import fails with "cannot allocate memory in static
# TLS block". Built for Python, those variables take the default model: the attribute becomes a harmless one.
LIB_CFLAGS = "-DBJ_TLS_DYNAMIC"  # thread-locals a dlopen'ed library may use (src/core/core.h)


def version():
    text = open(os.path.join(ROOT, "include", "brainjit.h"), encoding="utf-8").read()
    parts = [re.search(r"#define BJ_VERSION_%s (\d+)" % k, text).group(1) for k in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class BuildExt(build_ext):
    """Runs the Makefile's `lib` target (the -fPIC static library) before compiling the extension."""

    def run(self):
        jobs = os.environ.get("BJ_MAKE_JOBS", "2")
        stamp = os.path.join(ROOT, LIB_BUILD, "cflags.stamp")
        old = open(stamp).read() if os.path.exists(stamp) else None
        if old != LIB_CFLAGS:  # objects built with other flags: rebuild them all
            shutil.rmtree(os.path.join(ROOT, LIB_BUILD, "obj"), ignore_errors=True)
            os.makedirs(os.path.join(ROOT, LIB_BUILD), exist_ok=True)
            with open(stamp, "w") as f:
                f.write(LIB_CFLAGS)
        cmd = ["make", "--no-print-directory", "-C", ROOT, "BUILD=" + LIB_BUILD, "CFLAGS=" + LIB_CFLAGS, "-j" + jobs, "lib"]
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
    extra_compile_args=["-std=c17", "-Wall", "-Wextra", "-Werror", "-O2"],
)

if __name__ == "__main__":
    os.chdir(ROOT)
    setup(
        version=version(),
        package_dir={"": "python"},
        packages=find_packages("python", include=["brainjit", "brainjit.*"]),
        ext_modules=[core],
        cmdclass={"build_ext": BuildExt},
        options={"build": {"build_base": os.path.join(LIB_BUILD, "setuptools")}},
    )
