# Decides whether the Python module `ismooth` is built (ISMOOTH_PYTHON = AUTO |
# ON | OFF): AUTO builds it when Python 3 (interpreter + headers: Debian's
# python3-dev) and pybind11 (pybind11-dev) are found, ON requires them, OFF
# leaves it out. Result: ISMOOTH_WITH_PYTHON (ON/OFF), Python3_EXECUTABLE,
# and ISMOOTH_PYTHON_INSTALL_DIR (relative to the prefix: the prefix's site
# directory, lib/python3.X/dist-packages on Debian). docs/python.md.
include(IsmoothAutoOption)
ismooth_auto_option(ISMOOTH_PYTHON "Build the Python module: AUTO (if Python 3 and pybind11 are found), ON, OFF")
set(ISMOOTH_WITH_PYTHON OFF)
if(NOT ISMOOTH_PYTHON_WANTED)
  message(STATUS "ismooth: Python module disabled (ISMOOTH_PYTHON=${ISMOOTH_PYTHON})")
  return()
endif()

# Debian's numpy (and every python3-* module) imports only under
# /usr/bin/python3: prefer it over another python3 on PATH.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 QUIET COMPONENTS Interpreter Development.Module)
if(Python3_FOUND)
  find_package(pybind11 CONFIG QUIET)
endif()
if(NOT Python3_FOUND OR NOT pybind11_FOUND)
  set(_why "Python 3 with its headers (python3-dev)")
  if(Python3_FOUND)
    set(_why "pybind11 (pybind11-dev)")
  endif()
  if(ISMOOTH_PYTHON_REQUIRED)
    message(FATAL_ERROR "ISMOOTH_PYTHON=ON but ${_why} was not found (./install-deps.sh installs it)")
  endif()
  message(STATUS "ismooth: ${_why} not found, building without the Python module")
  return()
endif()

# The prefix's site directory, relative to the prefix: Python's posix_prefix
# layout, with dist-packages where the interpreter reads that (Debian puts
# /usr/local/lib/python3.X/dist-packages on sys.path, not site-packages).
execute_process(
  COMMAND ${Python3_EXECUTABLE} -c
    "import os, sys, sysconfig; p = sysconfig.get_path('platlib', 'posix_prefix', vars={'base': '/p', 'platbase': '/p'}); r = os.path.relpath(p, '/p'); print(r.replace('site-packages', 'dist-packages') if any(e.endswith('dist-packages') for e in sys.path) else r)"
  OUTPUT_VARIABLE _ismooth_site OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _ismooth_site_rc)
if(NOT _ismooth_site_rc EQUAL 0 OR _ismooth_site STREQUAL "")
  set(_ismooth_site "lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/site-packages")
endif()
set(ISMOOTH_PYTHON_INSTALL_DIR "${_ismooth_site}" CACHE STRING
    "Where the Python module is installed, relative to CMAKE_INSTALL_PREFIX")
set(ISMOOTH_WITH_PYTHON ON)
message(STATUS "ismooth: Python module on (Python ${Python3_VERSION} at ${Python3_EXECUTABLE}, "
               "pybind11 ${pybind11_VERSION}, installs into <prefix>/${ISMOOTH_PYTHON_INSTALL_DIR})")
