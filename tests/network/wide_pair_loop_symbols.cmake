# The wide pair loop's object (network/training/wide_pair_loop_avx512.cpp,
# compiled with AVX-512 flags) must define no symbol that another file of the
# program could define too: the linker keeps one copy of each weak (inline,
# template) symbol, and if it kept this file's, a CPU without AVX-512 would
# fault in code that never asked for it. So every weak symbol here must be an
# instantiation for the 16-lane batch type, and the global symbols the
# entry points declared in wide_pair_loop.hpp (the loop, and the power and
# exp for tests), whose names no other file defines. Run with -DNM=<nm> -DOBJECTS=<the object files>.
if(NOT NM OR NOT OBJECTS)
  message(FATAL_ERROR "usage: cmake -DNM=nm -DOBJECTS=file.o -P wide_pair_loop_symbols.cmake")
endif()
set(bad "")
set(weak 0)
foreach(object IN LISTS OBJECTS)
  execute_process(COMMAND ${NM} --defined-only ${object} OUTPUT_VARIABLE listing
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${object}")
  endif()
  string(REPLACE "\n" ";" lines "${listing}")
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "^[0-9a-f]* ([A-Za-z]) (.*)$")
      continue()
    endif()
    set(kind "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    if(kind MATCHES "^[WVui]$")
      math(EXPR weak "${weak} + 1")
      # The exception personality's reference is data, the same everywhere.
      if(NOT name MATCHES "avx512" AND NOT name STREQUAL "DW.ref.__gxx_personality_v0")
        string(APPEND bad "  weak: ${name}\n")
      endif()
    elseif(kind MATCHES "^[TDBR]$" AND NOT name MATCHES "avx512_(pair_loop|powers|exps)")
      string(APPEND bad "  global: ${name}\n")
    endif()
  endforeach()
endforeach()
if(weak EQUAL 0)
  message(FATAL_ERROR "no weak symbols in ${OBJECTS}: is this the wide pair loop's object?")
endif()
if(bad)
  message(FATAL_ERROR "the wide pair loop's object defines symbols that other files may define "
          "too (c++filt them; make the code they come from always_inline or reach the data "
          "through raw pointers):\n${bad}")
endif()
message(STATUS "${weak} weak symbols, all 16-lane instantiations")
