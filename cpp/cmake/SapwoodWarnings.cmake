# One warning set for every sapwood target; SAPWOOD_WERROR turns them into errors.
function(sapwood_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${SAPWOOD_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                           -Wno-sign-conversion $<$<BOOL:${SAPWOOD_WERROR}>:-Werror>)
  endif()
endfunction()

# Sanitizers apply to everything built after this call, so the Python module, the core
# and the tests agree on the runtime they link.
function(sapwood_sanitizers)
  if(SAPWOOD_SANITIZE)
    add_compile_options(-fsanitize=${SAPWOOD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${SAPWOOD_SANITIZE})
  endif()
endfunction()
