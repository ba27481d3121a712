# One warning set for every sapwood target; SAPWOOD_WERROR turns them into errors.
function(sapwood_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${SAPWOOD_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                           -Wno-sign-conversion $<$<BOOL:${SAPWOOD_WERROR}>:-Werror>)
  endif()
endfunction()

# A macro, so that the options land on the calling directory (the project root) and reach
# every target below it: the core, the Python module and the tests link one runtime.
macro(sapwood_sanitizers)
  if(SAPWOOD_SANITIZE)
    set(_sapwood_sanitize "${SAPWOOD_SANITIZE}")
    # GCC leaves float-to-integer overflow out of "undefined" (clang has it); model files
    # carry doubles that become indices and lengths, so both compilers check it.
    if(_sapwood_sanitize MATCHES "undefined")
      string(APPEND _sapwood_sanitize ",float-cast-overflow")
    endif()
    add_compile_options(-fsanitize=${_sapwood_sanitize} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${_sapwood_sanitize})
  endif()
endmacro()
