# Builds TARGET (a source that must not compile) in BUILD_DIR and checks the
# diagnostic: the build fails, the output contains EXPECT, and the compiler's
# output is at most MAX_BYTES long (a readable error, not a page of
# constraint notes). Usage:
#   cmake -DBUILD_DIR=... -DTARGET=... -DEXPECT=... -DMAX_BYTES=... -P check_compile_fail.cmake
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(text "${out}${err}")
if(result EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but it must not:\n${text}")
endif()
string(FIND "${text}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the diagnostic of ${TARGET} does not contain '${EXPECT}':\n${text}")
endif()
# Count only the compiler's lines: drop the build tool's own (the command
# line, "FAILED:", "ninja: build stopped").
string(REGEX REPLACE "\n[^\n]*(FAILED:|ninja:|/c\\+\\+ |/g\\+\\+ |/clang\\+\\+ |ccache )[^\n]*" "" compiler "\n${text}")
string(LENGTH "${compiler}" bytes)
if(bytes GREATER MAX_BYTES)
  message(FATAL_ERROR "the diagnostic of ${TARGET} is ${bytes} bytes (at most ${MAX_BYTES}):\n${compiler}")
endif()
message(STATUS "${TARGET}: failed to compile as expected, ${bytes} bytes of diagnostic, contains '${EXPECT}'")
