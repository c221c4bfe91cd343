# cmake -DMODEL=FILE -DCARD=docs/model-card.md -P check_model_checksum.cmake
#
# Fails unless the model card names the model file's sha256 on a line
# "sha256: `<hex>`" (the shipped model and its card must not drift apart).
foreach(var MODEL CARD)
  if(NOT EXISTS "${${var}}")
    message(FATAL_ERROR "check_model_checksum: ${var} '${${var}}' does not exist")
  endif()
endforeach()
file(SHA256 "${MODEL}" actual)
file(STRINGS "${CARD}" lines REGEX "sha256: `[0-9a-f]+`")
if(NOT lines)
  message(FATAL_ERROR "check_model_checksum: ${CARD} has no line 'sha256: `<hex>`'")
endif()
list(GET lines 0 line)
string(REGEX MATCH "`([0-9a-f]+)`" _ "${line}")
set(recorded "${CMAKE_MATCH_1}")
if(NOT recorded STREQUAL actual)
  message(FATAL_ERROR "check_model_checksum: ${MODEL} has sha256 ${actual}, "
                      "the model card records ${recorded}")
endif()
message(STATUS "check_model_checksum: ${MODEL} matches the model card (sha256 ${actual})")
