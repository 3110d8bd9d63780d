# Warnings and optimisation flags shared by every moelab target.

add_library(moe_warnings INTERFACE)
target_compile_options(moe_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wfloat-equal
  -Wsuggest-override -Wformat=2)
if(MOELAB_WERROR)
  target_compile_options(moe_warnings INTERFACE -Werror)
endif()

# -march=native is worth about 5x for Eigen on the target machines; portable packages turn it off.
if(MOELAB_NATIVE)
  add_compile_options($<$<CONFIG:Release,RelWithDebInfo>:-march=native>)
endif()
add_compile_options($<$<CONFIG:Release>:-O3>)

if(MOELAB_SANITIZE)
  string(REPLACE ";" "," _moe_sanitizers "${MOELAB_SANITIZE}")
  add_compile_options(-fsanitize=${_moe_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_moe_sanitizers})
endif()
