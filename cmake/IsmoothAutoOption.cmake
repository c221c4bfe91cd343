# ismooth_auto_option(NAME DOC): a cache setting NAME = AUTO | ON | OFF for a
# part built when its dependencies are found (AUTO), required (ON) or left
# out (OFF); TRUE/FALSE/YES/NO/1/0 are read as ON/OFF. Sets NAME_WANTED (not
# OFF) and NAME_REQUIRED (ON) for the caller; anything else is a fatal error.
macro(ismooth_auto_option name doc)
  set(${name} AUTO CACHE STRING "${doc}")
  set_property(CACHE ${name} PROPERTY STRINGS AUTO ON OFF)
  string(TOUPPER "${${name}}" _ismooth_auto_mode)
  if(NOT _ismooth_auto_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
    message(FATAL_ERROR "${name} must be AUTO, ON or OFF, got '${${name}}'")
  endif()
  set(${name}_WANTED ON)
  set(${name}_REQUIRED OFF)
  if(_ismooth_auto_mode MATCHES "^(OFF|FALSE|NO|0)$")
    set(${name}_WANTED OFF)
  elseif(NOT _ismooth_auto_mode STREQUAL "AUTO")
    set(${name}_REQUIRED ON)
  endif()
endmacro()
